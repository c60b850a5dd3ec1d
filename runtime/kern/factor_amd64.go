//go:build amd64 && !noasm

package kern

import "golang.org/x/sys/cpu"

//go:generate go run gen_factor_amd64.go

// useFactorAsm selects the AVX2/FMA kernels of the factored Jacobian's
// sparse map and of the direct convolutions' row sums (factor_amd64.s); a
// variable so that tests can force the portable code.
var useFactorAsm = cpu.X86.HasAVX2 && cpu.X86.HasFMA

// useFactorAsm512 selects, where useFactorAsm does, the kernels whose
// 16-channel blocks are ZMM registers (AVX-512F; two of float64, one of
// float32): the same sums in the same order, so the same bits, with half
// the instructions.
var useFactorAsm512 = cpu.X86.HasAVX512F

// The assembly kernels (see factor_amd64.s for what they compute) read
// and write without bounds checks: their callers in convfactor.go check
// the slices' lengths against the geometry, whose offsets are in range by
// construction. Each comes as an AVX2 kernel (…y) and an AVX-512 one (…z);
// the functions below choose (useFactorAsm512).

func sumRowsStore64(dst, src *float64, off *int32, start *int, n, C int) {
	if useFactorAsm512 {
		sumRowsStore64z(dst, src, off, start, n, C)
	} else {
		sumRowsStore64y(dst, src, off, start, n, C)
	}
}

func sumRowsNorm64(dst, src *float64, off *int32, start *int, n, C int) {
	if useFactorAsm512 {
		sumRowsNorm64z(dst, src, off, start, n, C)
	} else {
		sumRowsNorm64y(dst, src, off, start, n, C)
	}
}

func sumRowsAxpy64(dst *float64, doff *int32, e, src *float64, off *int32, start *int, n, C int) {
	if useFactorAsm512 {
		sumRowsAxpy64z(dst, doff, e, src, off, start, n, C)
	} else {
		sumRowsAxpy64y(dst, doff, e, src, off, start, n, C)
	}
}

func sumRowsStore32(dst, src *float32, off *int32, start *int, n, C int) {
	if useFactorAsm512 {
		sumRowsStore32z(dst, src, off, start, n, C)
	} else {
		sumRowsStore32y(dst, src, off, start, n, C)
	}
}

func sumRowsNorm32(dst, src *float32, off *int32, start *int, n, C int) {
	if useFactorAsm512 {
		sumRowsNorm32z(dst, src, off, start, n, C)
	} else {
		sumRowsNorm32y(dst, src, off, start, n, C)
	}
}

func sumRowsAxpy32(dst *float32, doff *int32, e, src *float32, off *int32, start *int, n, C int) {
	if useFactorAsm512 {
		sumRowsAxpy32z(dst, doff, e, src, off, start, n, C)
	} else {
		sumRowsAxpy32y(dst, doff, e, src, off, start, n, C)
	}
}

//go:noescape
func sumRowsStore64y(dst, src *float64, off *int32, start *int, n, C int)

//go:noescape
func sumRowsNorm64y(dst, src *float64, off *int32, start *int, n, C int)

//go:noescape
func sumRowsAxpy64y(dst *float64, doff *int32, e, src *float64, off *int32, start *int, n, C int)

//go:noescape
func sumRowsStore32y(dst, src *float32, off *int32, start *int, n, C int)

//go:noescape
func sumRowsNorm32y(dst, src *float32, off *int32, start *int, n, C int)

//go:noescape
func sumRowsAxpy32y(dst *float32, doff *int32, e, src *float32, off *int32, start *int, n, C int)

//go:noescape
func sumRowsStore64z(dst, src *float64, off *int32, start *int, n, C int)

//go:noescape
func sumRowsNorm64z(dst, src *float64, off *int32, start *int, n, C int)

//go:noescape
func sumRowsAxpy64z(dst *float64, doff *int32, e, src *float64, off *int32, start *int, n, C int)

//go:noescape
func sumRowsStore32z(dst, src *float32, off *int32, start *int, n, C int)

//go:noescape
func sumRowsNorm32z(dst, src *float32, off *int32, start *int, n, C int)

//go:noescape
func sumRowsAxpy32z(dst *float32, doff *int32, e, src *float32, off *int32, start *int, n, C int)
