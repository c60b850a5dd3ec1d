package gemm

import (
	"fmt"
	"testing"

	"gonum.org/v1/gonum/blas"
)

func BenchmarkZZGemv(b *testing.B) {
	for _, w := range [][2]int{{1024, 1024}, {512, 256}, {16, 400}} {
		for _, tB := range []bool{true, false} {
			n, k := w[0], w[1]
			if !tB {
				n, k = k, n
			}
			bm := make([]float32, n*k)
			bd := make([]float64, n*k)
			for i := range bm {
				bm[i] = float32(i%7) - 3
			}
			ldb := n
			tb := blas.NoTrans
			if tB {
				ldb, tb = k, blas.Trans
			}
			for _, m := range []int{1, 2, 3, 4, 5, 6, 8} {
				a := make([]float32, m*k)
				c := make([]float32, m*n)
				ad := make([]float64, m*k)
				cd := make([]float64, m*n)
				fl := 2 * float64(m*n*k)
				for _, rows := range []int{0, 8} {
					b.Run(fmt.Sprintf("W%dx%d/tB=%v/m%d/rows%d/s", w[0], w[1], tB, m, rows), func(b *testing.B) {
						SetThreads(1)
						defer SetThreads(0)
						old := sgemmRowsMaxM
						sgemmRowsMaxM = rows
						defer func() { sgemmRowsMaxM = old }()
						reportFlops(b, fl, func() { Implementation{}.Sgemm(blas.NoTrans, tb, m, n, k, 1, a, k, bm, ldb, 0.5, c, n) })
					})
					b.Run(fmt.Sprintf("W%dx%d/tB=%v/m%d/rows%d/d", w[0], w[1], tB, m, rows), func(b *testing.B) {
						SetThreads(1)
						defer SetThreads(0)
						old := dgemmRowsMaxM
						dgemmRowsMaxM = rows
						defer func() { dgemmRowsMaxM = old }()
						reportFlops(b, fl, func() { Implementation{}.Dgemm(blas.NoTrans, tb, m, n, k, 1, ad, k, bd, ldb, 0.5, cd, n) })
					})
				}
			}
		}
	}
}
