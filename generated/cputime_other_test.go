//go:build !unix

package generated_test

// cpuSeconds is not measured here (0).
func cpuSeconds() float64 { return 0 }
