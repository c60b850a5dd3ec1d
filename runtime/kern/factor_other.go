//go:build !amd64 || noasm

package kern

// useFactorAsm is false: without the amd64 assembly the factored
// Jacobian's sparse map and the direct convolutions' row sums run the
// portable Go code.
var useFactorAsm = false

// useFactorAsm512 is false with useFactorAsm (the AVX-512 kernels are
// amd64 assembly too).
var useFactorAsm512 = false

// The assembly kernels are never called while useFactorAsm is false; these
// keep the dispatch compiling on every platform.

func sumRowsStore64(dst, src *float64, off *int32, start *int, n, C int) {
	panic("kern: no assembly kernels")
}

func sumRowsNorm64(dst, src *float64, off *int32, start *int, n, C int) {
	panic("kern: no assembly kernels")
}

func sumRowsAxpy64(dst *float64, doff *int32, e, src *float64, off *int32, start *int, n, C int) {
	panic("kern: no assembly kernels")
}

func sumRowsStore32(dst, src *float32, off *int32, start *int, n, C int) {
	panic("kern: no assembly kernels")
}

func sumRowsNorm32(dst, src *float32, off *int32, start *int, n, C int) {
	panic("kern: no assembly kernels")
}

func sumRowsAxpy32(dst *float32, doff *int32, e, src *float32, off *int32, start *int, n, C int) {
	panic("kern: no assembly kernels")
}

func sumRowsNorm4x64(dst, src *float64, off *int32, start *int, n, C, sstride, dstride int) {
	panic("kern: no assembly kernels")
}
