package inputsource

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"

	"github.com/dryaddb/dryad/internal/base"
	"github.com/dryaddb/dryad/internal/ingest/specjson"
)

// Local is the "local" input source: files under BaseDir (recursively)
// whose base name matches Filter, plus the listed Files.
type Local struct {
	BaseDir string
	// Filter is a wildcard on file base names, matched as Apache Commons'
	// WildcardFileFilter does: '*' is any run of characters, '?' one
	// character, everything else literal and case-sensitive.
	Filter string
	Files  []string
	// Fields lists the requested system fields (__file_uri, __file_path).
	Fields []string
}

// SystemFields returns the requested system fields.
func (l *Local) SystemFields() []string { return l.Fields }

func decodeLocal(obj specjson.Object) (*Local, error) {
	l := &Local{}
	var err error
	if l.BaseDir, err = obj.String("baseDir", ""); err != nil {
		return nil, err
	}
	if l.Filter, err = obj.String("filter", ""); err != nil {
		return nil, err
	}
	if l.Files, err = obj.Strings("files"); err != nil {
		return nil, err
	}
	if l.Fields, err = decodeSystemFields(obj); err != nil {
		return nil, err
	}
	if l.BaseDir == "" && len(l.Files) == 0 {
		return nil, specjson.Errorf(obj.At("baseDir"), "at least one of baseDir or files must be specified")
	}
	if l.BaseDir != "" && l.Filter == "" {
		return nil, specjson.Errorf(obj.At("filter"), "required when baseDir is set")
	}
	for i, f := range l.Files {
		if f == "" {
			return nil, specjson.Errorf(specjson.Index(obj.At("files"), i), "must not be empty")
		}
	}
	return l, nil
}

// Type returns "local".
func (l *Local) Type() string { return "local" }

// Entities lists the matching files under BaseDir in lexical path order,
// then Files in the given order (a file already listed is not repeated).
func (l *Local) Entities(ctx context.Context) ([]Entity, error) {
	var out []Entity
	seen := make(map[string]bool)
	if l.BaseDir != "" {
		var found []string
		err := filepath.WalkDir(l.BaseDir, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if d.IsDir() {
				return nil
			}
			if WildcardMatch(l.Filter, d.Name()) {
				found = append(found, p)
			}
			return nil
		})
		if err != nil {
			if os.IsNotExist(err) {
				return nil, base.Errorf(base.ClassInvalidInput, "local input source: baseDir %q: %w", l.BaseDir, err)
			}
			return nil, fmt.Errorf("local input source: list baseDir %q: %w", l.BaseDir, err)
		}
		sort.Strings(found)
		for _, p := range found {
			e, err := newFileEntity(p)
			if err != nil {
				return nil, err
			}
			e.sys = l.Fields
			seen[p] = true
			out = append(out, e)
		}
	}
	for _, p := range l.Files {
		p = filepath.Clean(p)
		if seen[p] {
			continue
		}
		seen[p] = true
		e, err := newFileEntity(p)
		if err != nil {
			return nil, err
		}
		e.sys = l.Fields
		out = append(out, e)
	}
	return out, nil
}

func newFileEntity(p string) (*fileEntity, error) {
	st, err := os.Stat(p)
	if err != nil {
		if os.IsNotExist(err) {
			return nil, base.Errorf(base.ClassInvalidInput, "local input source: file %q: %w", p, err)
		}
		return nil, fmt.Errorf("local input source: stat %q: %w", p, err)
	}
	if st.IsDir() {
		return nil, base.Errorf(base.ClassInvalidInput, "local input source: %q is a directory", p)
	}
	abs, err := filepath.Abs(p)
	if err != nil {
		abs = p
	}
	return &fileEntity{path: p, abs: abs, size: st.Size()}, nil
}

type fileEntity struct {
	path, abs string
	size      int64
	sys       []string
}

// SystemFields returns the system fields the source asked for.
func (f *fileEntity) SystemFields() []string { return f.sys }

func (f *fileEntity) URI() string  { return "file:" + filepath.ToSlash(f.abs) }
func (f *fileEntity) Path() string { return f.path }
func (f *fileEntity) Size() int64  { return f.size }
func (f *fileEntity) OpenRaw(ctx context.Context) (io.ReadCloser, error) {
	fh, err := os.Open(f.path)
	if err != nil {
		return nil, fmt.Errorf("local input source: open %q: %w", f.path, err)
	}
	return fh, nil
}

// WildcardMatch reports whether name matches pattern, where '*' matches any
// run of characters (including none) and '?' exactly one; all other
// characters match themselves.
func WildcardMatch(pattern, name string) bool {
	p, n := []rune(pattern), []rune(name)
	// Iterative matching with backtracking to the last '*'.
	pi, ni, star, mark := 0, 0, -1, 0
	for ni < len(n) {
		switch {
		case pi < len(p) && (p[pi] == '?' || p[pi] == n[ni]):
			pi++
			ni++
		case pi < len(p) && p[pi] == '*':
			star, mark = pi, ni
			pi++
		case star >= 0:
			pi = star + 1
			mark++
			ni = mark
		default:
			return false
		}
	}
	for pi < len(p) && p[pi] == '*' {
		pi++
	}
	return pi == len(p)
}
