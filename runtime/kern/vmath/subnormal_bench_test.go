package vmath_test

import (
	"math/rand/v2"
	"testing"

	"github.com/mafc-dev/mafc/runtime/kern/vmath"
)

// BenchmarkSubnormal runs every activation (assembly where available, all
// four outputs, n = 4096) on ordinary inputs ("normal": uniform in ±3) and
// on saturating ones ("saturated": uniform in ±95 for float32, where
// exp(−|x|) and the derivatives fall below the smallest normal float32
// from |x| ≈ 87 on, and in ±760 for float64, below it from |x| ≈ 708),
// side by side. Intel cores take a microcode assist for each subnormal
// operand or result; the functions compute none, so the two should run at
// about the same speed (before they did not: Softplus32 was 30–45 times
// slower on the saturated inputs). ns/elem is wall time, cpu-ns/elem the
// process's CPU time per element.
//
//	go test ./runtime/kern/vmath -run '^$' -bench Subnormal -benchtime 200ms
func BenchmarkSubnormal(b *testing.B) {
	const n = 4096
	rnd := rand.New(rand.NewPCG(2, 2))
	var o64 [4][]float64
	var o32 [4][]float32
	for k := range 4 {
		o64[k], o32[k] = make([]float64, n), make([]float32, n)
	}
	inputs := func(r float64) ([]float64, []float32) {
		x64, x32 := make([]float64, n), make([]float32, n)
		for i := range x64 {
			x64[i] = (2*rnd.Float64() - 1) * r
			x32[i] = float32(x64[i])
		}
		return x64, x32
	}
	normal64, normal32 := inputs(3)
	sat64, _ := inputs(760)
	_, sat32 := inputs(95)
	run := func(b *testing.B, body func()) {
		body()
		c0 := vmath.CPUNanos()
		for b.Loop() {
			body()
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/elem")
		if c := vmath.CPUNanos() - c0; c0 > 0 && c > 0 {
			b.ReportMetric(float64(c)/float64(b.N)/n, "cpu-ns/elem")
		}
	}
	for _, a := range acts {
		for _, in := range []struct {
			name string
			x64  []float64
			x32  []float32
		}{{"normal", normal64, normal32}, {"saturated", sat64, sat32}} {
			b.Run(a.name+"/f32/"+in.name, func(b *testing.B) {
				run(b, func() { a.v32(o32[0], o32[1], o32[2], o32[3], in.x32) })
			})
		}
		for _, in := range []struct {
			name string
			x64  []float64
		}{{"normal", normal64}, {"saturated", sat64}} {
			b.Run(a.name+"/f64/"+in.name, func(b *testing.B) {
				run(b, func() { a.v64(o64[0], o64[1], o64[2], o64[3], in.x64) })
			})
		}
	}
}
