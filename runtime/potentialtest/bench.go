package potentialtest

import (
	"math/rand/v2"
	"testing"

	"github.com/mafc-dev/mafc/runtime"
)

// Batch sizes for Bench.
const (
	Single = 1
	Small  = 16
	Large  = 100
)

// Bench times Phi, Grad, Laplacian, Hutchinson and Reverse at batch sizes
// 1, 16 and 100 (samples/s are reported as a metric).
func Bench(b *testing.B, m runtime.Potential) {
	rng := rand.New(rand.NewPCG(1, 1))
	for _, B := range []int{Single, Small, Large} {
		for _, tc := range newMethodBatch(m, rng, B).calls(m, false) {
			b.Run(tc.name+"/B="+itoa(B), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					tc.f()
				}
				b.ReportMetric(float64(B*b.N)/b.Elapsed().Seconds(), "samples/s")
			})
		}
	}
}

func itoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}
