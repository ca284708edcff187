package incremental

import (
	"syscall"
	"testing"
	"time"
)

// cpuTime returns the process's user+system CPU time. Benchmarks report
// rows per CPU-second next to rows per wall-second because the build machine
// is shared and wall time includes waiting for a core.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportRate reports rows/s over wall time and over CPU time since start.
func reportRate(b *testing.B, rows int, cpuStart time.Duration, unit string, scale float64) {
	total := float64(rows) * float64(b.N)
	b.ReportMetric(total/b.Elapsed().Seconds()/scale, unit+"/s")
	if cpu := (cpuTime() - cpuStart).Seconds(); cpu > 0 {
		b.ReportMetric(total/cpu/scale, unit+"/cpu-s")
	}
}
