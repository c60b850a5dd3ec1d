package gemm

import (
	"fmt"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

func gemvRows(tB bool, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	for i := range m {
		if tB {
			gonum.Implementation{}.Dgemv(blas.NoTrans, n, k, alpha, b, ldb, a[i*lda:], 1, beta, c[i*ldc:], 1)
		} else {
			gonum.Implementation{}.Dgemv(blas.Trans, k, n, alpha, b, ldb, a[i*lda:], 1, beta, c[i*ldc:], 1)
		}
	}
}

func BenchmarkZZGemv(b *testing.B) {
	for _, w := range [][2]int{{1024, 1024}, {512, 256}, {16, 400}} {
		for _, tB := range []bool{true, false} {
			n, k := w[0], w[1]
			if !tB {
				n, k = k, n
			}
			bm := make([]float64, n*k)
			for i := range bm {
				bm[i] = float64(i%7) - 3
			}
			ldb := n
			tb := blas.NoTrans
			if tB {
				ldb, tb = k, blas.Trans
			}
			for _, m := range []int{1, 2, 3, 4, 6, 8, 12} {
				a := make([]float64, m*k)
				c := make([]float64, m*n)
				fl := 2 * float64(m*n*k)
				b.Run(fmt.Sprintf("W%dx%d/tB=%v/m%d/dgemm", w[0], w[1], tB, m), func(b *testing.B) {
					SetThreads(1)
					defer SetThreads(0)
					reportFlops(b, fl, func() { Implementation{}.Dgemm(blas.NoTrans, tb, m, n, k, 1, a, k, bm, ldb, 0.5, c, n) })
				})
				b.Run(fmt.Sprintf("W%dx%d/tB=%v/m%d/gemv", w[0], w[1], tB, m), func(b *testing.B) {
					reportFlops(b, fl, func() { gemvRows(tB, m, n, k, 1, a, k, bm, ldb, 0.5, c, n) })
				})
			}
		}
	}
}
