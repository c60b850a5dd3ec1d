package generated_test

import (
	"math"
	"testing"

	"gonum.org/v1/gonum/blas"

	"github.com/mafc-dev/mafc/codegen/plan"
	"github.com/mafc-dev/mafc/generated/ising16"
	"github.com/mafc-dev/mafc/generated/ising16cnn"
	"github.com/mafc-dev/mafc/generated/ising16cnnrf"
	"github.com/mafc-dev/mafc/generated/ising16cnnshift"
	"github.com/mafc-dev/mafc/ir"
	"github.com/mafc-dev/mafc/ode"
	mafcrt "github.com/mafc-dev/mafc/runtime"
	"github.com/mafc-dev/mafc/runtime/gemm"
	"github.com/mafc-dev/mafc/train"
)

// closeTo reports the first index where got and want differ by more than
// tol relative to the largest |want|, or -1.
func closeTo(got, want []float64, tol float64) int {
	scale := 0.0
	for _, v := range want {
		scale = max(scale, math.Abs(v))
	}
	for i := range want {
		if math.Abs(got[i]-want[i]) > tol*scale {
			return i
		}
	}
	return -1
}

// TestShiftedKernelsMatchReceptiveField: ising16cnnshift (shifted-kernel
// GEMMs for the second convolution's Jacobian) and ising16cnnrf (the same
// spec with im2col receptive fields) agree to 1e-12 on φ, ∇φ, Δφ and on
// Reverse's ∂G/∂x and ∂G/∂θ at the same random parameters.
func TestShiftedKernelsMatchReceptiveField(t *testing.T) {
	sh, rf := ising16cnnshift.New(), ising16cnnrf.New()
	if usesKind(sh.Program(), plan.Options{NoFactor: true}) != plan.ShiftRF || usesKind(rf.Program(), plan.Options{NoShift: true}) != plan.RF {
		t.Fatal("expected ising16cnnshift planned with shifted kernels and ising16cnnrf with receptive fields")
	}
	agree(t, sh, rf, "receptive field")
}

// TestFactoredMatchesShiftedKernels: ising16cnn (the second convolution's
// Jacobian factored by the kernels' orbits) and ising16cnnshift (the same
// spec with the shifted-kernel GEMM) agree to 1e-12 on φ, ∇φ, Δφ and on
// Reverse's ∂G/∂x and ∂G/∂θ at the same random parameters.
func TestFactoredMatchesShiftedKernels(t *testing.T) {
	fa, sh := ising16cnn.New(), ising16cnnshift.New()
	if usesKind(fa.Program(), plan.Options{}) != plan.Factored {
		t.Fatal("expected ising16cnn planned with orbit-factored kernels")
	}
	agree(t, fa, sh, "shifted kernels")
}

// agree checks that the kernels of a and b (two plans of one spec) agree to
// 1e-12 on three samples at the same random parameters.
func agree(t *testing.T, ma, mb mafcrt.Potential, bName string) {
	t.Helper()
	const B = 3
	th := randn(ma.NumParams(), 11)
	for i := range th {
		th[i] *= 0.3
	}
	copy(ma.Params(), th)
	copy(mb.Params(), th)
	ma.Sync()
	mb.Sync()
	a, b := newKernels(ma, B), newKernels(mb, B)
	copy(b.x, a.x)
	a.Laplacian()
	b.Laplacian()
	for _, c := range []struct {
		name      string
		got, want []float64
	}{{"φ", a.phi, b.phi}, {"∇φ", a.grad, b.grad}, {"Δφ", a.lap, b.lap}} {
		if i := closeTo(c.got, c.want, 1e-12); i >= 0 {
			t.Errorf("Laplacian %s[%d] = %v, %s %v", c.name, i, c.got[i], bName, c.want[i])
		}
	}
	a.Reverse()
	b.Reverse()
	if i := closeTo(a.dx, b.dx, 1e-12); i >= 0 {
		t.Errorf("Reverse ∂G/∂x[%d] = %v, %s %v", i, a.dx[i], bName, b.dx[i])
	}
	if i := closeTo(a.dth, b.dth, 1e-12); i >= 0 {
		t.Errorf("Reverse ∂G/∂θ[%d] = %v, %s %v", i, a.dth[i], bName, b.dth[i])
	}
}

// usesKind returns the kind of the exact-Laplacian plan of p (built with
// o) for its second convolution, h2.conv.
func usesKind(p *ir.Program, o plan.Options) plan.Kind {
	for _, n := range plan.BuildOptions(p, plan.Laplacian, 1, o).Nodes {
		if n.Name == "h2.conv" {
			return n.Kind
		}
	}
	return plan.None
}

// planFlops returns the plan's count of Jacobian flops (plan.Flops) of B
// samples of p in mode m, planned with o.
func planFlops(p *ir.Program, m plan.Mode, B int, o plan.Options) float64 {
	return float64(B) * plan.BuildOptions(p, m, 1, o).Flops()
}

// BenchmarkCNNShiftedKernels: exact Δφ (Laplacian) and the reverse mode of
// ising16_cnn at batch 64 (in chunks of ising16cnn.Chunk) with the orbit-factored Jacobian
// (ising16cnn), the shifted-kernel GEMM (ising16cnnshift) and im2col
// receptive fields (ising16cnnrf), interleaved with bare packed GEMMs of
// the factored and of the shifted-kernel products' shapes, a chunk at a
// time as the kernels run them. Factored: R =
// D·P, (64·256×16)·(16×288), for Δφ, plus D̄ = R̄·Pᵀ, (64·256×288)·(288×16),
// and P̄ = Dᵀ·R̄, (16×64·256)·(64·256×288), for the reverse mode. Shifted:
// J = X·B, (64·256×144)·(144×784), plus X̄ = J̄·Bᵀ and B̄ = Xᵀ·J̄. GFLOPS
// count each plan's flops (plan.Flops: the factored count includes its
// sparse map's adds) over the whole call; the bare rates count the GEMMs'.
// Target: each kernel ≥ 50% of the bare rate of its own shapes. The
// …-bare-batch rates are the factored products' GEMMs as one product over
// the whole batch (M = 64·256 rows), the fastest the same flops run as
// plain GEMMs.
func BenchmarkCNNShiftedKernels(b *testing.B) {
	const B = 64
	if ising16cnn.Chunk != ising16cnnshift.Chunk || B%ising16cnn.Chunk != 0 {
		b.Fatalf("chunks %d, %d: want one that divides %d, the bare products below are the chunks'", ising16cnn.Chunk, ising16cnnshift.Chunk, B)
	}
	mc := ising16cnn.Chunk * 256 // rows of one chunk's products
	fa, sh, rf := newKernels(ising16cnn.New(), B), newKernels(ising16cnnshift.New(), B), newKernels(ising16cnnrf.New(), B)
	copy(sh.x, fa.x)
	copy(rf.x, fa.x)
	prog := ising16cnn.Program()
	ffl, ffr := planFlops(prog, plan.Laplacian, B, plan.Options{}), planFlops(prog, plan.Reverse, B, plan.Options{})
	sfl, sfr := planFlops(prog, plan.Laplacian, B, plan.Options{NoFactor: true}), planFlops(prog, plan.Reverse, B, plan.Options{NoFactor: true})
	bfLap, bfRev, gfl := bareGEMMs(B*256, 16, 288, mc)
	bsLap, bsRev, gsl := bareGEMMs(B*256, 144, 16*49, mc)
	bbLap, bbRev, _ := bareGEMMs(B*256, 16, 288, B*256) // the factored products as one chunk of B samples
	for b.Loop() {
		t := interleave(2, 1, fa.Laplacian, sh.Laplacian, rf.Laplacian, bfLap, bsLap, fa.Reverse, sh.Reverse, rf.Reverse, bfRev, bsRev, bbLap, bbRev)
		b.ReportMetric(t[0]*1e3, "ms/lap-factor")
		b.ReportMetric(t[1]*1e3, "ms/lap-shift")
		b.ReportMetric(t[2]*1e3, "ms/lap-rf")
		b.ReportMetric(ffl/t[0]/1e9, "GFLOPS-lap-factor")
		b.ReportMetric(gfl/t[3]/1e9, "GFLOPS-lap-factor-bare")
		b.ReportMetric(gfl/t[10]/1e9, "GFLOPS-lap-factor-bare-batch")
		b.ReportMetric(3*gfl/t[11]/1e9, "GFLOPS-rev-factor-bare-batch")
		b.ReportMetric(sfl/t[1]/1e9, "GFLOPS-lap-shift")
		b.ReportMetric(gsl/t[4]/1e9, "GFLOPS-lap-shift-bare")
		b.ReportMetric(t[5]*1e3, "ms/rev-factor")
		b.ReportMetric(t[6]*1e3, "ms/rev-shift")
		b.ReportMetric(t[7]*1e3, "ms/rev-rf")
		b.ReportMetric(ffr/t[5]/1e9, "GFLOPS-rev-factor")
		b.ReportMetric(3*gfl/t[8]/1e9, "GFLOPS-rev-factor-bare")
		b.ReportMetric(sfr/t[6]/1e9, "GFLOPS-rev-shift")
		b.ReportMetric(3*gsl/t[9]/1e9, "GFLOPS-rev-shift-bare")
		b.ReportMetric(t[1]/t[0], "lap-shift/factor")
		b.ReportMetric(t[6]/t[5], "rev-shift/factor")
	}
}

// bareGEMMs returns the bare packed GEMMs of a Jacobian product X·B with
// X M×K and B K×N, done as the kernels do them, a chunk of mc rows at a
// time: the forward product alone, and with the two reverse products (X̄ =
// J̄·Bᵀ and B̄ = Xᵀ·J̄, summed over the chunks), and the forward product's
// flops.
func bareGEMMs(M, K, N, mc int) (lap, rev func(), flops float64) {
	var bp, bt gemm.PackedB64
	bm := randn(K*N, 5)
	bp.Pack(false, K, N, bm, N)
	bt.Pack(true, N, K, bm, N)
	X, J, XB, GS := randn(M*K, 6), make([]float64, M*N), make([]float64, M*K), make([]float64, K*N)
	lap = func() {
		for r := 0; r < M; r += mc {
			gemm.DgemmPacked(false, mc, 1, X[r*K:], K, &bp, 0, J[r*N:], N)
		}
	}
	rev = func() {
		for r := 0; r < M; r += mc {
			beta := float64(min(r, 1))
			gemm.DgemmPacked(false, mc, 1, X[r*K:], K, &bp, 0, J[r*N:], N)
			gemm.DgemmPacked(false, mc, 1, J[r*N:], N, &bt, 0, XB[r*K:], K)
			gemm.Implementation{}.Dgemm(blas.Trans, blas.NoTrans, K, N, mc, 1, X[r*K:], K, J[r*N:], N, beta, GS, N)
		}
	}
	return lap, rev, 2 * float64(M) * float64(K) * float64(N)
}

// cnnFlowSteps is the RK4 steps of the side-by-side CNN step benchmark: the
// specs' 50.
var cnnFlowSteps = 50

// BenchmarkCNNTrainStep: seconds per training step (batch 64, cnnFlowSteps
// RK4 steps, 2 workers, Store) of the paper's MLP (ising16) and of the
// exactly symmetric CNN (ising16cnn) with the exact Laplacian and with
// Hutchinson's estimate, interleaved, one round each. Targets: exact ≤ 60×
// the MLP, Hutchinson ≤ 10×.
func BenchmarkCNNTrainStep(b *testing.B) {
	hutch := func(c *train.Config) { c.Flow.Hutchinson = true }
	mlp := trainer(b, ising16.New(), ising16Tc(), 64, cnnFlowSteps, 2, ode.Store)
	exact := trainer(b, ising16cnn.New(), ising16Tc(), 64, cnnFlowSteps, 2, ode.Store)
	hut := trainer(b, ising16cnn.New(), ising16Tc(), 64, cnnFlowSteps, 2, ode.Store, hutch)
	defer mlp.Close()
	defer exact.Close()
	defer hut.Close()
	for b.Loop() {
		t := interleave(1, 1, stepper(b, mlp), stepper(b, exact), stepper(b, hut))
		b.ReportMetric(t[0], "s/step-mlp")
		b.ReportMetric(t[1], "s/step-cnn-exact")
		b.ReportMetric(t[2], "s/step-cnn-hutchinson")
		b.ReportMetric(t[1]/t[0], "exact/mlp")
		b.ReportMetric(t[2]/t[0], "hutchinson/mlp")
	}
	b.ReportMetric(testing.AllocsPerRun(1, stepper(b, exact)), "allocs/step-cnn-exact")
}
