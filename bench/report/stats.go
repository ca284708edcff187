package report

import (
	"math"
	"slices"
	"time"
)

// Latency summarises the timed runs of one query on one engine. Times are
// milliseconds.
type Latency struct {
	Runs     int     `json:"runs"`
	MinMs    float64 `json:"minMs"`
	MedianMs float64 `json:"medianMs"`
	P95Ms    float64 `json:"p95Ms"`
}

// Summarize returns the statistics of samples; zero samples give a zero
// Latency. The median of an even count is the mean of the middle two; the
// p95 is the nearest-rank percentile (the ceil(0.95·n)-th smallest).
func Summarize(samples []time.Duration) Latency {
	n := len(samples)
	if n == 0 {
		return Latency{}
	}
	s := slices.Clone(samples)
	slices.Sort(s)
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	med := ms(s[n/2])
	if n%2 == 0 {
		med = (ms(s[n/2-1]) + ms(s[n/2])) / 2
	}
	rank := int(math.Ceil(0.95 * float64(n)))
	return Latency{Runs: n, MinMs: ms(s[0]), MedianMs: med, P95Ms: ms(s[rank-1])}
}

// GeoMean returns the geometric mean of the positive values in xs, or 0
// when there are none.
func GeoMean(xs []float64) float64 {
	var sum float64
	n := 0
	for _, x := range xs {
		if x > 0 && !math.IsInf(x, 0) {
			sum += math.Log(x)
			n++
		}
	}
	if n == 0 {
		return 0
	}
	return math.Exp(sum / float64(n))
}
