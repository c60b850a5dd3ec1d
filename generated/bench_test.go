package generated_test

import (
	"math/rand/v2"
	"runtime"
	"sync"
	"testing"
	"time"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"

	"github.com/mafc-dev/mafc/generated/cnn16"
	"github.com/mafc-dev/mafc/generated/cnn16dense"
	"github.com/mafc-dev/mafc/generated/deepmlp"
	"github.com/mafc-dev/mafc/generated/ising16"
	"github.com/mafc-dev/mafc/generated/mnist"
	mafcrt "github.com/mafc-dev/mafc/runtime"
	"github.com/mafc-dev/mafc/runtime/gemm"
	"github.com/mafc-dev/mafc/runtime/ode"
	"github.com/mafc-dev/mafc/runtime/optim"
	"github.com/mafc-dev/mafc/runtime/refeval"
	"github.com/mafc-dev/mafc/runtime/train"
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

// timedBLAS wraps the installed Dgemm, recording the time spent in it and
// the shapes it was called with.
type timedBLAS struct {
	gemm.Implementation
	mu     sync.Mutex
	secs   float64
	flops  float64
	shapes []shape
}

type shape struct {
	tA, tB  blas.Transpose
	m, n, k int
}

func (t *timedBLAS) Dgemm(tA, tB blas.Transpose, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	start := time.Now()
	t.Implementation.Dgemm(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
	el := time.Since(start).Seconds()
	t.mu.Lock()
	t.secs += el
	t.flops += 2 * float64(m) * float64(n) * float64(k)
	t.shapes = append(t.shapes, shape{tA, tB, m, n, k})
	t.mu.Unlock()
}

// BenchmarkDeepMLPLaplacian: exact Δφ of the MLP [784, 1024, 1024] at batch
// 100. Targets: ≥ 10× faster than the reference evaluator; its GEMMs reach
// ≥ 80% of the rate of bare blas64.Gemm calls of the same shapes.
func BenchmarkDeepMLPLaplacian(b *testing.B) {
	m := deepmlp.New()
	k := newKernels(m, 100)
	ref := refeval.New(m.Program())
	g := make([]float64, m.Dim())
	refOne := func() { ref.Eval(m.Params(), k.x[:m.Dim()], g) }
	for b.Loop() {
		t := interleave(3, 1, k.Laplacian, refOne)
		b.ReportMetric(t[0]*1e3, "ms/batch")
		b.ReportMetric(100*t[1]/t[0], "×reference")
		// GEMM rate inside the kernel against bare calls of the same shapes.
		// Best of three kernel runs, as the bare calls below are timed.
		tb := &timedBLAS{}
		blas64.Use(tb)
		k.Laplacian()
		var inRate, inSecs float64
		var shapes []shape
		for range 3 {
			tb.secs, tb.flops, tb.shapes = 0, 0, nil
			start := time.Now()
			k.Laplacian()
			if r := tb.flops / tb.secs; r > inRate {
				inRate, inSecs, shapes = r, tb.secs/time.Since(start).Seconds(), tb.shapes
			}
		}
		gemm.Use()
		bufs := map[shape][3][]float64{}
		for _, s := range shapes {
			bufs[s] = [3][]float64{randn(s.m*s.k, 5), randn(s.k*s.n, 6), make([]float64, s.m*s.n)}
		}
		bare := func() {
			for _, s := range shapes {
				bf := bufs[s]
				lda, ldb := s.k, s.n
				if s.tA == blas.Trans {
					lda = s.m
				}
				if s.tB == blas.Trans {
					ldb = s.k
				}
				blas64.Implementation().Dgemm(s.tA, s.tB, s.m, s.n, s.k, 1, bf[0], lda, bf[1], ldb, 0, bf[2], s.n)
			}
		}
		tt := interleave(3, 1, bare)
		bareRate := tb.flops / tt[0]
		b.ReportMetric(inRate/1e9, "GFLOPS-in-kernel")
		b.ReportMetric(bareRate/1e9, "GFLOPS-bare")
		b.ReportMetric(inRate/bareRate, "in/bare")
		b.ReportMetric(inSecs, "gemm-fraction")
		// GEMM flops over the whole kernel's time: the kernel's rate,
		// to compare with the machine's peak.
		b.ReportMetric(tb.flops/t[0]/1e9, "GFLOPS-kernel")
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

func trainer(b *testing.B, m mafcrt.Potential, obj train.Objective, batch, steps, workers int, mem ode.Memory) *train.Trainer {
	tr, err := train.New(m, obj, train.Config{
		Steps: 1 << 20, Batch: batch, Seed: 1, Workers: workers, Shards: 2, Memory: mem, Every: 10,
		Optimizer: optim.Settings{Name: "adam", LR: 1e-3, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: 1e-3},
		Flow:      train.FlowConfig{Tableau: ode.RK4, Steps: steps, Dt: 0.1},
	})
	if err != nil {
		b.Fatal(err)
	}
	return tr
}

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
		{"ising16", func() mafcrt.Potential { return ising16.New() }, func() train.Objective {
			o, _ := train.NewVariational(16, 16, 2.269185314213022, 1)
			return o
		}, 64, 50},
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
			step := func(tr *train.Trainer) func() {
				return func() {
					if _, err := tr.Step(); err != nil {
						b.Fatal(err)
					}
				}
			}
			for b.Loop() {
				t := interleave(2, 1, step(t1), step(t2))
				b.ReportMetric(t[0], "s/step-1worker")
				b.ReportMetric(t[1], "s/step-2workers")
				b.ReportMetric(t[0]/t[1], "speedup")
			}
			allocs := testing.AllocsPerRun(1, step(t2))
			b.ReportMetric(allocs, "allocs/step")
			b.ReportMetric(mem[0], "MB-store")
			b.ReportMetric(mem[1], "MB-recompute")
		})
	}
}
