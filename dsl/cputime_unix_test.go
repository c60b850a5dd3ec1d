//go:build unix

package dsl

import "syscall"

// cpuSeconds returns the CPU time (user + system) consumed so far by the
// whole test process: a cost insensitive to other processes competing for
// the cores, where wall time on a shared machine is not.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) * 1e-9
}
