//go:build amd64 && !noasm

package gemm

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/blas"
)

// TestSubnormalFlushed checks that the micro-kernels run with MXCSR's
// denormals-are-zero and flush-to-zero bits (kernel_amd64.s): subnormal
// entries of A count as 0, so the product equals the one with them
// replaced by 0, bit for bit, and products that would be subnormal give 0
// instead. Shapes cover the 6-row AVX2 and AVX-512 kernels and the narrow
// ones (m = 7: one 6-row panel and one row).
func TestSubnormalFlushed(t *testing.T) {
	if !asmEnabled() {
		t.Skip("mafc's micro-kernels are not in use (no AVX2/FMA, the openblas build, or MAFC_BLAS=gonum): nothing here flushes subnormal numbers")
	}
	defer func(w bool) { useWide = w }(useWide)
	for _, wide := range []bool{false, true} {
		if wide && !haveWide {
			continue
		}
		useWide = wide
		for _, m := range []int{7, 64} {
			const n, k = 64, 64
			for _, prec := range []string{"f32", "f64"} {
				a, b := subnormalOperands(prec, "subnormalA", 64)
				a, b = a[:m*k], b[:k*n]
				az := make([]float64, len(a))
				for i, v := range a {
					if math.Abs(v) >= 0x1p-126 || prec == "f64" && math.Abs(v) >= 0x1p-1022 {
						az[i] = v
					}
				}
				ta, tb := subnormalOperands(prec, "tinyProducts", 64)
				ta, tb = ta[:m*k], tb[:k*n]
				if prec == "f32" {
					got, want, tiny := make([]float32, m*n), make([]float32, m*n), make([]float32, m*n)
					Implementation{}.Sgemm(blas.NoTrans, blas.NoTrans, m, n, k, 1, to32s(a), k, to32s(b), n, 0, got, n)
					Implementation{}.Sgemm(blas.NoTrans, blas.NoTrans, m, n, k, 1, to32s(az), k, to32s(b), n, 0, want, n)
					Implementation{}.Sgemm(blas.NoTrans, blas.NoTrans, m, n, k, 1, to32s(ta), k, to32s(tb), n, 0, tiny, n)
					require.Equal(t, want, got, "wide=%v m=%d float32: subnormal A", wide, m)
					require.Equal(t, make([]float32, m*n), tiny, "wide=%v m=%d float32: subnormal products", wide, m)
				} else {
					got, want, tiny := make([]float64, m*n), make([]float64, m*n), make([]float64, m*n)
					Implementation{}.Dgemm(blas.NoTrans, blas.NoTrans, m, n, k, 1, a, k, b, n, 0, got, n)
					Implementation{}.Dgemm(blas.NoTrans, blas.NoTrans, m, n, k, 1, az, k, b, n, 0, want, n)
					Implementation{}.Dgemm(blas.NoTrans, blas.NoTrans, m, n, k, 1, ta, k, tb, n, 0, tiny, n)
					require.Equal(t, want, got, "wide=%v m=%d float64: subnormal A", wide, m)
					require.Equal(t, make([]float64, m*n), tiny, "wide=%v m=%d float64: subnormal products", wide, m)
				}
			}
		}
	}
	requireMXCSRDefault(t)
}

// Operands of the check below, variables so that the compiler cannot fold
// the arithmetic.
var (
	subnormal64 = 4 * math.SmallestNonzeroFloat64
	subnormal32 = float32(4 * math.SmallestNonzeroFloat32)
	half64      = 0.5
	half32      = float32(0.5)
)

// requireMXCSRDefault checks that Go arithmetic on this goroutine still has
// subnormal operands and results, i.e. the kernels restored MXCSR.
func requireMXCSRDefault(t *testing.T) {
	t.Helper()
	require.Equal(t, 2*math.SmallestNonzeroFloat64, subnormal64*half64, "MXCSR left with FTZ or DAZ (float64)")
	require.Equal(t, float32(2*math.SmallestNonzeroFloat32), subnormal32*half32, "MXCSR left with FTZ or DAZ (float32)")
}
