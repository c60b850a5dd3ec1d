//go:build amd64 && !noasm

package kern

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestFactorRowsSubnormal checks that the row-sum kernels run with MXCSR's
// denormals-are-zero and flush-to-zero bits (factor_amd64.s,
// factor4_amd64.s): rows of subnormal numbers sum to 0, so every output is
// +0, and MXCSR is restored afterwards.
func TestFactorRowsSubnormal(t *testing.T) {
	if !useFactorAsm {
		t.Skip("no AVX2/FMA")
	}
	const n, W, C, rows = 5, 3, 24, 16
	off := make([]int32, n*W)
	start := make([]int, n+1)
	doff := make([]int32, n)
	for k := range n {
		start[k+1] = start[k] + W
		doff[k] = int32(k * C)
		for j := range W {
			off[k*W+j] = int32((k + 5*j) % rows * C)
		}
	}
	s64, s32 := make([]float64, rows*C), make([]float32, rows*C)
	e64, e32 := make([]float64, C), make([]float32, C)
	for i := range s64 {
		s64[i] = float64(i%7+1) * math.SmallestNonzeroFloat64
		s32[i] = float32(i%7+1) * math.SmallestNonzeroFloat32
	}
	for i := range e64 {
		e64[i], e32[i] = 1.5, 1.5
	}
	d64, d32 := make([]float64, 4*n*C), make([]float32, n*C)
	sumRowsStore64y(&d64[0], &s64[0], &off[0], &start[0], n, C)
	sumRowsNorm64y(&d64[n*C], &s64[0], &off[0], &start[0], n, C)
	sumRowsAxpy64y(&d64[2*n*C], &doff[0], &e64[0], &s64[0], &off[0], &start[0], n, C)
	sumRowsNorm4x64(&d64[3*n*C], &s64[0], &off[0], &start[0], n, C, 0, C)
	require.Equal(t, make([]float64, 4*n*C), d64)
	if useFactorAsm512 {
		sumRowsStore64z(&d64[0], &s64[0], &off[0], &start[0], n, C)
		sumRowsNorm64z(&d64[n*C], &s64[0], &off[0], &start[0], n, C)
		sumRowsAxpy64z(&d64[2*n*C], &doff[0], &e64[0], &s64[0], &off[0], &start[0], n, C)
		require.Equal(t, make([]float64, 4*n*C), d64, "the AVX-512 kernels")
	}
	for _, f := range []func(){
		func() { sumRowsStore32y(&d32[0], &s32[0], &off[0], &start[0], n, C) },
		func() { sumRowsNorm32y(&d32[0], &s32[0], &off[0], &start[0], n, C) },
		func() { sumRowsAxpy32y(&d32[0], &doff[0], &e32[0], &s32[0], &off[0], &start[0], n, C) },
	} {
		f()
		require.Equal(t, make([]float32, n*C), d32)
	}
	if useFactorAsm512 {
		for _, f := range []func(){
			func() { sumRowsStore32z(&d32[0], &s32[0], &off[0], &start[0], n, C) },
			func() { sumRowsNorm32z(&d32[0], &s32[0], &off[0], &start[0], n, C) },
			func() { sumRowsAxpy32z(&d32[0], &doff[0], &e32[0], &s32[0], &off[0], &start[0], n, C) },
		} {
			f()
			require.Equal(t, make([]float32, n*C), d32, "the AVX-512 kernels")
		}
	}
	// Go arithmetic on this goroutine still has subnormals.
	require.NotZero(t, s64[0]*e64[0])
	require.NotZero(t, s32[0]*e32[0])
}
