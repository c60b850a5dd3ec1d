//go:build amd64 && !noasm

package gemm

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestAsmPackersMatchGo compares the assembly packing routines with their
// Go counterparts for all tail lengths.
func TestAsmPackersMatchGo(t *testing.T) {
	if !haveAsm {
		t.Skip("no AVX2/FMA")
	}
	rnd := rand.New(rand.NewPCG(1, 1))
	for kc := 1; kc <= 19; kc++ {
		for _, lda := range []int{kc, kc + 1, kc + 7, 64} {
			if lda < kc {
				continue
			}
			a := make([]float64, 6*lda+40)
			a32 := make([]float32, 6*lda+40)
			for i := range a {
				a[i] = rnd.Float64()
				a32[i] = float32(a[i])
			}
			want, got := make([]float64, 6*kc), make([]float64, 6*kc)
			dgemmPackA6Go(want, a, lda, kc)
			dgemmPackA6(got, a, lda, kc)
			require.Equal(t, want, got, "dpackA6 kc=%d lda=%d", kc, lda)
			want32, got32 := make([]float32, 6*kc), make([]float32, 6*kc)
			sgemmPackA6Go(want32, a32, lda, kc)
			sgemmPackA6(got32, a32, lda, kc)
			require.Equal(t, want32, got32, "spackA6 kc=%d lda=%d", kc, lda)

			// Transposed A: kc rows of length ≥ np·6.
			for np := 1; np <= 3; np++ {
				ldt := np*6 + lda%5
				at := make([]float64, kc*ldt)
				at32 := make([]float32, kc*ldt)
				for i := range at {
					at[i] = rnd.Float64()
					at32[i] = float32(at[i])
				}
				want, got := make([]float64, np*6*kc), make([]float64, np*6*kc)
				dgemmPackATGo(want, at, ldt, kc, np)
				dgemmPackAT(got, at, ldt, kc, np)
				require.Equal(t, want, got, "dpackAT kc=%d np=%d", kc, np)
				want32, got32 := make([]float32, np*6*kc), make([]float32, np*6*kc)
				sgemmPackATGo(want32, at32, ldt, kc, np)
				sgemmPackAT(got32, at32, ldt, kc, np)
				require.Equal(t, want32, got32, "spackAT kc=%d np=%d", kc, np)
			}
		}
	}
}
