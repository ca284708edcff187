package datagen

import (
	"math/rand"
	"time"
)

// LineitemRow is one TPC-H lineitem row. Money and rates are float64 with two
// decimals, as TPC-H's decimal(15,2); dates are days since the epoch.
type LineitemRow struct {
	OrderKey      int64
	PartKey       int64
	SuppKey       int64
	LineNumber    int64
	Quantity      float64
	ExtendedPrice float64
	Discount      float64
	Tax           float64
	ReturnFlag    string
	LineStatus    string
	ShipDate      int32
	CommitDate    int32
	ReceiptDate   int32
	ShipInstruct  string
	ShipMode      string
	Comment       string
}

// LineitemColumns lists the lineitem columns in TPC-H order.
var LineitemColumns = []string{
	"l_orderkey", "l_partkey", "l_suppkey", "l_linenumber", "l_quantity", "l_extendedprice", "l_discount", "l_tax",
	"l_returnflag", "l_linestatus", "l_shipdate", "l_commitdate", "l_receiptdate", "l_shipinstruct", "l_shipmode", "l_comment",
}

var (
	tpchStart   = days(time.Date(1992, 1, 1, 0, 0, 0, 0, time.UTC))
	tpchEnd     = days(time.Date(1998, 12, 31, 0, 0, 0, 0, time.UTC))
	tpchCurrent = days(time.Date(1995, 6, 17, 0, 0, 0, 0, time.UTC))
)

func days(t time.Time) int32 { return int32(t.Unix() / 86400) }

// DayString prints days since the epoch as an ISO date.
func DayString(d int32) string {
	return time.Unix(int64(d)*86400, 0).UTC().Format("2006-01-02")
}

var (
	shipInstructs = []string{"DELIVER IN PERSON", "COLLECT COD", "NONE", "TAKE BACK RETURN"}
	shipModes     = []string{"REG AIR", "AIR", "RAIL", "SHIP", "TRUCK", "MAIL", "FOB"}
	commentWords  = []string{
		"furiously", "sly", "careful", "blithely", "final", "ironic", "regular", "express", "pending", "bold",
		"quick", "even", "special", "silent", "unusual", "deposits", "requests", "packages", "accounts", "instructions",
		"theodolites", "pinto", "beans", "foxes", "ideas", "dependencies", "excuses", "platelets", "asymptotes", "courts",
	}
)

// Lineitem generates TPC-H lineitem rows for a scale factor. It is not safe
// for concurrent use.
type Lineitem struct {
	sf     float64
	orders int64
	rng    *rand.Rand

	order    int64 // current order number (1-based)
	lines    int64 // lines in the current order
	line     int64 // next line number in the current order
	orderDay int32
	row      LineitemRow
	comment  []byte
}

// NewLineitem returns a generator for scale factor sf (1 gives 1,500,000
// orders and about 6,001,215 lines).
func NewLineitem(seed int64, sf float64) *Lineitem {
	return &Lineitem{sf: sf, orders: int64(1500000 * sf), rng: rand.New(rand.NewSource(seed))}
}

// orderKey spreads order numbers as TPC-H does: only the first 8 of every 32 keys are used.
func orderKey(n int64) int64 { return (n-1)/8*32 + (n-1)%8 + 1 }

// retailPrice is TPC-H's P_RETAILPRICE for a part key, in cents.
func retailPrice(partKey int64) int64 {
	return 90000 + (partKey/10)%20001 + 100*(partKey%1000)
}

// Next returns the next row, or nil after the last one. The returned row is
// reused by the following call.
func (g *Lineitem) Next() *LineitemRow {
	if g.line >= g.lines {
		if g.order >= g.orders {
			return nil
		}
		g.order++
		g.lines = 1 + g.rng.Int63n(7)
		g.line = 0
		g.orderDay = tpchStart + int32(g.rng.Int63n(int64(tpchEnd-151-tpchStart)+1))
	}
	g.line++
	r := &g.row
	parts := int64(200000 * g.sf)
	supps := int64(10000 * g.sf)
	r.OrderKey = orderKey(g.order)
	r.PartKey = 1 + g.rng.Int63n(parts)
	i := g.rng.Int63n(4)
	r.SuppKey = (r.PartKey+(i*(supps/4+(r.PartKey-1)/supps)))%supps + 1
	r.LineNumber = g.line
	q := 1 + g.rng.Int63n(50)
	r.Quantity = float64(q)
	r.ExtendedPrice = float64(q*retailPrice(r.PartKey)) / 100
	r.Discount = float64(g.rng.Int63n(11)) / 100
	r.Tax = float64(g.rng.Int63n(9)) / 100
	r.ShipDate = g.orderDay + 1 + int32(g.rng.Int63n(121))
	r.CommitDate = g.orderDay + 30 + int32(g.rng.Int63n(61))
	r.ReceiptDate = r.ShipDate + 1 + int32(g.rng.Int63n(30))
	if r.ReceiptDate <= tpchCurrent {
		if g.rng.Intn(2) == 0 {
			r.ReturnFlag = "R"
		} else {
			r.ReturnFlag = "A"
		}
	} else {
		r.ReturnFlag = "N"
	}
	if r.ShipDate > tpchCurrent {
		r.LineStatus = "O"
	} else {
		r.LineStatus = "F"
	}
	r.ShipInstruct = shipInstructs[g.rng.Intn(len(shipInstructs))]
	r.ShipMode = shipModes[g.rng.Intn(len(shipModes))]
	g.comment = g.comment[:0]
	for n := 2 + g.rng.Intn(5); n > 0; n-- {
		if len(g.comment) > 0 {
			g.comment = append(g.comment, ' ')
		}
		g.comment = append(g.comment, commentWords[g.rng.Intn(len(commentWords))]...)
	}
	r.Comment = string(g.comment)
	return r
}
