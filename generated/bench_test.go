package generated_test

import (
	"math"
	"math/rand/v2"
	"runtime"
	"testing"
	"time"

	"github.com/mafc-dev/mafc/generated/cnn16"
	"github.com/mafc-dev/mafc/generated/cnn16dense"
	"github.com/mafc-dev/mafc/generated/deepmlp"
	"github.com/mafc-dev/mafc/generated/ising16"
	"github.com/mafc-dev/mafc/generated/ising16f32"
	"github.com/mafc-dev/mafc/generated/mnist"
	"github.com/mafc-dev/mafc/ode"
	mafcrt "github.com/mafc-dev/mafc/runtime"
	"github.com/mafc-dev/mafc/runtime/gemm"
	"github.com/mafc-dev/mafc/runtime/refeval"
	"github.com/mafc-dev/mafc/train"
	"github.com/mafc-dev/mafc/train/optim"
)

func randn(n int, seed uint64) []float64 {
	rng := rand.New(rand.NewPCG(seed, 1))
	v := make([]float64, n)
	for i := range v {
		v[i] = rng.NormFloat64()
	}
	return v
}

// interleave times the functions side by side: rounds of each function in
// turn, so that machine noise hits all of them alike; it returns the
// fastest round of each (seconds per call).
func interleave(rounds, reps int, fs ...func()) []float64 {
	best := make([]float64, len(fs))
	for i := range best {
		best[i] = 1e300
	}
	for _, f := range fs {
		f() // warm up
	}
	for r := 0; r < rounds; r++ {
		for i, f := range fs {
			start := time.Now()
			for k := 0; k < reps; k++ {
				f()
			}
			best[i] = min(best[i], time.Since(start).Seconds()/float64(reps))
		}
	}
	return best
}

type kernels struct {
	m                  mafcrt.Potential
	ws                 mafcrt.Workspace
	x, u, c, s         []float64
	phi, grad, lap, dx []float64
	dth                []float64
}

func newKernels(m mafcrt.Potential, B int) *kernels {
	D := m.Dim()
	return &kernels{m: m, ws: m.NewWorkspace(B), x: randn(B*D, 1), u: randn(B*D, 2), c: randn(B, 3), s: randn(B, 4),
		phi: make([]float64, B), grad: make([]float64, B*D), lap: make([]float64, B), dx: make([]float64, B*D), dth: make([]float64, m.NumParams())}
}

func (k *kernels) Grad()      { k.m.Grad(k.ws, k.phi, k.grad, k.x) }
func (k *kernels) Laplacian() { k.m.Laplacian(k.ws, k.phi, k.grad, k.lap, k.x) }
func (k *kernels) Reverse()   { k.m.Reverse(k.ws, k.dx, k.dth, k.x, k.c, k.u, k.s) }

// BenchmarkMNISTKernelRatios: the paper's MNIST potential at batch 100.
// Targets: Laplacian (φ, ∇φ, Δφ) ≤ 1.3 × Grad (φ, ∇φ); Reverse ≤ 3 × Laplacian.
func BenchmarkMNISTKernelRatios(b *testing.B) {
	k := newKernels(mnist.New(), 100)
	var t []float64
	for b.Loop() {
		t = interleave(5, 3, k.Grad, k.Laplacian, k.Reverse)
	}
	b.ReportMetric(t[0]*1e3, "ms/grad")
	b.ReportMetric(t[1]*1e3, "ms/laplacian")
	b.ReportMetric(t[2]*1e3, "ms/reverse")
	b.ReportMetric(t[1]/t[0], "laplacian/grad")
	b.ReportMetric(t[2]/t[1], "reverse/laplacian")
}

// BenchmarkDeepMLPLaplacian: exact Δφ of the MLP [784, 1024, 1024] at batch
// 100. Targets: ≥ 10× faster than the reference evaluator; the kernel's rate
// (the flops of its products over its whole time) ≥ 80% of the rate of bare
// products of the same shapes, and ≥ 60% of the machine's FP64 peak.
//
// The products of one call, for B = 100 in chunks of deepmlp.Chunk: the
// first layer X·W₁ᵀ (B×784 by 784×1024), the value and ℓ rows of the second
// (2B×1024 by 1024×1024) and, per sample, the Jacobian rows
// (diag(σ′_b)·W₁)ᵀ·W₂ᵀ (784×1024 by 1024×1024). The bare products are the
// same calls on packed random weights, outside any kernel.
func BenchmarkDeepMLPLaplacian(b *testing.B) {
	const B = 100
	m := deepmlp.New()
	k := newKernels(m, B)
	ref := refeval.New(m.Program())
	g := make([]float64, m.Dim())
	refOne := func() { ref.Eval(m.Params(), k.x[:m.Dim()], g) }

	var w1T, w2T gemm.PackedB64
	w1T.Pack(true, 784, 1024, randn(1024*784, 5), 784)
	w2T.Pack(true, 1024, 1024, randn(1024*1024, 6), 1024)
	x, h := randn(B*784, 7), randn(2*B*1024, 8)
	panel, c := randn(1024*784, 9), make([]float64, 2*B*1024+784*1024)
	bare := func() {
		for b0 := 0; b0 < B; b0 += deepmlp.Chunk {
			nb := min(deepmlp.Chunk, B-b0)
			gemm.DgemmPacked(false, nb, 1, x[b0*784:], 784, &w1T, 0, c, 1024)
			gemm.DgemmPacked(false, 2*nb, 1, h[2*b0*1024:], 1024, &w2T, 0, c, 1024)
			for range nb {
				gemm.DgemmPacked(true, 784, 1, panel, 784, &w2T, 0, c, 1024)
			}
		}
	}
	flops := 2 * float64(B*784*1024+2*B*1024*1024+B*784*1024*1024)
	for b.Loop() {
		t := interleave(3, 1, k.Laplacian, refOne, bare)
		b.ReportMetric(t[0]*1e3, "ms/batch")
		b.ReportMetric(B*t[1]/t[0], "×reference")
		b.ReportMetric(flops/t[0]/1e9, "GFLOPS-kernel")
		b.ReportMetric(flops/t[2]/1e9, "GFLOPS-bare")
		b.ReportMetric(t[2]/t[0], "kernel/bare-rate")
	}
}

// BenchmarkCNNReceptiveField: exact Δφ of the periodic CNN on 16×16 at
// batch 64, receptive-field Jacobians against plain forward-Laplacian
// propagation of the same network (cnn16dense). Target: ≥ 5× cheaper.
func BenchmarkCNNReceptiveField(b *testing.B) {
	rf := newKernels(cnn16.New(), 64)
	dense := newKernels(cnn16dense.New(), 64)
	copy(dense.m.Params(), rf.m.Params())
	dense.m.Sync()
	for b.Loop() {
		t := interleave(3, 2, rf.Laplacian, dense.Laplacian)
		b.ReportMetric(t[0]*1e3, "ms/rf")
		b.ReportMetric(t[1]*1e3, "ms/dense")
		b.ReportMetric(t[1]/t[0], "dense/rf")
	}
}

func trainer(b *testing.B, m mafcrt.Potential, obj train.Objective, batch, steps, workers int, mem ode.Memory, opts ...func(*train.Config)) *train.Trainer {
	cfg := train.Config{
		Steps: 1 << 20, Batch: batch, Seed: 1, Workers: workers, Shards: 2,
		Optimizer: optim.Settings{Name: "adam", LR: 1e-3, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: 1e-3},
		Flow:      ode.Config{Tableau: ode.RK4, Steps: steps, Dt: 0.1, Memory: mem, Every: 10},
	}
	for _, o := range opts {
		o(&cfg)
	}
	tr, err := train.New(m, obj, cfg)
	if err != nil {
		b.Fatal(err)
	}
	return tr
}

// ising16Tc is the variational objective of the paper's Ising experiment
// (L = 16 at T_c) with seed 1.
func ising16Tc() train.Objective {
	o, _ := train.NewVariational(16, 16, 2.269185314213022, 1)
	return o
}

// stepper returns a function that runs one step of tr, failing b on error.
func stepper(b *testing.B, tr *train.Trainer) func() {
	return func() {
		if _, err := tr.Step(); err != nil {
			b.Fatal(err)
		}
	}
}

// inputSpace makes a trainer integrate in x (train.Config.Flow.InputSpace).
func inputSpace(c *train.Config) { c.Flow.InputSpace = true }

// BenchmarkTrainStep: seconds per training step of the paper's Ising model
// (batch 64, 50 RK4 steps) and MNIST model (batch 100, 100 RK4 steps) with 1
// and 2 workers side by side, allocations per step and the memory of each
// adjoint mode. Target: 2 workers ≥ 1.7× faster than 1.
func BenchmarkTrainStep(b *testing.B) {
	cases := []struct {
		name         string
		new          func() mafcrt.Potential
		obj          func() train.Objective
		batch, steps int
	}{
		{"ising16", func() mafcrt.Potential { return ising16.New() }, ising16Tc, 64, 50},
		{"mnist", func() mafcrt.Potential { return mnist.New() }, func() train.Objective {
			// Gaussian data of MNIST's dimension: the cost of a step does
			// not depend on the data, and the benchmark needs no download.
			return &train.Likelihood{Data: train.NewGaussian(784, 1)}
		}, 100, 100},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			var mem [2]float64
			for i, mode := range []ode.Memory{ode.Store, ode.Recompute} {
				var before, after runtime.MemStats
				runtime.GC()
				runtime.ReadMemStats(&before)
				tr := trainer(b, c.new(), c.obj(), c.batch, c.steps, 2, mode)
				runtime.ReadMemStats(&after)
				mem[i] = float64(after.TotalAlloc-before.TotalAlloc) / (1 << 20)
				tr.Close()
			}
			t1 := trainer(b, c.new(), c.obj(), c.batch, c.steps, 1, ode.Store)
			t2 := trainer(b, c.new(), c.obj(), c.batch, c.steps, 2, ode.Store)
			defer t1.Close()
			defer t2.Close()
			for b.Loop() {
				t := interleave(2, 1, stepper(b, t1), stepper(b, t2))
				b.ReportMetric(t[0], "s/step-1worker")
				b.ReportMetric(t[1], "s/step-2workers")
				b.ReportMetric(t[0]/t[1], "speedup")
			}
			allocs := testing.AllocsPerRun(1, stepper(b, t2))
			b.ReportMetric(allocs, "allocs/step")
			b.ReportMetric(mem[0], "MB-store")
			b.ReportMetric(mem[1], "MB-recompute")
		})
	}
}

// noSave hides runtime.Saver from a generated potential (and keeps
// runtime.GradDeferrer), so that the integrator recomputes the first layer's
// outputs in the adjoint.
type noSave struct{ mafcrt.Potential }

func (p noSave) DeferGrad(ws mafcrt.Workspace, on bool) {
	p.Potential.(mafcrt.GradDeferrer).DeferGrad(ws, on)
}

func (p noSave) FlushGrad(ws mafcrt.Workspace, dtheta []float64) {
	p.Potential.(mafcrt.GradDeferrer).FlushGrad(ws, dtheta)
}

// paperSteps are the training steps of the two paper models the side-by-side
// step benchmarks compare, with the interleaved rounds each gets (the best
// one counts).
var paperSteps = []struct {
	name         string
	new          func() mafcrt.Potential
	obj          func() train.Objective
	batch, steps int
	rounds       int
}{
	{"ising16", func() mafcrt.Potential { return ising16.New() }, ising16Tc, 64, 50, 3},
	{"mnist", func() mafcrt.Potential { return mnist.New() }, func() train.Objective {
		return &train.Likelihood{Data: train.NewGaussian(784, 1)}
	}, 100, 100, 1},
}

// BenchmarkSavedFirstLayer: seconds per training step (2 workers, Store,
// integrated in x) with the first layer's outputs kept from the forward pass (runtime.Saver)
// and recomputed in the adjoint, interleaved, best of three (one for mnist).
func BenchmarkSavedFirstLayer(b *testing.B) {
	for _, c := range paperSteps {
		b.Run(c.name, func(b *testing.B) {
			saved := trainer(b, c.new(), c.obj(), c.batch, c.steps, 2, ode.Store, inputSpace)
			recomputed := trainer(b, noSave{c.new()}, c.obj(), c.batch, c.steps, 2, ode.Store, inputSpace)
			defer saved.Close()
			defer recomputed.Close()
			for b.Loop() {
				t := interleave(c.rounds, 1, stepper(b, saved), stepper(b, recomputed))
				b.ReportMetric(t[0], "s/step-saved")
				b.ReportMetric(t[1], "s/step-recomputed")
				b.ReportMetric(t[1]/t[0], "speedup")
			}
		})
	}
}

// BenchmarkHiddenSpace: seconds per training step of the paper's models
// (2 workers, Store; mnist: batch 100, 100 RK4 steps; ising16: batch 64, 50
// steps) integrated in the hidden pre-activations (ode.Hidden, their
// default) and in x (train.Config.Flow.InputSpace), interleaved (best of three
// for ising16), with the relative difference of the two steps' losses.
func BenchmarkHiddenSpace(b *testing.B) {
	for _, c := range paperSteps {
		b.Run(c.name, func(b *testing.B) {
			th := trainer(b, c.new(), c.obj(), c.batch, c.steps, 2, ode.Store)
			tx := trainer(b, c.new(), c.obj(), c.batch, c.steps, 2, ode.Store, inputSpace)
			defer th.Close()
			defer tx.Close()
			if !th.Hidden() || tx.Hidden() {
				b.Fatal("expected the default trainer in hidden space and the other in x")
			}
			var lh, lx float64
			step := func(tr *train.Trainer, loss *float64) func() {
				return func() {
					r, err := tr.Step()
					if err != nil {
						b.Fatal(err)
					}
					*loss = r.Loss
				}
			}
			for b.Loop() {
				t := interleave(c.rounds, 1, step(th, &lh), step(tx, &lx))
				b.ReportMetric(t[0], "s/step-hidden")
				b.ReportMetric(t[1], "s/step-input")
				b.ReportMetric(t[1]/t[0], "speedup")
				b.ReportMetric(math.Abs(lh-lx)/math.Abs(lx), "loss-reldiff")
			}
		})
	}
}

// BenchmarkFloat32Step: seconds per training step of the paper's Ising model
// (batch 64, 50 RK4 steps, 2 workers, integrated in x) with float64 and
// float32 kernels (ising16, ising16f32), interleaved, best of three.
func BenchmarkFloat32Step(b *testing.B) {
	// Both in x, to compare the kernels (BenchmarkFloat32MNISTStep compares
	// the hidden-space integrator in both precisions).
	t64 := trainer(b, ising16.New(), ising16Tc(), 64, 50, 2, ode.Store, inputSpace)
	t32 := trainer(b, ising16f32.New(), ising16Tc(), 64, 50, 2, ode.Store, inputSpace)
	defer t64.Close()
	defer t32.Close()
	for b.Loop() {
		t := interleave(3, 1, stepper(b, t64), stepper(b, t32))
		b.ReportMetric(t[0], "s/step-float64")
		b.ReportMetric(t[1], "s/step-float32")
		b.ReportMetric(t[0]/t[1], "speedup")
	}
}
