package kern

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"gonum.org/v1/gonum/blas"

	"github.com/mafc-dev/mafc/ir"
	"github.com/mafc-dev/mafc/runtime/gemm"
)

// directCase is a 3×3 convolution from 3 to 4 channels on a 5×9 lattice
// with kernels tied under group ("" leaves them untied), two fields of
// input x and output cotangent yb, and the tied numbers' count.
func directCase(rng *rand.Rand, group ir.Group) (dg *DirectGeom, w, x, yb []float64, orbit []int, n int) {
	const L1, L2, C, Co, K = 5, 9, 3, 4, 3
	g := NewConvGeom(L1, L2, C, Co, K, K)
	w = randSlice(rng, Co*C*K*K)
	if group != "" {
		orbit, n = ir.KernelOrbits(group, K)
		TieExpand(w, randSlice(rng, Co*C*n), orbit, Co*C, n)
	}
	return NewDirectGeom(g, orbit, n), w, randSlice(rng, 2*L1*L2*C), randSlice(rng, 2*L1*L2*Co), orbit, n
}

// matmulT returns A·Bᵀ for A (m×k) and B (n×k).
func matmulT(A, B []float64, m, k, n int) []float64 {
	out := make([]float64, m*n)
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			out[i*n+j] = dot(A[i*k:(i+1)*k], B[j*k:(j+1)*k])
		}
	}
	return out
}

// TestDirectConvolution checks the direct convolution (DirectMatrix, Z =
// x·Ω, DirectSum) against im2col (Im2Col, cols·Wᵀ), its input cotangent
// (DirectGather, Z̄·Ωᵀ) against Col2ImAdd of ȳ·W, and its kernel gradient
// (xᵀ·Z̄, DirectFold, TieReduce) against the tied sums of ȳᵀ·cols, for D4-
// and C4-tied and untied kernels.
func TestDirectConvolution(t *testing.T) {
	for _, group := range []ir.Group{ir.D4, ir.C4, ""} {
		rng := rand.New(rand.NewPCG(11, 12))
		dg, w, x, yb, orbit, n := directCase(rng, group)
		S, C, Co, K, Wd := dg.Sites(), dg.Cin, dg.Cout, dg.K(), dg.Width()
		M := 2 * S
		Om := make([]float64, Wd*C) // Ωᵀ
		DirectMatrix(Om, w, dg)
		Z := matmulT(x, Om, M, C, Wd)
		y := make([]float64, M*Co)
		DirectSum(y, Z, 2, dg)
		cols := make([]float64, M*C*K)
		Im2Col(cols, x, 2, dg.ConvGeom)
		if i := firstDiff(y, matmulT(cols, w, M, C*K, Co), 1e-12); i >= 0 {
			t.Fatalf("%q: y[%d] = %v, im2col %v", group, i, y[i], matmulT(cols, w, M, C*K, Co)[i])
		}

		Zb := make([]float64, M*Wd)
		DirectGather(Zb, yb, 2, dg)
		OmT := make([]float64, C*Wd) // Ω, to multiply Z̄ by Ωᵀ
		Transpose(OmT, Om, Wd, C)
		xb := matmulT(Zb, OmT, M, Wd, C)
		wT := make([]float64, C*K*Co)
		Transpose(wT, w, Co, C*K)
		want := make([]float64, M*C)
		Col2ImAdd(want, matmulT(yb, wT, M, Co, C*K), 2, dg.ConvGeom)
		if i := firstDiff(xb, want, 1e-12); i >= 0 {
			t.Fatalf("%q: x̄[%d] = %v, im2col %v", group, i, xb[i], want[i])
		}

		ZbT, xT := make([]float64, Wd*M), make([]float64, C*M)
		Transpose(ZbT, Zb, M, Wd)
		Transpose(xT, x, M, C)
		gw := make([]float64, len(w))
		DirectFold(gw, matmulT(ZbT, xT, Wd, M, C), dg)
		ybT, colsT := make([]float64, Co*M), make([]float64, C*K*M)
		Transpose(ybT, yb, M, Co)
		Transpose(colsT, cols, M, C*K)
		full := matmulT(ybT, colsT, Co, M, C*K)
		if orbit == nil {
			orbit, n = orbitsOrIdentity(nil, 0, K)
		}
		got, exp := make([]float64, Co*C*n), make([]float64, Co*C*n)
		TieReduce(got, gw, orbit, Co*C, n)
		TieReduce(exp, full, orbit, Co*C, n)
		for i := range exp {
			if math.Abs(got[i]-exp[i]) > 1e-10*(1+math.Abs(exp[i])) {
				t.Fatalf("%q: tied W̄[%d] = %v, im2col %v", group, i, got[i], exp[i])
			}
		}
	}
}

// BenchmarkDirectConv times ising16_cnn's second convolution (16 → 16
// channels, 3×3 kernel tied under D4, 16×16 lattice) on 96 fields (32
// samples' value, tangent and Laplacian rows), forward and forward with
// the input cotangent and the kernel gradient, by im2col (Im2Col, GEMM;
// GEMM, Col2ImAdd, Im2Col, GEMM) and directly (GEMM, DirectSum;
// DirectGather, two GEMMs), alternating, the fastest of 5 rounds each.
func BenchmarkDirectConv(b *testing.B) {
	const rows, L, C, K = 96, 16, 16, 3
	g := NewConvGeom(L, L, C, C, K, K)
	orbit, n := ir.KernelOrbits(ir.D4, K)
	dg := NewDirectGeom(g, orbit, n)
	rng := rand.New(rand.NewPCG(1, 2))
	S, ck, Wd := g.Sites(), C*g.K(), dg.Width()
	M := rows * S
	w := make([]float64, C*ck)
	TieExpand(w, randSlice(rng, C*C*n), orbit, C*C, n)
	Om := make([]float64, Wd*C)
	DirectMatrix(Om, w, dg)
	var wf, wb, df, db gemm.PackedB64
	wf.Pack(true, ck, C, w, ck)
	wb.Pack(false, C, ck, w, ck)
	df.Pack(true, C, Wd, Om, C)
	db.Pack(false, Wd, C, Om, C)
	x, yb := randSlice(rng, M*C), randSlice(rng, M*C)
	y, xb, cols, Z := make([]float64, M*C), make([]float64, M*C), make([]float64, M*ck), make([]float64, M*Wd)
	gw, gd := make([]float64, C*ck), make([]float64, Wd*C)
	im2colFwd := func() {
		Im2Col(cols, x, rows, g)
		gemm.DgemmPacked(false, M, 1, cols, ck, &wf, 0, y, C)
	}
	directFwd := func() {
		gemm.DgemmPacked(false, M, 1, x, C, &df, 0, Z, Wd)
		DirectSum(y, Z, rows, dg)
	}
	im2colAll := func() {
		im2colFwd()
		gemm.DgemmPacked(false, M, 1, yb, C, &wb, 0, cols, ck)
		Col2ImAdd(xb, cols, rows, g)
		Im2Col(cols, x, rows, g)
		gemm.Implementation{}.Dgemm(blas.Trans, blas.NoTrans, C, ck, M, 1, yb, C, cols, ck, 1, gw, ck)
	}
	directAll := func() {
		directFwd()
		DirectGather(Z, yb, rows, dg)
		gemm.DgemmPacked(false, M, 1, Z, Wd, &db, 1, xb, C)
		gemm.Implementation{}.Dgemm(blas.Trans, blas.NoTrans, Wd, C, M, 1, Z, Wd, x, C, 0, gd, C)
	}
	fs := []func(){im2colFwd, directFwd, im2colAll, directAll}
	best := []float64{1e300, 1e300, 1e300, 1e300}
	for b.Loop() {
		for range 5 {
			for i, f := range fs {
				start := time.Now()
				f()
				best[i] = min(best[i], time.Since(start).Seconds())
			}
		}
	}
	b.ReportMetric(best[0]*1e3, "ms/fwd-im2col")
	b.ReportMetric(best[1]*1e3, "ms/fwd-direct")
	b.ReportMetric(best[2]*1e3, "ms/all-im2col")
	b.ReportMetric(best[3]*1e3, "ms/all-direct")
}
