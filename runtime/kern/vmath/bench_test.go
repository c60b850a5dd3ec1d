package vmath_test

import (
	"math/rand/v2"
	"testing"

	"github.com/mafc-dev/mafc/runtime/kern/vmath"
)

// refLoop evaluates the scalar reference element by element, as a
// generated kernel would without this package.
func refLoop[T float32 | float64](ref func(float64) (float64, float64, float64, float64), f, d1, d2, d3, x []T) {
	for i, v := range x {
		a, b, c, d := ref(float64(v))
		f[i], d1[i], d2[i], d3[i] = T(a), T(b), T(c), T(d)
	}
}

// BenchmarkAct compares, for n = 8192 and all four outputs, the assembly
// ("asm"), the portable Go code ("go") and the scalar reference loop
// calling kern.Softplus etc. ("ref"), in float64 and float32. The metric
// ns/elem is the wall time per element, cpu-ns/elem the CPU time of the
// process per element (robust against other load on a shared machine).
// "f-only" variants compute only the value.
//
//	go test ./runtime/kern/vmath -run '^$' -bench Act -benchtime 200ms
func BenchmarkAct(b *testing.B) {
	const n = 8192
	rnd := rand.New(rand.NewPCG(1, 1))
	x64 := make([]float64, n)
	x32 := make([]float32, n)
	for i := range x64 {
		x64[i] = (rnd.Float64() - 0.5) * 16
		x32[i] = float32(x64[i])
	}
	var o64 [4][]float64
	var o32 [4][]float32
	for k := range 4 {
		o64[k], o32[k] = make([]float64, n), make([]float32, n)
	}
	// run times body and reports wall and CPU time per element.
	run := func(b *testing.B, body func()) {
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
		for _, impl := range []string{"asm", "go", "ref"} {
			if impl == "asm" && !vmath.HasAsm {
				continue
			}
			b.Run(a.name+"/f64/"+impl, func(b *testing.B) {
				use(b, impl)
				run(b, func() {
					if impl == "ref" {
						refLoop(a.ref, o64[0], o64[1], o64[2], o64[3], x64)
					} else {
						a.v64(o64[0], o64[1], o64[2], o64[3], x64)
					}
				})
			})
			b.Run(a.name+"/f32/"+impl, func(b *testing.B) {
				use(b, impl)
				run(b, func() {
					if impl == "ref" {
						refLoop(a.ref, o32[0], o32[1], o32[2], o32[3], x32)
					} else {
						a.v32(o32[0], o32[1], o32[2], o32[3], x32)
					}
				})
			})
			if impl == "ref" {
				continue
			}
			b.Run(a.name+"/f64-f-only/"+impl, func(b *testing.B) {
				use(b, impl)
				run(b, func() { a.v64(o64[0], nil, nil, nil, x64) })
			})
		}
	}
}
