package incremental

import (
	"encoding/binary"
	"encoding/json"
	"math"
	"slices"
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
	// STRING: ids of row r are ids[offs[r]:offs[r+1]]; a null row holds the
	// single id -1. dict maps values to ids in arrival order.
	dict map[string]int32
	vals []string
	// lastVal/lastID cache the most recent lookup (lastID -1: none).
	lastVal string
	lastID  int32
	ids     []int32
	offs    []int32
	multi   bool
	// LONG, FLOAT, DOUBLE (and KindUnknown rows, all null).
	longs []int64
	dbls  []float64
	null  []bool
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
	rowIDs  [][]int32
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
			return nil, base.Errorf(base.ClassUnsupported, "dimension %q: %s dimensions are not supported yet", d.Name, typ)
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
	x.rowIDs = append(x.rowIDs, nil)
	// Existing rows are null in the new dimension.
	n := len(x.times)
	if typ.Kind == base.KindString {
		d.dict = map[string]int32{}
		d.offs = make([]int32, n+1)
		d.ids = make([]int32, n)
		for i := range d.ids {
			d.ids[i] = -1
			d.offs[i+1] = int32(i + 1)
		}
	} else {
		d.longs = make([]int64, n)
		d.dbls = make([]float64, n)
		d.null = make([]bool, n)
		for i := range d.null {
			d.null[i] = true
		}
	}
	x.bytes += int64(n) * numberCellBytes
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
		t := d.typ
		if t.Kind == base.KindUnknown {
			t = base.TypeString
		}
		out[i] = segment.Dimension{Name: d.name, Type: t, MultiValue: d.multi}
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

// findOrAdd encodes the row's dimension values and returns its row number:
// an existing one when rollup finds the same key, else a new row.
func (x *Index) findOrAdd(t int64, vals []segment.Value) (int, bool, error) {
	x.keyBuf = binary.LittleEndian.AppendUint64(x.keyBuf[:0], uint64(t))
	keyLen := len(x.keyBuf)
	for di, d := range x.dims {
		v := vals[d.slot]
		if d.typ.Kind == base.KindString {
			ids := x.encodeStrings(d, v, x.rowIDs[di][:0])
			x.rowIDs[di] = ids
			if x.keys == nil {
				continue // no rollup: no key needed
			}
			if len(ids) == 1 && ids[0] < 0 {
				x.keyBuf = append(x.keyBuf, 0)
				continue
			}
			x.keyBuf = binary.AppendUvarint(x.keyBuf, uint64(len(ids)))
			for _, id := range ids {
				x.keyBuf = binary.LittleEndian.AppendUint32(x.keyBuf, uint32(id))
			}
		} else {
			n, ok := numberOf(d.typ.Kind, v)
			if !ok {
				x.keyBuf = append(x.keyBuf, 0)
				continue
			}
			x.keyBuf = append(x.keyBuf, 1)
			x.keyBuf = binary.LittleEndian.AppendUint64(x.keyBuf, n)
		}
		keyLen = len(x.keyBuf)
	}
	// Trailing nulls are left out, so that rows added before a dimension
	// was discovered keep matching.
	key := x.keyBuf[:keyLen]
	if x.keys != nil {
		if row, ok := x.keys[string(key)]; ok {
			return int(row), false, nil
		}
	}
	row := len(x.times)
	if row >= math.MaxInt32 {
		return 0, false, base.Errorf(base.ClassCapacity, "incremental index is full (%d rows)", row)
	}
	if x.keys != nil {
		x.keys[string(key)] = int32(row)
		x.bytes += int64(len(key)) + keyEntryBytes
	}
	x.times = append(x.times, t)
	x.bytes += rowOverhead
	for di, d := range x.dims {
		if d.typ.Kind == base.KindString {
			ids := x.rowIDs[di]
			d.ids = append(d.ids, ids...)
			d.offs = append(d.offs, int32(len(d.ids)))
			if len(ids) > 1 {
				d.multi = true
			}
			x.bytes += int64(len(ids)) * stringCellBytes
			continue
		}
		v := vals[d.slot]
		n, ok := numberOf(d.typ.Kind, v)
		d.null = append(d.null, !ok)
		d.longs = append(d.longs, int64(n))
		d.dbls = append(d.dbls, math.Float64frombits(n))
		x.bytes += numberCellBytes
	}
	return row, true, nil
}

// encodeStrings appends the ids of a string dimension's value to dst (a
// single -1 for null), adding new values to the dictionary.
func (x *Index) encodeStrings(d *dim, v segment.Value, dst []int32) []int32 {
	switch v.Kind {
	case segment.KindNull:
		return append(dst, -1)
	case segment.KindStrings:
		switch len(v.Strs) {
		case 0:
			return append(dst, -1)
		case 1:
			return append(dst, x.intern(d, v.Strs[0]))
		}
		x.strs = append(x.strs[:0], v.Strs...)
		if d.handling != Array {
			slices.Sort(x.strs)
			if d.handling == SortedSet {
				x.strs = slices.Compact(x.strs)
			}
		}
		for _, s := range x.strs {
			dst = append(dst, x.intern(d, s))
		}
		return dst
	}
	s, _ := stringOf(v)
	return append(dst, x.intern(d, s))
}

func (x *Index) intern(d *dim, s string) int32 {
	// Consecutive rows often repeat a value (sorted or clustered input,
	// low-cardinality dimensions): check the last one before the map.
	if d.lastID >= 0 && s == d.lastVal {
		return d.lastID
	}
	if id, ok := d.dict[s]; ok {
		d.lastVal, d.lastID = d.vals[id], id
		return id
	}
	id := int32(len(d.vals))
	s = strings.Clone(s) // the caller may reuse its buffers
	d.dict[s] = id
	d.vals = append(d.vals, s)
	d.lastVal, d.lastID = s, id
	x.bytes += int64(len(s)) + dictEntryBytes
	return id
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

// discover applies type-aware schema discovery to a discovered dimension.
func (x *Index) discover(d *dim, v segment.Value) error {
	var want base.TypeKind
	switch v.Kind {
	case segment.KindNull:
		return nil
	case segment.KindString:
		want = base.KindString
	case segment.KindLong:
		want = base.KindLong
	case segment.KindFloat, segment.KindDouble:
		want = base.KindDouble
	case segment.KindStrings:
		return base.Errorf(base.ClassUnsupported, "dimension %q: schema discovery found an array (ARRAY<STRING>), which dryad does not store yet", d.name)
	default:
		return base.Errorf(base.ClassInvalidInput, "dimension %q: value %s cannot be a dimension", d.name, v)
	}
	cur := d.typ.Kind
	next := cur
	switch {
	case cur == base.KindUnknown:
		next = want
	case cur == want, cur == base.KindString:
	case want == base.KindString:
		next = base.KindString
	case cur == base.KindLong && want == base.KindDouble:
		next = base.KindDouble
	}
	if next != cur {
		x.convert(d, base.ColumnType{Kind: next})
	}
	return nil
}

// convert changes a discovered dimension's type, re-encoding its stored
// rows, and rebuilds the rollup keys.
func (x *Index) convert(d *dim, to base.ColumnType) {
	from := d.typ.Kind
	n := len(x.times)
	switch to.Kind {
	case base.KindString:
		d.dict = map[string]int32{}
		d.vals = nil
		d.lastVal, d.lastID = "", -1
		d.ids = make([]int32, 0, n)
		d.offs = make([]int32, 1, n+1)
		for r := 0; r < n; r++ {
			id := int32(-1)
			if !d.null[r] {
				var s string
				if from == base.KindLong {
					s = strconv.FormatInt(d.longs[r], 10)
				} else {
					s = javaDouble(d.dbls[r], 64)
				}
				id = x.intern(d, s)
			}
			d.ids = append(d.ids, id)
			d.offs = append(d.offs, int32(len(d.ids)))
		}
		d.longs, d.dbls, d.null = nil, nil, nil
	case base.KindDouble:
		for r := 0; r < n; r++ {
			if from == base.KindLong {
				d.dbls[r] = float64(d.longs[r])
			}
		}
	}
	d.typ = to
	if x.keys != nil {
		x.rebuildKeys()
	}
}

func (x *Index) rebuildKeys() {
	clear(x.keys)
	var key []byte
	for r := range x.times {
		key = binary.LittleEndian.AppendUint64(key[:0], uint64(x.times[r]))
		keyLen := len(key)
		for _, d := range x.dims {
			if d.typ.Kind == base.KindString {
				ids := d.ids[d.offs[r]:d.offs[r+1]]
				if len(ids) == 1 && ids[0] < 0 {
					key = append(key, 0)
					continue
				}
				key = binary.AppendUvarint(key, uint64(len(ids)))
				for _, id := range ids {
					key = binary.LittleEndian.AppendUint32(key, uint32(id))
				}
			} else {
				if d.null[r] {
					key = append(key, 0)
					continue
				}
				var bits uint64
				if d.typ.Kind == base.KindLong {
					bits = uint64(d.longs[r])
				} else {
					bits = math.Float64bits(d.dbls[r])
				}
				key = append(key, 1)
				key = binary.LittleEndian.AppendUint64(key, bits)
			}
			keyLen = len(key)
		}
		x.keys[string(key[:keyLen])] = int32(r)
	}
}
