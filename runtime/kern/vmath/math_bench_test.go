package vmath

import (
	"math"
	"testing"
)

var sink float64

// BenchmarkExpLog1p compares the portable exp and log1p with math.Exp and
// math.Log1p on the arguments the activations need (exp of −|x|, log1p on
// [0, 1]); ns/op is the wall time per call, cpu-ns/op the CPU time of the
// process per call (robust against other load on a shared machine).
//
//	go test ./runtime/kern/vmath -run '^$' -bench ExpLog1p
func BenchmarkExpLog1p(b *testing.B) {
	ys, es := make([]float64, 1024), make([]float64, 1024)
	for i := range ys {
		ys[i] = -float64(i) / 64
		es[i] = float64(i) / 1024
	}
	bench := func(name string, xs []float64, f func(float64) float64) {
		b.Run(name, func(b *testing.B) {
			s := 0.0
			c0 := cpuNanos()
			for i := 0; b.Loop(); i++ {
				s += f(xs[i&1023])
			}
			if c := cpuNanos() - c0; c0 > 0 && c > 0 {
				b.ReportMetric(float64(c)/float64(b.N), "cpu-ns/op")
			}
			sink = s
		})
	}
	bench("expNeg", ys, expNeg)
	bench("math.Exp", ys, math.Exp)
	bench("log1pUnit", es, log1pUnit)
	bench("math.Log1p", es, math.Log1p)
}
