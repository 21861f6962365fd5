package rbac

import "syscall"

// wallMicros reads the system clock to the microsecond. On linux/amd64
// gettimeofday is answered by the vDSO, one clock read, where time.Now
// reads the wall and the monotonic clock (two).
func wallMicros() (int64, bool) {
	var tv syscall.Timeval
	if syscall.Gettimeofday(&tv) != nil {
		return 0, false
	}
	return tv.Sec*1e6 + tv.Usec, true
}
