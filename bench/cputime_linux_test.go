package bench

import (
	"runtime"
	"syscall"
	"testing"
	"unsafe"
)

// threadCPU measures the CPU time of the benchmark's own thread: on a
// shared, loaded machine wall time per op counts the time other processes
// hold the core, CPU time does not (though a busy sibling hyperthread
// still slows the thread down).
type threadCPU struct{ start int64 }

// startThreadCPU locks the goroutine to its thread, which
// reportThreadCPU unlocks.
func startThreadCPU() threadCPU {
	runtime.LockOSThread()
	return threadCPU{threadNanos()}
}

// report adds cpu-ns/op to the benchmark's metrics (after b.Loop, which
// resets metrics reported before it).
func (c threadCPU) report(b *testing.B) {
	end := threadNanos()
	runtime.UnlockOSThread()
	if c.start >= 0 && end >= 0 && b.N > 0 {
		b.ReportMetric(float64(end-c.start)/float64(b.N), "cpu-ns/op")
	}
}

func threadNanos() int64 {
	const clockThreadCPUTimeID = 3 // CLOCK_THREAD_CPUTIME_ID
	var ts syscall.Timespec
	if _, _, errno := syscall.Syscall(syscall.SYS_CLOCK_GETTIME, clockThreadCPUTimeID, uintptr(unsafe.Pointer(&ts)), 0); errno != 0 {
		return -1
	}
	return ts.Nano()
}
