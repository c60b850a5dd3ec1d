//go:build unix

package gemm

import "syscall"

// cpuNanos returns the CPU time (user + system) consumed so far by the whole
// process. Benchmarks divide FLOPs by it to get a rate per busy core that is
// insensitive to other processes competing for the CPUs.
func cpuNanos() int64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}
