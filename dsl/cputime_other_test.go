//go:build !unix

package dsl

// cpuSeconds is not measured here (0): the wall-clock limit alone applies.
func cpuSeconds() float64 { return 0 }
