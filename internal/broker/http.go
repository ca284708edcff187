package broker

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/httpapi"
	"github.com/dryaddb/dryad/internal/query"
)

// maxQueryBytes bounds a query request body.
const maxQueryBytes = 64 << 20

// defaultHistory is druid.query.segmentMetadata.defaultHistory: the
// interval before now that the datasource information endpoints describe
// when no interval is given.
const defaultHistory = 7 * 24 * time.Hour

var (
	errTimeout   = errors.New("query timed out")
	errCancelled = errors.New("query cancelled")
	errShutdown  = errors.New("broker shutting down")
)

// legacyError is the error body Druid's query endpoints answer for query
// timeouts and cancellations (QueryException's JSON form).
type legacyError struct {
	Error        string  `json:"error"`
	ErrorMessage string  `json:"errorMessage"`
	ErrorClass   string  `json:"errorClass"`
	Host         *string `json:"host"`
}

// readQuery reads a request body holding one native query: the media type,
// the size (maxQueryBytes) and the JSON syntax are checked first (errors
// name the byte offset), then the query model decodes it, resolving
// lookups through Deps.Lookups.
func (b *Broker) readQuery(w http.ResponseWriter, r *http.Request) (query.Query, error) {
	r.Body = http.MaxBytesReader(w, r.Body, maxQueryBytes)
	var raw json.RawMessage
	if err := httpapi.DecodeJSON(r, &raw); err != nil {
		return nil, err
	}
	var opts query.DecodeOptions
	if b.deps.Lookups != nil {
		opts.Lookups = b.deps.Lookups.Map
	}
	return query.DecodeWith(raw, opts)
}

// serveQuery is POST /druid/v2/: decode, run under the context's timeout
// and queryId (generated when absent, answered in X-Druid-Query-Id), write
// the result (indented with ?pretty).
func (b *Broker) serveQuery(w http.ResponseWriter, r *http.Request) {
	q, err := b.readQuery(w, r)
	if err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	qc := q.Base().Context
	id := qc.QueryID()
	if id == "" {
		id = newQueryID()
	}
	w.Header().Set("X-Druid-Query-Id", id)
	timeout := b.cfg.DefaultQueryTimeout
	if t, ok := qc.Timeout(); ok {
		timeout = time.Duration(t) * time.Millisecond
	}
	ctx, cancel := context.WithCancelCause(r.Context())
	defer cancel(nil)
	if timeout > 0 {
		var stop context.CancelFunc
		ctx, stop = context.WithTimeoutCause(ctx, timeout, errTimeout)
		defer stop()
	}
	b.running.Store(id, cancel)
	defer b.running.Delete(id)

	// The query runs beside the request so that a timeout or cancellation
	// answers at once; the work itself stops at its next context check
	// (between segment blocks).
	type answer struct {
		out []byte
		err error
	}
	done := make(chan answer, 1)
	go func() {
		out, err := b.Run(ctx, q)
		done <- answer{out, err}
	}()
	var out []byte
	select {
	case a := <-done:
		out, err = a.out, a.err
		if err == nil {
			err = ctx.Err()
		}
	case <-ctx.Done():
		err = ctx.Err()
	}
	if err != nil {
		b.writeQueryError(w, r, ctx, id, err)
		return
	}
	if r.URL.Query().Has("pretty") {
		out = prettyJSON(out)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	w.Write(out)
}

func (b *Broker) writeQueryError(w http.ResponseWriter, r *http.Request, ctx context.Context, id string, err error) {
	cause := context.Cause(ctx)
	switch {
	case errors.Is(cause, errTimeout) || (ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded)):
		httpapi.WriteJSON(w, r, http.StatusGatewayTimeout, legacyError{Error: "Query timeout",
			ErrorMessage: "Query [" + id + "] timed out.", ErrorClass: "org.apache.druid.query.QueryTimeoutException"})
	case errors.Is(cause, errCancelled) || errors.Is(cause, errShutdown):
		httpapi.WriteJSON(w, r, http.StatusInternalServerError, legacyError{Error: "Query cancelled",
			ErrorMessage: "Query [" + id + "] cancelled.", ErrorClass: "org.apache.druid.query.QueryInterruptedException"})
	case ctx.Err() != nil:
		// The client went away; nobody reads the answer.
		httpapi.WriteJSON(w, r, http.StatusInternalServerError, legacyError{Error: "Query interrupted",
			ErrorMessage: "Query [" + id + "] interrupted: " + ctx.Err().Error(), ErrorClass: "org.apache.druid.query.QueryInterruptedException"})
	default:
		b.log.Debug("query failed", "queryId", id, "error", err)
		httpapi.WriteError(w, r, err)
	}
}

// serveCancel is DELETE /druid/v2/{queryId}: cancels a running query
// (its request answers 500 "Query cancelled"); 202 Accepted either way, as
// Druid.
func (b *Broker) serveCancel(w http.ResponseWriter, r *http.Request) {
	if v, ok := b.running.Load(r.PathValue("queryId")); ok {
		v.(context.CancelCauseFunc)(errCancelled)
	}
	w.WriteHeader(http.StatusAccepted)
}

func (b *Broker) serveDataSources(w http.ResponseWriter, r *http.Request) {
	httpapi.WriteJSON(w, r, http.StatusOK, b.dataSources())
}

// infoInterval reads the "interval" parameter of the datasource
// information endpoints, defaulting to the week before now.
func infoInterval(r *http.Request) (base.Interval, error) {
	s := r.URL.Query().Get("interval")
	if s == "" {
		now := time.Now().UnixMilli()
		return base.NewInterval(now-defaultHistory.Milliseconds(), now), nil
	}
	iv, err := base.ParseIntervalURL(s)
	if err != nil {
		return iv, base.Errorf(base.ClassInvalidInput, "interval %q: %w", s, err)
	}
	return iv, nil
}

// columnsOf unions the dimensions and metrics of every served segment of ds
// (overshadowed ones included, as Druid reads its inventory) whose interval
// overlaps iv, each list sorted.
func (b *Broker) columnsOf(ds string, iv base.Interval) (dims, mets []string) {
	dims, mets = []string{}, []string{}
	for _, seg := range b.servedSegments(ds) {
		if !seg.Interval.Overlaps(iv) {
			continue
		}
		for _, d := range seg.Dimensions {
			if !slices.Contains(dims, d) {
				dims = append(dims, d)
			}
		}
		for _, m := range seg.Metrics {
			if !slices.Contains(mets, m) {
				mets = append(mets, m)
			}
		}
	}
	slices.Sort(dims)
	slices.Sort(mets)
	return dims, mets
}

// serveDataSource is GET /druid/v2/datasources/{ds}: its dimensions and
// metrics over the interval; with ?full, per visible timeline interval, with
// abutting intervals of the same columns collapsed into one, as Druid's
// ClientInfoResource.
func (b *Broker) serveDataSource(w http.ResponseWriter, r *http.Request) {
	ds := r.PathValue("dataSourceName")
	iv, err := infoInterval(r)
	if err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	if !r.URL.Query().Has("full") {
		dims, mets := b.columnsOf(ds, iv)
		httpapi.WriteJSON(w, r, http.StatusOK, map[string][]string{"dimensions": dims, "metrics": mets})
		return
	}
	type cols struct {
		Dimensions []string `json:"dimensions"`
		Metrics    []string `json:"metrics"`
	}
	type piece struct {
		iv base.Interval
		c  cols
	}
	var pieces []piece
	for _, loc := range b.locate(ds, []base.Interval{iv}, nil) {
		if n := len(pieces); n == 0 || pieces[n-1].iv != loc.desc.Interval {
			pieces = append(pieces, piece{iv: loc.desc.Interval, c: cols{Dimensions: []string{}, Metrics: []string{}}})
		}
		c := &pieces[len(pieces)-1].c
		for _, d := range loc.seg.Dimensions {
			if !slices.Contains(c.Dimensions, d) {
				c.Dimensions = append(c.Dimensions, d)
			}
		}
		for _, m := range loc.seg.Metrics {
			if !slices.Contains(c.Metrics, m) {
				c.Metrics = append(c.Metrics, m)
			}
		}
	}
	out := map[string]cols{}
	for i := 0; i < len(pieces); {
		p := pieces[i]
		slices.Sort(p.c.Dimensions)
		slices.Sort(p.c.Metrics)
		j := i + 1
		for ; j < len(pieces); j++ {
			q := pieces[j]
			slices.Sort(q.c.Dimensions)
			slices.Sort(q.c.Metrics)
			if q.iv.Start != p.iv.End || !slices.Equal(q.c.Dimensions, p.c.Dimensions) || !slices.Equal(q.c.Metrics, p.c.Metrics) {
				break
			}
			p.iv.End = q.iv.End
		}
		out[p.iv.String()] = p.c
		i = j
	}
	httpapi.WriteJSON(w, r, http.StatusOK, out)
}

func (b *Broker) serveDimensions(w http.ResponseWriter, r *http.Request) {
	iv, err := infoInterval(r)
	if err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	dims, _ := b.columnsOf(r.PathValue("dataSourceName"), iv)
	httpapi.WriteJSON(w, r, http.StatusOK, dims)
}

func (b *Broker) serveMetrics(w http.ResponseWriter, r *http.Request) {
	iv, err := infoInterval(r)
	if err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	_, mets := b.columnsOf(r.PathValue("dataSourceName"), iv)
	httpapi.WriteJSON(w, r, http.StatusOK, mets)
}

// serverMetadata is Druid's DruidServerMetadata JSON.
type serverMetadata struct {
	Name           string  `json:"name"`
	Host           string  `json:"host"`
	HostAndTLSPort *string `json:"hostAndTlsPort"`
	MaxSize        int64   `json:"maxSize"`
	Type           string  `json:"type"`
	Tier           string  `json:"tier"`
	Priority       int     `json:"priority"`
}

// locatedSegment is Druid's LocatedSegmentDescriptor JSON.
type locatedSegment struct {
	Interval        base.Interval    `json:"interval"`
	Version         string           `json:"version"`
	PartitionNumber int              `json:"partitionNumber"`
	Size            int64            `json:"size"`
	Locations       []serverMetadata `json:"locations"`
}

func (b *Broker) candidates(tables []string, ivs []base.Interval, num int) []locatedSegment {
	out := []locatedSegment{}
	for _, t := range tables {
		for _, loc := range b.locate(t, ivs, nil) {
			ls := locatedSegment{Interval: loc.desc.Interval, Version: loc.seg.Version,
				PartitionNumber: loc.seg.ShardSpec.PartitionNum, Size: loc.seg.Size, Locations: []serverMetadata{}}
			for _, name := range loc.servers {
				if num > 0 && len(ls.Locations) >= num {
					break
				}
				if s, ok := b.deps.View.Server(name); ok {
					ls.Locations = append(ls.Locations, serverMetadata{Name: s.Name, Host: s.Name, MaxSize: s.MaxSize,
						Type: s.Type, Tier: s.Tier, Priority: s.Priority})
				}
			}
			out = append(out, ls)
		}
	}
	return out
}

// serveCandidates is GET /druid/v2/datasources/{ds}/candidates?intervals=
// a_b,c_d&numCandidates=n.
func (b *Broker) serveCandidates(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Query()
	s := p.Get("intervals")
	if s == "" {
		httpapi.WriteError(w, r, base.Errorf(base.ClassInvalidInput, "intervals: required parameter is missing"))
		return
	}
	var ivs []base.Interval
	for _, part := range strings.Split(s, ",") {
		iv, err := base.ParseIntervalURL(strings.TrimSpace(part))
		if err != nil {
			httpapi.WriteError(w, r, base.Errorf(base.ClassInvalidInput, "intervals: %q: %w", part, err))
			return
		}
		ivs = append(ivs, iv)
	}
	num := 0
	if n := p.Get("numCandidates"); n != "" {
		v, err := strconv.Atoi(n)
		if err != nil {
			httpapi.WriteError(w, r, base.Errorf(base.ClassInvalidInput, "numCandidates: %q is not an integer", n))
			return
		}
		num = v
	}
	httpapi.WriteJSON(w, r, http.StatusOK, b.candidates([]string{r.PathValue("dataSourceName")}, base.CondenseIntervals(ivs), num))
}

// serveQueryCandidates is POST /druid/v2/candidates: the segments and
// servers a query would read.
func (b *Broker) serveQueryCandidates(w http.ResponseWriter, r *http.Request) {
	q, err := b.readQuery(w, r)
	if err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	ivs := q.Base().Intervals
	if ivs == nil {
		ivs = []base.Interval{base.NewInterval(base.MinTime, base.MaxTime)}
	}
	httpapi.WriteJSON(w, r, http.StatusOK, b.candidates(q.Base().DataSource.Tables(), ivs, 0))
}
