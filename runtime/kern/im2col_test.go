package kern

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestIm2ColOneChannel checks Im2Col and Col2ImAdd of one-channel fields
// (their own loop, im2col1 and col2im1) against naive loops over the
// periodic lattice's coordinates, for a kernel as wide as the lattice and
// smaller ones.
func TestIm2ColOneChannel(t *testing.T) {
	for _, c := range []struct{ L1, L2, K1, K2 int }{{5, 7, 5, 3}, {16, 16, 5, 5}, {4, 6, 3, 3}} {
		rng := rand.New(rand.NewPCG(uint64(c.L1), uint64(c.K1)))
		g := NewConvGeom(c.L1, c.L2, 1, 4, c.K1, c.K2)
		const rows = 3
		S, K := c.L1*c.L2, c.K1*c.K2
		x, cb := randSlice(rng, rows*S), randSlice(rng, rows*S*K)
		cols := make([]float64, rows*S*K)
		Im2Col(cols, x, rows, g)
		back := randSlice(rng, rows*S)
		want := append([]float64(nil), back...)
		Col2ImAdd(back, cb, rows, g)
		for r := 0; r < rows; r++ {
			for i := 0; i < c.L1; i++ {
				for j := 0; j < c.L2; j++ {
					for di := 0; di < c.K1; di++ {
						for dj := 0; dj < c.K2; dj++ {
							q := mod(i+di-(c.K1-1)/2, c.L1)*c.L2 + mod(j+dj-(c.K2-1)/2, c.L2)
							k := (r*S+i*c.L2+j)*K + di*c.K2 + dj
							if cols[k] != x[r*S+q] {
								t.Fatalf("%+v: Im2Col[%d] = %v, want %v", c, k, cols[k], x[r*S+q])
							}
							want[r*S+q] += cb[k]
						}
					}
				}
			}
		}
		for i := range want {
			if math.Abs(back[i]-want[i]) > 1e-12*(1+math.Abs(want[i])) {
				t.Fatalf("%+v: Col2ImAdd[%d] = %v, want %v", c, i, back[i], want[i])
			}
		}
	}
}

// BenchmarkIm2ColOneChannel times Im2Col and Col2ImAdd of 32 one-channel
// 16×16 fields with a 5×5 kernel (the first convolution of ising16_cnn4
// for one worker's share of a batch of 64); ns/site is per field and site.
func BenchmarkIm2ColOneChannel(b *testing.B) {
	const rows, L, K = 32, 16, 5
	g := NewConvGeom(L, L, 1, 4, K, K)
	rng := rand.New(rand.NewPCG(1, 2))
	x, cols := randSlice(rng, rows*L*L), make([]float64, rows*L*L*K*K)
	b.Run("im2col", func(b *testing.B) {
		for b.Loop() {
			Im2Col(cols, x, rows, g)
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*rows*L*L), "ns/site")
	})
	b.Run("col2im", func(b *testing.B) {
		for b.Loop() {
			Col2ImAdd(x, cols, rows, g)
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*rows*L*L), "ns/site")
	})
}
