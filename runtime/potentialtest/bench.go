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

// Bench times every method at batch sizes 1, 16 and 100 (samples/s are
// reported as a metric).
func Bench(b *testing.B, m runtime.Potential) {
	D, P, K := m.Dim(), m.NumParams(), m.Probes()
	rng := rand.New(rand.NewPCG(1, 1))
	for _, B := range []int{Single, Small, Large} {
		ws := m.NewWorkspace(B)
		x, u := randVec(rng, B*D, 1), randVec(rng, B*D, 1)
		probes := randVec(rng, B*K*D, 1)
		phi, grad, lap := make([]float64, B), make([]float64, B*D), make([]float64, B)
		c, s := make([]float64, B), make([]float64, B)
		dx, dth := make([]float64, B*D), make([]float64, P)
		for _, tc := range []struct {
			name string
			f    func()
		}{
			{"Phi", func() { m.Phi(ws, phi, x) }},
			{"Grad", func() { m.Grad(ws, phi, grad, x) }},
			{"Laplacian", func() { m.Laplacian(ws, phi, grad, lap, x) }},
			{"Hutchinson", func() { m.Hutchinson(ws, phi, grad, lap, x, probes) }},
			{"Reverse", func() { m.Reverse(ws, dx, dth, x, c, u, s) }},
		} {
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
