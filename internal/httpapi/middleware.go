package httpapi

import (
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/dryaddb/dryad/internal/base"
)

// responseRecorder remembers the status and size a handler wrote.
type responseRecorder struct {
	http.ResponseWriter
	status  int
	written int64
}

func (rr *responseRecorder) WriteHeader(status int) {
	if rr.status == 0 {
		rr.status = status
	}
	rr.ResponseWriter.WriteHeader(status)
}

func (rr *responseRecorder) Write(p []byte) (int, error) {
	if rr.status == 0 {
		rr.status = http.StatusOK
	}
	n, err := rr.ResponseWriter.Write(p)
	rr.written += int64(n)
	return n, err
}

// Flush passes through to the underlying writer when it can flush, so
// streaming responses keep working behind the middleware.
func (rr *responseRecorder) Flush() {
	if f, ok := rr.ResponseWriter.(http.Flusher); ok {
		if rr.status == 0 {
			rr.status = http.StatusOK
		}
		f.Flush()
	}
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (rr *responseRecorder) Unwrap() http.ResponseWriter { return rr.ResponseWriter }

func record(w http.ResponseWriter) *responseRecorder {
	if rr, ok := w.(*responseRecorder); ok {
		return rr
	}
	return &responseRecorder{ResponseWriter: w}
}

// Logging logs each request after it completes: method, path, status,
// bytes written and duration. Server errors (5xx) are logged at WARN, the
// rest at DEBUG, so request logs cost nothing at the default level.
func Logging(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rr := record(w)
		next.ServeHTTP(rr, r)
		status := rr.status
		if status == 0 {
			status = http.StatusOK
		}
		level := slog.LevelDebug
		if status >= 500 && status != http.StatusNotImplemented {
			level = slog.LevelWarn
		}
		if !log.Enabled(r.Context(), level) {
			return
		}
		log.LogAttrs(r.Context(), level, "http request",
			slog.String("method", r.Method),
			slog.String("path", r.URL.Path),
			slog.Int("status", status),
			slog.Int64("bytes", rr.written),
			slog.Duration("duration", time.Since(start)),
			slog.String("remote", r.RemoteAddr))
	})
}

// Recover turns a panic in next into a logged error (with the stack) and,
// if nothing was written yet, a 500 Druid error body, so a bug in one
// handler never takes the process down. http.ErrAbortHandler is re-panicked
// so net/http can abort the connection as intended.
func Recover(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rr := record(w)
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if v == http.ErrAbortHandler {
				panic(v)
			}
			log.Error("panic serving request", slog.String("method", r.Method), slog.String("path", r.URL.Path),
				slog.Any("panic", v), slog.String("stack", string(debug.Stack())))
			if rr.status == 0 {
				WriteError(rr, r, base.Errorf(base.ClassInternal, "%s %s: internal error: %v", r.Method, r.URL.Path, fmt.Sprint(v)))
			}
		}()
		next.ServeHTTP(rr, r)
	})
}
