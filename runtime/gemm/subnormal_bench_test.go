package gemm

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/blas"
)

// BenchmarkSubnormal runs Sgemm and Dgemm (256³, one thread, alpha = 1,
// beta = 0) side by side on operands of ordinary magnitude ("normal"), with
// half of A's entries subnormal ("subnormalA": 1000 times the smallest
// subnormal) and on normal operands whose products are subnormal
// ("tinyProducts": A and B of magnitude 1e-20 in float32, 1e-160 in
// float64). Intel cores take a microcode assist for each subnormal operand
// or result; the micro-kernels run with MXCSR's flush-to-zero and
// denormals-are-zero bits set (see doc.go), so the three should run at
// about the same speed (without them subnormalA ran about 50 times slower
// than normal, tinyProducts about 100 times).
//
//	go test ./runtime/gemm -run '^$' -bench Subnormal -benchtime 20x
func BenchmarkSubnormal(b *testing.B) {
	const n = 256
	old := threads.Load()
	defer SetThreads(int(old))
	SetThreads(1)
	for _, prec := range []string{"f32", "f64"} {
		for _, kind := range []string{"normal", "subnormalA", "tinyProducts"} {
			a, bm := subnormalOperands(prec, kind, n)
			name := prec + "/" + kind
			if prec == "f64" {
				c := make([]float64, n*n)
				b.Run(name, func(b *testing.B) {
					f := func() { Implementation{}.Dgemm(blas.NoTrans, blas.NoTrans, n, n, n, 1, a, n, bm, n, 0, c, n) }
					f()
					reportFlops(b, 2*n*n*n, f)
				})
				continue
			}
			a32, b32, c := to32s(a), to32s(bm), make([]float32, n*n)
			b.Run(name, func(b *testing.B) {
				f := func() { Implementation{}.Sgemm(blas.NoTrans, blas.NoTrans, n, n, n, 1, a32, n, b32, n, 0, c, n) }
				f()
				reportFlops(b, 2*n*n*n, f)
			})
		}
	}
}

// subnormalOperands returns n×n operands A and B of the given kind (see
// BenchmarkSubnormal) for precision prec, in float64 (exactly
// representable in float32 for "f32" after rounding).
func subnormalOperands(prec, kind string, n int) (a, b []float64) {
	rnd := rand.New(rand.NewPCG(1, 1))
	a, b = make([]float64, n*n), make([]float64, n*n)
	sub, scale := 1000*math.SmallestNonzeroFloat64, 1e-160
	if prec == "f32" {
		sub, scale = 1000*math.SmallestNonzeroFloat32, 1e-20
	}
	for i := range a {
		a[i], b[i] = rnd.Float64()-0.5, rnd.Float64()-0.5
		switch kind {
		case "subnormalA":
			if i%2 == 1 {
				a[i] *= sub
			}
		case "tinyProducts":
			a[i] *= scale
			b[i] *= scale
		}
	}
	return a, b
}

// to32s rounds s to float32.
func to32s(s []float64) []float32 {
	r := make([]float32, len(s))
	for i, v := range s {
		r[i] = float32(v)
	}
	return r
}
