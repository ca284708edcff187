package datagen

import (
	"math/rand"
	"strconv"
	"time"
)

// WikiStart is the first timestamp of the wiki data set.
var WikiStart = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// WikiSpan is how long the wiki data set covers.
const WikiSpan = 30 * 24 * time.Hour

// WikiRow is one generated edit. Nullable dimensions use "" for null (they
// are written as JSON null).
type WikiRow struct {
	Time           int64 // milliseconds since the epoch
	Channel        string
	Namespace      string
	CountryName    string
	CountryIsoCode string
	RegionName     string
	CityName       string
	MetroCode      string
	Page           string
	User           string
	Comment        string
	IsRobot        bool
	IsAnonymous    bool
	IsMinor        bool
	IsNew          bool
	IsUnpatrolled  bool
	Language       string
	Tags           []string
	Added          int64
	Deleted        int64
	Delta          int64
	CommentLength  int64
	DeltaScore     float64
}

// WikiDimensions lists the wiki string dimensions in schema order.
var WikiDimensions = []string{
	"channel", "namespace", "countryName", "countryIsoCode", "regionName", "cityName", "metroCode",
	"page", "user", "comment", "isRobot", "isAnonymous", "isMinor", "isNew", "isUnpatrolled", "language", "tags",
}

// WikiMetrics lists the wiki numeric columns.
var WikiMetrics = []string{"added", "deleted", "delta", "commentLength", "deltaScore"}

// Wiki generates wiki rows. It is not safe for concurrent use; make one per
// goroutine (with different seeds or row ranges) instead.
type Wiki struct {
	rows int64
	next int64
	rng  *rand.Rand

	channel, namespace, country, region, city, page, user, comment, language *rand.Zipf

	tags []string
	row  WikiRow
}

// NewWiki returns a generator of rows wiki rows from seed.
func NewWiki(seed int64, rows int64) *Wiki {
	rng := rand.New(rand.NewSource(seed))
	z := func(s float64, n int64) *rand.Zipf {
		if n < 2 {
			n = 2
		}
		return rand.NewZipf(rng, s, 1, uint64(n-1))
	}
	return &Wiki{
		rows:      rows,
		rng:       rng,
		channel:   z(1.3, 50),
		namespace: z(1.5, 20),
		country:   z(1.2, 200),
		region:    z(1.1, 2000),
		city:      z(1.1, 20000),
		page:      z(1.05, max(rows/4, 2)),
		user:      z(1.2, max(rows/20, 2)),
		comment:   z(1.01, max(rows/2, 2)),
		language:  z(1.4, 40),
		tags:      make([]string, 0, 3),
	}
}

// Next returns the next row, or nil after the last one. The returned row and
// its Tags slice are reused by the following call.
func (g *Wiki) Next() *WikiRow {
	if g.next >= g.rows {
		return nil
	}
	i := g.next
	g.next++
	r := &g.row
	span := WikiSpan.Milliseconds()
	r.Time = WikiStart.UnixMilli() + i*span/g.rows
	r.Channel = "#" + word(g.channel.Uint64(), 2) + ".wikipedia"
	r.Namespace = namespaces[g.namespace.Uint64()%uint64(len(namespaces))]
	if g.rng.Intn(10) < 3 {
		r.CountryName, r.CountryIsoCode, r.RegionName, r.CityName = "", "", "", ""
	} else {
		c := g.country.Uint64()
		r.CountryName = "Country " + word(c, 3)
		r.CountryIsoCode = isoCode(c)
		r.RegionName = "Region " + word(g.region.Uint64(), 3)
		r.CityName = "City " + word(g.city.Uint64(), 3)
	}
	if g.rng.Intn(10) < 6 {
		r.MetroCode = ""
	} else {
		r.MetroCode = strconv.Itoa(500 + g.rng.Intn(300))
	}
	r.Page = "Page " + word(g.page.Uint64(), 4)
	r.User = "User" + word(g.user.Uint64(), 3)
	r.Comment = "edit " + word(g.comment.Uint64(), 5)
	r.IsRobot = g.rng.Intn(100) < 20
	r.IsAnonymous = g.rng.Intn(100) < 15
	r.IsMinor = g.rng.Intn(100) < 35
	r.IsNew = g.rng.Intn(100) < 8
	r.IsUnpatrolled = g.rng.Intn(100) < 12
	r.Language = languages[g.language.Uint64()%uint64(len(languages))]
	r.Tags = g.tags[:0]
	for n := g.rng.Intn(4); n > 0; n-- {
		r.Tags = append(r.Tags, "tag-"+strconv.Itoa(g.rng.Intn(30)))
	}
	r.Added = int64(g.rng.ExpFloat64() * 200)
	r.Deleted = int64(g.rng.ExpFloat64() * 60)
	r.Delta = r.Added - r.Deleted
	r.CommentLength = int64(len(r.Comment))
	r.DeltaScore = float64(r.Delta) / (1 + float64(r.CommentLength))
	return r
}

var namespaces = []string{
	"Main", "Talk", "User", "User talk", "Wikipedia", "Wikipedia talk", "File", "File talk", "MediaWiki", "MediaWiki talk",
	"Template", "Template talk", "Help", "Help talk", "Category", "Category talk", "Portal", "Portal talk", "Draft", "Module",
}

var languages = []string{
	"en", "de", "fr", "es", "ja", "ru", "it", "zh", "pt", "pl", "nl", "sv", "uk", "vi", "fa", "ar", "ko", "ca", "no", "fi",
	"cs", "hu", "id", "tr", "ro", "he", "sr", "da", "bg", "eo", "el", "th", "sk", "lt", "hr", "sl", "et", "ms", "hi", "simple",
}

// syllables make readable, deterministic names from numbers.
var syllables = []string{
	"ka", "lo", "mi", "ne", "ru", "sa", "ti", "vo", "za", "be", "do", "fu", "ga", "hi", "jo", "ku",
	"la", "me", "no", "pa", "qi", "re", "si", "to", "ul", "va", "wi", "xo", "ye", "zu", "an", "or",
}

// word spells n in base 32 with at least minSyl syllables, capitalised.
func word(n uint64, minSyl int) string {
	var b [64]byte
	out := b[:0]
	for i := 0; n > 0 || i < minSyl; i++ {
		out = append(out, syllables[n%32]...)
		n /= 32
	}
	if out[0] >= 'a' && out[0] <= 'z' {
		out[0] -= 'a' - 'A'
	}
	return string(out)
}

func isoCode(n uint64) string {
	return string([]byte{byte('A' + n%26), byte('A' + (n/26)%26)})
}
