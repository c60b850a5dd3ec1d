//go:build unix

package vmath

import "syscall"

// cpuNanos returns the CPU time (user + system) consumed so far by the
// process: per-element times computed from it are insensitive to other
// processes competing for the CPUs of a shared machine.
func cpuNanos() int64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}
