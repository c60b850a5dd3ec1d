//go:build !amd64 || noasm

package vmath

// useAsm is false: without the amd64 assembly every call runs the portable
// Go code. It is a variable only to mirror vmath_amd64.go.
var useAsm = false

// run64 is never called while useAsm is false; it keeps the dispatch
// compiling on every platform.
func run64(kind int, f, d1, d2, d3, x []float64) {
	panic("vmath: no assembly kernels")
}

// run32 is never called while useAsm is false.
func run32(kind int, f, d1, d2, d3, x []float32) {
	panic("vmath: no assembly kernels")
}
