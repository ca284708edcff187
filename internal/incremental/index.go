package incremental

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/query/aggregation"
	"github.com/dryaddb/dryad/internal/segment"
)

// Multi-value handling modes for string dimensions (Druid's
// multiValueHandling).
const (
	SortedArray = "sorted_array" // sort the values, keep duplicates (the default)
	SortedSet   = "sorted_set"   // sort and drop duplicates
	Array       = "array"        // keep the input order
)

// DimensionSpec declares a dimension.
type DimensionSpec struct {
	Name string
	// Type is STRING (also when zero), LONG, FLOAT or DOUBLE.
	Type base.ColumnType
	// MultiValueHandling is SortedArray (also when empty), SortedSet or
	// Array; it applies to STRING dimensions.
	MultiValueHandling string
}

// Config configures an Index.
type Config struct {
	// Dimensions declares the dimensions in order. When empty, every input
	// field that is not excluded, not a metric and not a metric's input
	// becomes a dimension, in arrival order.
	Dimensions []DimensionSpec
	// Exclusions names fields never discovered as dimensions (Druid's
	// dimensionExclusions; put the timestamp column here).
	Exclusions []string
	// UseSchemaDiscovery infers discovered dimensions' types as Druid's
	// type-aware discovery does: STRING, LONG or DOUBLE from the values,
	// widening LONG to DOUBLE and anything to STRING when values disagree.
	// Without it discovered dimensions are STRING.
	UseSchemaDiscovery bool
	// Metrics are the ingestion-time aggregators.
	Metrics []aggregation.Factory
	// Rollup combines rows with equal truncated time and dimension values.
	Rollup bool
	// Truncate applies the query granularity to a timestamp; nil keeps
	// timestamps as they are.
	Truncate func(int64) int64
	// QueryGranularity is recorded in the segment metadata.
	QueryGranularity json.RawMessage
}

type dim struct {
	name     string
	typ      base.ColumnType // KindUnknown: discovered, no non-null value yet
	handling string
	declared bool
	slot     int
	// dict maps string values (of STRING dimensions and ARRAY<STRING>
	// elements) to ids in arrival order.
	dict map[string]int32
	vals []string
	// lastVal/lastID cache the most recent lookup (lastID -1: none).
	lastVal string
	lastID  int32
	// STRING: the ids of row r are ids[offs[r]:offs[r+1]]; a null row
	// holds the single id -1.
	ids   []int32
	offs  []int32
	multi bool
	// LONG, FLOAT, DOUBLE and not-yet-typed (all null) dimensions.
	longs []int64
	dbls  []float64
	null  []bool
	// ARRAY: row r's elements are [aoffs[r], aoffs[r+1]); rowNull marks
	// null rows. Every element has a string id (elemIDs, -1 unless a
	// non-null ARRAY<STRING> element), number bits (elemBits: int64 for
	// LONG, float64 bits for DOUBLE) and a null flag.
	aoffs    []int32
	rowNull  []bool
	elemIDs  []int32
	elemBits []uint64
	elemNull []bool
}

// Index is an in-memory index of rows for one time chunk. It is not safe for
// concurrent use.
type Index struct {
	cfg         Config
	dims        []*dim
	slots       map[string]int
	slotDim     []int // slot → dims index, or -1
	excluded    map[string]bool
	metricSlots [][]int
	rollups     []aggregation.Rollup
	times       []int64
	keys        map[string]int32
	bytes       int64
	// per-row scratch
	scratch []segment.Value
	touched []int
	keyBuf  []byte
	in      []segment.Value
	strs    []string
}

// Per-entry estimates used by EstimatedBytes.
const (
	rowOverhead     = 8 + 16 // time and bookkeeping
	dictEntryBytes  = 48     // map entry and string header
	keyEntryBytes   = 48     // rollup map entry
	stringCellBytes = 8      // id and offset
	numberCellBytes = 9      // value and null flag
)

// New returns an empty index.
func New(cfg Config) (*Index, error) {
	x := &Index{cfg: cfg, slots: map[string]int{}, excluded: map[string]bool{base.TimeColumn: true}}
	for _, e := range cfg.Exclusions {
		x.excluded[e] = true
	}
	if cfg.Rollup {
		x.keys = map[string]int32{}
	}
	for _, d := range cfg.Dimensions {
		if d.Name == "" || d.Name == base.TimeColumn {
			return nil, base.Errorf(base.ClassInvalidInput, "invalid dimension name %q", d.Name)
		}
		if _, dup := x.slots[d.Name]; dup {
			return nil, base.Errorf(base.ClassInvalidInput, "dimension %q declared twice", d.Name)
		}
		typ := d.Type
		switch typ.Kind {
		case base.KindUnknown:
			typ = base.TypeString
		case base.KindString, base.KindLong, base.KindFloat, base.KindDouble:
		case base.KindArray:
			if typ.Elem != base.KindString && typ.Elem != base.KindLong && typ.Elem != base.KindDouble {
				return nil, base.Errorf(base.ClassUnsupported, "dimension %q: %s dimensions are not supported (arrays hold STRING, LONG or DOUBLE)", d.Name, typ)
			}
		default:
			return nil, base.Errorf(base.ClassInvalidInput, "dimension %q: type %s is not a dimension type", d.Name, typ)
		}
		h := d.MultiValueHandling
		switch strings.ToLower(h) {
		case "", SortedArray:
			h = SortedArray
		case SortedSet, Array:
			h = strings.ToLower(h)
		default:
			return nil, base.Errorf(base.ClassInvalidInput, "dimension %q: unknown multiValueHandling %q", d.Name, d.MultiValueHandling)
		}
		x.addDim(d.Name, typ, h, true)
	}
	metricNames := map[string]bool{}
	for _, m := range cfg.Metrics {
		if metricNames[m.Name()] {
			return nil, base.Errorf(base.ClassInvalidInput, "metric %q declared twice", m.Name())
		}
		metricNames[m.Name()] = true
		if _, clash := x.slots[m.Name()]; clash && x.dimIndex(m.Name()) >= 0 {
			return nil, base.Errorf(base.ClassInvalidInput, "metric %q has the name of a dimension", m.Name())
		}
		// A metric's name and inputs are never discovered as dimensions.
		x.excluded[m.Name()] = true
		var slots []int
		for _, f := range m.InputFields() {
			x.excluded[f] = true
			slots = append(slots, x.slot(f))
		}
		x.metricSlots = append(x.metricSlots, slots)
		x.rollups = append(x.rollups, m.NewRollup())
	}
	return x, nil
}

func (x *Index) slot(name string) int {
	if s, ok := x.slots[name]; ok {
		return s
	}
	s := len(x.scratch)
	x.slots[name] = s
	x.scratch = append(x.scratch, segment.Value{})
	x.slotDim = append(x.slotDim, -1)
	return s
}

func (x *Index) dimIndex(name string) int {
	if s, ok := x.slots[name]; ok {
		return x.slotDim[s]
	}
	return -1
}

func (x *Index) addDim(name string, typ base.ColumnType, handling string, declared bool) *dim {
	d := &dim{name: name, typ: typ, handling: handling, declared: declared, slot: x.slot(name), lastID: -1}
	x.slotDim[d.slot] = len(x.dims)
	x.dims = append(x.dims, d)
	d.dict = map[string]int32{}
	// Existing rows are null in the new dimension.
	d.initNull(len(x.times))
	x.bytes += int64(len(x.times)) * numberCellBytes
	return d
}

// Rows reports the number of rows (after rollup).
func (x *Index) Rows() int { return len(x.times) }

// EstimatedBytes estimates the index's memory use, for maxBytesInMemory.
func (x *Index) EstimatedBytes() int64 {
	b := x.bytes
	for _, r := range x.rollups {
		b += r.EstimatedBytes()
	}
	return b
}

// Dimensions returns the dimensions' names and current types, in order.
func (x *Index) Dimensions() []segment.Dimension {
	out := make([]segment.Dimension, len(x.dims))
	for i, d := range x.dims {
		out[i] = segment.Dimension{Name: d.name, Type: d.storedType(), MultiValue: d.multi}
	}
	return out
}

// Add adds one row, rolling it up into an existing row when rollup is on
// and one matches.
func (x *Index) Add(r *Row) error {
	if len(r.Names) != len(r.Values) {
		return base.Errorf(base.ClassInvalidInput, "row has %d names and %d values", len(r.Names), len(r.Values))
	}
	defer x.clearScratch()
	schemaless := len(x.cfg.Dimensions) == 0
	for i, name := range r.Names {
		s, ok := x.slots[name]
		if !ok || (x.slotDim[s] < 0 && schemaless && !x.excluded[name]) {
			if !schemaless || x.excluded[name] {
				continue
			}
			typ := base.TypeString
			if x.cfg.UseSchemaDiscovery {
				typ = base.ColumnType{}
			}
			s = x.addDim(name, typ, SortedArray, false).slot
		}
		x.scratch[s] = r.Values[i]
		x.touched = append(x.touched, s)
	}
	if x.cfg.UseSchemaDiscovery {
		for _, d := range x.dims {
			if !d.declared {
				if err := x.discover(d, x.scratch[d.slot]); err != nil {
					return err
				}
			}
		}
	}
	t := r.Time
	if x.cfg.Truncate != nil {
		t = x.cfg.Truncate(t)
	}
	row, isNew, err := x.findOrAdd(t, x.scratch)
	if err != nil {
		return err
	}
	for m, rl := range x.rollups {
		x.in = x.in[:0]
		for _, s := range x.metricSlots[m] {
			x.in = append(x.in, x.scratch[s])
		}
		if isNew {
			rl.Add(r.Time, x.in)
		} else {
			rl.Aggregate(row, r.Time, x.in)
		}
	}
	return nil
}

func (x *Index) clearScratch() {
	for _, s := range x.touched {
		x.scratch[s] = segment.Value{}
	}
	x.touched = x.touched[:0]
}

// stringOf renders a value for a string dimension.
func stringOf(v segment.Value) (string, bool) {
	switch v.Kind {
	case segment.KindString:
		return v.Str, true
	case segment.KindLong:
		return strconv.FormatInt(v.Long, 10), true
	case segment.KindFloat:
		return javaDouble(float64(float32(v.Double)), 32), true
	case segment.KindDouble:
		return javaDouble(v.Double, 64), true
	case segment.KindStrings:
		return strings.Join(v.Strs, ","), true
	}
	return "", false
}

// javaDouble formats a float as Java's Double.toString / Float.toString do
// ("36.0", "1.0E7", "1.5E-4").
func javaDouble(f float64, bits int) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	}
	a := math.Abs(f)
	if f == 0 || (a >= 1e-3 && a < 1e7) {
		s := strconv.FormatFloat(f, 'f', -1, bits)
		if !strings.Contains(s, ".") {
			s += ".0"
		}
		return s
	}
	s := strconv.FormatFloat(f, 'E', -1, bits)
	mant, exp, _ := strings.Cut(s, "E")
	if !strings.Contains(mant, ".") {
		mant += ".0"
	}
	if exp[0] == '+' {
		exp = exp[1:]
	}
	exp = strings.TrimLeft(exp, "0")
	if strings.HasPrefix(exp, "-") {
		exp = "-" + strings.TrimLeft(exp[1:], "0")
	}
	return mant + "E" + exp
}

// numberOf converts a value for a numeric dimension, returning its bits
// (int64 for LONG, float64 bits for FLOAT and DOUBLE) and false for null or
// unparseable values.
func numberOf(k base.TypeKind, v segment.Value) (uint64, bool) {
	switch k {
	case base.KindLong:
		switch v.Kind {
		case segment.KindLong:
			return uint64(v.Long), true
		case segment.KindDouble, segment.KindFloat:
			if math.IsNaN(v.Double) {
				return 0, false
			}
			return uint64(int64(v.Double)), true
		case segment.KindString:
			s := strings.TrimSpace(v.Str)
			if n, err := strconv.ParseInt(s, 10, 64); err == nil {
				return uint64(n), true
			}
			if f, err := strconv.ParseFloat(s, 64); err == nil && !math.IsNaN(f) {
				return uint64(int64(f)), true
			}
		}
		return 0, false
	case base.KindFloat, base.KindDouble:
		var f float64
		switch v.Kind {
		case segment.KindLong:
			f = float64(v.Long)
		case segment.KindDouble, segment.KindFloat:
			f = v.Double
		case segment.KindString:
			var err error
			if f, err = strconv.ParseFloat(strings.TrimSpace(v.Str), 64); err != nil {
				return 0, false
			}
		default:
			return 0, false
		}
		if k == base.KindFloat {
			f = float64(float32(f))
		}
		return math.Float64bits(f), true
	}
	return 0, false // KindUnknown: no value yet
}
