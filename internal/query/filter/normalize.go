package filter

// Normalize returns an equivalent, simpler filter: nested and/or are
// flattened, true/false constants are folded (and(x, false) = false,
// or(x, true) = true, and() = true, or() = false), single-child and/or are
// unwrapped, and not(not x) = x, not(true) = false, not(false) = true.
// These rewrites hold in three-valued logic. f is not modified; unchanged
// subtrees are shared. A nil filter stays nil.
func Normalize(f Filter) Filter {
	switch f := f.(type) {
	case *And:
		var out []Filter
		for _, c := range f.Fields {
			c = Normalize(c)
			switch c := c.(type) {
			case *True:
				continue
			case *False:
				return c
			case *And:
				out = append(out, c.Fields...)
				continue
			}
			out = append(out, c)
		}
		switch len(out) {
		case 0:
			return &True{}
		case 1:
			return out[0]
		}
		return &And{Fields: out}
	case *Or:
		var out []Filter
		for _, c := range f.Fields {
			c = Normalize(c)
			switch c := c.(type) {
			case *False:
				continue
			case *True:
				return c
			case *Or:
				out = append(out, c.Fields...)
				continue
			}
			out = append(out, c)
		}
		switch len(out) {
		case 0:
			return &False{}
		case 1:
			return out[0]
		}
		return &Or{Fields: out}
	case *Not:
		c := Normalize(f.Field)
		switch c := c.(type) {
		case *Not:
			return c.Field
		case *True:
			return &False{}
		case *False:
			return &True{}
		}
		return &Not{Field: c}
	}
	return f
}
