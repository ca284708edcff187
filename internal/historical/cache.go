package historical

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"sync"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/config"
	"github.com/dryaddb/dryad/internal/deepstorage"
	"github.com/dryaddb/dryad/internal/segment"
)

// infoDir is the directory of each cache location holding one DataSegment
// JSON file per cached segment, as Druid's info_dir: what to serve again
// after a restart.
const infoDir = "info_dir"

// loaded is one served segment. Queries hold mu for reading while they use
// seg; dropping takes it for writing before closing the mapping.
type loaded struct {
	meta base.DataSegment
	id   string // meta.ID().String()
	dir  string // the segment's cache directory
	info string // its info_dir file
	mu   sync.RWMutex
	seg  *segment.Segment // nil once closed
}

// segmentCache is the set of segments a historical serves, backed by its
// cache locations. It is safe for concurrent use.
type segmentCache struct {
	locs []config.CacheLocation
	deep deepstorage.Storage
	log  *slog.Logger

	mu      sync.Mutex
	used    []int64 // bytes per location
	segs    map[base.SegmentID]*loaded
	loading map[base.SegmentID]*sync.Mutex // serializes loads of one segment
	pulls   int64                          // segments pulled from deep storage since start
}

func newSegmentCache(locs []config.CacheLocation, deep deepstorage.Storage, log *slog.Logger) *segmentCache {
	return &segmentCache{locs: locs, deep: deep, log: log, used: make([]int64, len(locs)),
		segs: map[base.SegmentID]*loaded{}, loading: map[base.SegmentID]*sync.Mutex{}}
}

// segmentDir is where a segment lives inside a cache location, following
// Druid's layout dataSource/start_end/version/partition (each part
// path-escaped).
func segmentDir(loc string, id base.SegmentID) string {
	iv := base.FormatTime(id.Interval.Start) + "_" + base.FormatTime(id.Interval.End)
	return filepath.Join(loc, url.PathEscape(id.DataSource), url.PathEscape(iv), url.PathEscape(id.Version), strconv.Itoa(id.Partition))
}

func infoFile(loc string, id base.SegmentID) string {
	return filepath.Join(loc, infoDir, url.PathEscape(id.String()))
}

// restore serves every segment recorded in the cache locations' info_dir
// whose file is present and valid, without pulling anything. Entries that
// cannot be served are removed (with their files) and logged; the
// coordinator will assign them again if they are still used.
func (c *segmentCache) restore(ctx context.Context, announce func(base.DataSegment)) error {
	for i, loc := range c.locs {
		dir := filepath.Join(loc.Path, infoDir)
		entries, err := os.ReadDir(dir)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return base.Errorf(base.ClassUnavailable, "reading segment cache info directory %s: %w", dir, err)
		}
		for _, e := range entries {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			path := filepath.Join(dir, e.Name())
			if e.IsDir() {
				continue
			}
			l, err := c.restoreOne(loc.Path, path)
			if err != nil {
				c.log.Warn("discarding cached segment", slog.String("info", path), slog.Any("error", err))
				os.Remove(path)
				if l != nil {
					os.RemoveAll(l.dir)
				}
				continue
			}
			c.mu.Lock()
			if _, dup := c.segs[l.meta.ID()]; dup {
				c.mu.Unlock()
				l.seg.Close()
				continue
			}
			c.segs[l.meta.ID()] = l
			c.used[i] += l.meta.Size
			c.mu.Unlock()
			announce(l.meta)
		}
	}
	return nil
}

func (c *segmentCache) restoreOne(loc, infoPath string) (*loaded, error) {
	b, err := os.ReadFile(infoPath)
	if err != nil {
		return nil, err
	}
	var meta base.DataSegment
	if err := json.Unmarshal(b, &meta); err != nil {
		return nil, base.Errorf(base.ClassInvalidInput, "segment info %s: %w", infoPath, err)
	}
	id := meta.ID()
	l := &loaded{meta: meta, id: id.String(), dir: segmentDir(loc, id), info: infoPath}
	seg, err := segment.Open(filepath.Join(l.dir, deepstorage.SegmentFileName))
	if err != nil {
		return l, fmt.Errorf("segment %s: %w", l.id, err)
	}
	l.seg = seg
	return l, nil
}

// load serves meta, pulling it from deep storage unless it is served
// already. It reports whether it pulled.
func (c *segmentCache) load(ctx context.Context, meta base.DataSegment) (*loaded, bool, error) {
	id := meta.ID()
	c.mu.Lock()
	if l, ok := c.segs[id]; ok {
		c.mu.Unlock()
		return l, false, nil
	}
	lk, ok := c.loading[id]
	if !ok {
		lk = &sync.Mutex{}
		c.loading[id] = lk
	}
	c.mu.Unlock()
	lk.Lock()
	defer func() {
		lk.Unlock()
		c.mu.Lock()
		delete(c.loading, id)
		c.mu.Unlock()
	}()
	c.mu.Lock()
	if l, ok := c.segs[id]; ok {
		c.mu.Unlock()
		return l, false, nil
	}
	loc := -1
	for i, cl := range c.locs {
		if cl.MaxSize == 0 || c.used[i]+meta.Size <= cl.MaxSize {
			loc = i
			break
		}
	}
	if loc < 0 {
		c.mu.Unlock()
		return nil, false, base.Errorf(base.ClassUnavailable, "segment %s: no cache location has room for %d bytes", id, meta.Size)
	}
	c.used[loc] += meta.Size
	c.mu.Unlock()

	l, err := c.pull(ctx, c.locs[loc].Path, meta)
	c.mu.Lock()
	defer c.mu.Unlock()
	if err != nil {
		c.used[loc] -= meta.Size
		return nil, false, err
	}
	c.segs[id] = l
	c.pulls++
	return l, true, nil
}

func (c *segmentCache) pull(ctx context.Context, loc string, meta base.DataSegment) (*loaded, error) {
	if c.deep == nil {
		return nil, base.Errorf(base.ClassUnavailable, "segment %s: no deep storage configured", meta.ID())
	}
	id := meta.ID()
	l := &loaded{meta: meta, id: id.String(), dir: segmentDir(loc, id), info: infoFile(loc, id)}
	if err := os.MkdirAll(l.dir, 0o755); err != nil {
		return nil, base.Errorf(base.ClassUnavailable, "segment %s: creating cache directory: %w", l.id, err)
	}
	file := filepath.Join(l.dir, deepstorage.SegmentFileName)
	if err := c.deep.Pull(ctx, meta.LoadSpec, file); err != nil {
		os.RemoveAll(l.dir)
		return nil, fmt.Errorf("pulling segment %s: %w", l.id, err)
	}
	seg, err := segment.Open(file)
	if err != nil {
		os.RemoveAll(l.dir)
		return nil, fmt.Errorf("opening segment %s: %w", l.id, err)
	}
	b, err := json.Marshal(meta)
	if err == nil {
		err = os.MkdirAll(filepath.Dir(l.info), 0o755)
	}
	if err == nil {
		err = writeFileAtomic(l.info, b)
	}
	if err != nil {
		seg.Close()
		os.RemoveAll(l.dir)
		return nil, base.Errorf(base.ClassUnavailable, "segment %s: recording it in %s: %w", l.id, infoDir, err)
	}
	l.seg = seg
	return l, nil
}

func writeFileAtomic(path string, b []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// drop stops serving a segment: it waits for running queries on it, closes
// it and deletes its files. It reports whether the segment was served.
func (c *segmentCache) drop(id base.SegmentID) (base.DataSegment, bool) {
	c.mu.Lock()
	l, ok := c.segs[id]
	if ok {
		delete(c.segs, id)
		for i, loc := range c.locs {
			if filepath.Dir(filepath.Dir(l.info)) == filepath.Clean(loc.Path) {
				c.used[i] -= l.meta.Size
			}
		}
	}
	c.mu.Unlock()
	if !ok {
		return base.DataSegment{}, false
	}
	l.close()
	os.Remove(l.info)
	os.RemoveAll(l.dir)
	return l.meta, true
}

func (l *loaded) close() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.seg != nil {
		l.seg.Close()
		l.seg = nil
	}
}

// get returns a served segment.
func (c *segmentCache) get(id base.SegmentID) (*loaded, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	l, ok := c.segs[id]
	return l, ok
}

// all lists the served segments' metadata.
func (c *segmentCache) all() []base.DataSegment {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]base.DataSegment, 0, len(c.segs))
	for _, l := range c.segs {
		out = append(out, l.meta)
	}
	return out
}

// closeAll closes every mapping (on Stop); the files stay for the next
// start.
func (c *segmentCache) closeAll() {
	c.mu.Lock()
	segs := c.segs
	c.segs = map[base.SegmentID]*loaded{}
	c.mu.Unlock()
	for _, l := range segs {
		l.close()
	}
}

// pullCount returns how many segments were pulled from deep storage.
func (c *segmentCache) pullCount() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.pulls
}
