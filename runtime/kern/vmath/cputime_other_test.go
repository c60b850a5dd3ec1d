//go:build !unix

package vmath

// cpuNanos is unavailable here; the benchmarks then report wall time only.
func cpuNanos() int64 { return 0 }
