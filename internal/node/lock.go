package node

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/dryaddb/dryad/internal/base"
)

// LockFile is the name of the lock file inside the data directory.
const LockFile = ".lock"

// DirLock is an exclusive advisory lock (flock) on a data directory, held
// for the life of a process so that two dryad processes never share one.
// The kernel releases it if the process dies.
type DirLock struct {
	dir string
	f   *os.File
}

// LockDir creates dir if needed and locks it. If another process holds the
// lock it fails with a ClassConflict error naming the directory and, when
// recorded, that process's pid.
func LockDir(dir string) (*DirLock, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, base.Errorf(base.ClassInvalidInput, "creating data dir %s: %w", dir, err)
	}
	path := filepath.Join(dir, LockFile)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, base.Errorf(base.ClassInvalidInput, "opening lock file %s: %w", path, err)
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		defer f.Close()
		if errors.Is(err, unix.EWOULDBLOCK) {
			holder := ""
			if b, rerr := os.ReadFile(path); rerr == nil {
				if pid, perr := strconv.Atoi(strings.TrimSpace(string(b))); perr == nil {
					holder = fmt.Sprintf(" (pid %d)", pid)
				}
			}
			return nil, base.Errorf(base.ClassConflict, "data dir %s is in use by another dryad process%s", dir, holder)
		}
		return nil, base.Errorf(base.ClassInternal, "locking %s: %w", path, err)
	}
	if err := f.Truncate(0); err == nil {
		_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return &DirLock{dir: dir, f: f}, nil
}

// Unlock clears the recorded pid and releases the lock. It is safe to call
// more than once.
func (l *DirLock) Unlock() error {
	if l == nil || l.f == nil {
		return nil
	}
	_ = l.f.Truncate(0)
	err := unix.Flock(int(l.f.Fd()), unix.LOCK_UN)
	if cerr := l.f.Close(); err == nil {
		err = cerr
	}
	l.f = nil
	if err != nil {
		return fmt.Errorf("unlocking data dir %s: %w", l.dir, err)
	}
	return nil
}
