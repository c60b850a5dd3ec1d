package vmath

// UseAsm lets the external tests and benchmarks switch between the assembly
// and the portable code; HasAsm reports whether the assembly can run here.
var (
	UseAsm = &useAsm
	HasAsm = useAsm
)

// CPUNanos is cpuNanos for the external benchmarks.
var CPUNanos = cpuNanos
