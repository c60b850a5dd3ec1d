// Package flow is the library API of mafc: it embeds a trained
// Monge-Ampère flow in a Go program. A [Flow] is a generated potential φ
// (any package written by mafc gen) with the integrator settings of its
// spec; it draws samples with their log-densities ([Flow.Sample]),
// evaluates the exact log-density of given points ([Flow.LogProb]), loads
// and saves the checkpoints mafc train writes ([Load], [Flow.Save]), and
// trains ([Train]).
//
//	m := mymodel.New()                           // the generated package
//	f, err := flow.Load("runs/mymodel", m)       // θ from mafc train's output
//	x, logp, err := f.Sample(1000, 1)            // 1000×D samples, ln p of each
//	lp, err := f.LogProb(points)                 // ln p of your points (N×D)
//
// # The flow
//
// Samples are x(T) of dx/dt = ∇φ(x) from z = x(0) ~ N(0, I), whose
// log-density follows d ln p/dt = −Δφ(x) with the exact Laplacian; the
// log-density of a point x is that of z = x(0), found by integrating
// backwards, minus the accumulated ∫Δφ dt. Both use the spec's integrator,
// number of steps and step size ([ConfigFor]), so they agree with mafc
// sample and mafc eval: the same seed gives the same samples.
//
// The name says what the package holds (a flow) and keeps it short at the
// call site (flow.Load, flow.Train); it lives at the top of the module, not
// under runtime/, which holds what generated code imports.
package flow

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync"

	"github.com/mafc-dev/mafc/ir"
	"github.com/mafc-dev/mafc/ode"
	mafcrt "github.com/mafc-dev/mafc/runtime"
	"github.com/mafc-dev/mafc/train/ckpt"
)

// Config is how a Flow integrates: the method, the number of steps and
// the step size of the embedded [ode.Config] (the flow runs for
// T = Steps·Dt; a nil Tableau is RK4) and its InputSpace, which integrates
// in x even where the hidden-space integrator is cheaper (the same flow up
// to rounding). A Flow always integrates with the exact Laplacian and
// without recording: Hutchinson must be false, and Memory, Every,
// MaxBatch and NoRecord are ignored.
type Config struct {
	ode.Config
	// Workers is the number of goroutines (0: GOMAXPROCS). Results do not
	// depend on it.
	Workers int
	// Chunk is the number of samples one integrator call takes (0: 64).
	// Results do not depend on it beyond rounding in the products, except
	// for specs with `= random` symmetries: their group elements are drawn
	// once per chunk (seeded by its first index), so the chunk size changes
	// which elements a sample sees (each draw is an exact flow).
	Chunk int
}

// ConfigFor returns the integrator settings of a program's flow block
// ([ode.ConfigFor]). It returns an error if the program names an unknown
// integrator.
func ConfigFor(p *ir.Program) (Config, error) {
	c, err := ode.ConfigFor(p)
	return Config{Config: c}, err
}

// Flow is a potential with its integrator settings. Its methods may be
// called from several goroutines at once as long as nobody changes the
// parameters meanwhile; each call allocates its own buffers.
type Flow struct {
	pot  mafcrt.Potential
	cfg  Config
	step int64 // training steps behind θ, as far as known
}

// New returns the flow of pot with the given settings; a zero Config
// takes the settings of pot's program ([ConfigFor]).
func New(pot mafcrt.Potential, cfg Config) (*Flow, error) {
	if cfg.Tableau == nil && cfg.Steps == 0 && cfg.Dt == 0 {
		spec, err := ConfigFor(pot.Program())
		if err != nil {
			return nil, fmt.Errorf("flow: %w", err)
		}
		spec.InputSpace, spec.Workers, spec.Chunk = cfg.InputSpace, cfg.Workers, cfg.Chunk
		cfg = spec
	}
	if cfg.Tableau == nil {
		cfg.Tableau = ode.RK4
	}
	switch {
	case cfg.Steps < 1:
		return nil, fmt.Errorf("flow: %d integration steps: want at least 1", cfg.Steps)
	case !(cfg.Dt > 0):
		return nil, fmt.Errorf("flow: step size %v: want a positive number", cfg.Dt)
	case cfg.Workers < 0 || cfg.Chunk < 0:
		return nil, errors.New("flow: Workers and Chunk must not be negative")
	case cfg.Hutchinson:
		return nil, errors.New("flow: Hutchinson is a training setting: a Flow integrates with the exact Laplacian (leave it false)")
	}
	if cfg.Workers == 0 {
		cfg.Workers = runtime.GOMAXPROCS(0)
	}
	if cfg.Chunk == 0 {
		cfg.Chunk = 64
	}
	return &Flow{pot: pot, cfg: cfg}, nil
}

// Load loads the parameters θ of a checkpoint into pot and returns its
// flow with the settings of pot's program. path is a checkpoint file or a
// directory written by mafc train (its newest valid checkpoint). It
// returns an error if the checkpoint is for another model (a different
// kernel hash) or cannot be read.
func Load(path string, pot mafcrt.Potential) (*Flow, error) {
	st, err := ckpt.Open(path)
	if err != nil {
		return nil, err
	}
	if err := SetParams(pot, st, path); err != nil {
		return nil, err
	}
	f, err := New(pot, Config{})
	if err != nil {
		return nil, err
	}
	f.step = st.Step
	return f, nil
}

// SetParams copies a checkpoint's θ into pot (and calls Sync) after
// checking that the checkpoint is for pot's kernels. path names the
// checkpoint in errors.
func SetParams(pot mafcrt.Potential, st *ckpt.State, path string) error {
	p := pot.Program()
	if err := st.CheckHash(p.Hash(), p.Name); err != nil {
		return err
	}
	if len(st.Params) != pot.NumParams() {
		return fmt.Errorf("%s: %d parameters, the model has %d", path, len(st.Params), pot.NumParams())
	}
	copy(pot.Params(), st.Params)
	pot.Sync()
	return nil
}

// Save writes θ to path as a checkpoint that [Load], mafc sample, mafc
// eval and mafc export read (it holds no optimiser state: mafc train
// starts afresh from it only through Load in Go). The file is replaced
// atomically.
func (f *Flow) Save(path string) error {
	p := f.pot.Program()
	return ckpt.Save(path, &ckpt.State{Model: p.Name, Hash: p.Hash(), Step: f.step,
		Params: append([]float64(nil), f.pot.Params()...)})
}

// Potential returns the flow's potential.
func (f *Flow) Potential() mafcrt.Potential { return f.pot }

// Config returns the flow's settings.
func (f *Flow) Config() Config { return f.cfg }

// Dim returns the dimension D of the points.
func (f *Flow) Dim() int { return f.pot.Dim() }

// Step returns the training steps behind θ: the checkpoint's step after
// [Load], the steps run after [Train], 0 otherwise.
func (f *Flow) Step() int64 { return f.step }

// sampleStream is the PCG stream of base samples; mafc sample uses the
// same, so that the same seed gives the same samples.
const sampleStream = 0x73616d70 // "samp"

// Sample draws n points from the flow: z ~ N(0, I) from a PCG seeded with
// seed, integrated forwards. It returns x (n×D, row-major) and ln p(x) of
// each point. The same seed gives the same samples as mafc sample -seed.
func (f *Flow) Sample(n int, seed uint64) (x, logp []float64, err error) {
	return f.SampleContext(context.Background(), n, seed)
}

// SampleContext is [Flow.Sample] that stops early, returning ctx.Err(),
// when ctx is done.
func (f *Flow) SampleContext(ctx context.Context, n int, seed uint64) (x, logp []float64, err error) {
	if n < 1 {
		return nil, nil, fmt.Errorf("flow: %d samples: want at least 1", n)
	}
	D := f.pot.Dim()
	rng := rand.New(rand.NewPCG(seed, sampleStream))
	x, logp = make([]float64, n*D), make([]float64, n)
	for i := range x {
		x[i] = rng.NormFloat64()
	}
	for b := range logp {
		logp[b] = ode.LogNormal(x[b*D : (b+1)*D])
	}
	if err := f.Integrate(ctx, x, logp, +1); err != nil {
		return nil, nil, err
	}
	return x, logp, nil
}

// LogProb returns the exact ln p(x_b) of each point of x (N×D, row-major;
// not modified): the density flow from x back to the base, with the exact
// Laplacian. It returns an error if len(x) is not a multiple of D.
func (f *Flow) LogProb(x []float64) ([]float64, error) {
	return f.LogProbContext(context.Background(), x)
}

// LogProbContext is [Flow.LogProb] that stops early, returning ctx.Err(),
// when ctx is done.
func (f *Flow) LogProbContext(ctx context.Context, x []float64) ([]float64, error) {
	D := f.pot.Dim()
	if len(x)%D != 0 {
		return nil, fmt.Errorf("flow: %d numbers are not a whole number of points of dimension %d", len(x), D)
	}
	z := append([]float64(nil), x...)
	a := make([]float64, len(x)/D)
	if err := f.Integrate(ctx, z, a, -1); err != nil {
		return nil, err
	}
	for b := range a {
		a[b] = ode.LogNormal(z[b*D:(b+1)*D]) - a[b]
	}
	return a, nil
}

// Integrate runs the flow on the states x (n×D) and their accumulators a
// (n) in place: sigma = +1 integrates forwards (dx/dt = ∇φ, da/dt = −Δφ),
// −1 backwards (dx/dt = −∇φ, da/dt = +Δφ). Chunks of Config.Chunk states
// are spread over Config.Workers goroutines, each with its own integrator
// (in the hidden layer's pre-activations where that is cheaper, see
// ode.NewFlow); the random group elements of a spec's `= random`
// symmetries are seeded by each chunk's first index, so both directions of
// a round trip draw the same ones. It stops early, returning ctx.Err(),
// when ctx is done.
func (f *Flow) Integrate(ctx context.Context, x, a []float64, sigma float64) error {
	return f.IntegrateAt(ctx, x, a, sigma, 0)
}

// IntegrateAt is [Flow.Integrate] for the states x, a that are the part
// from index first on of a larger set: the random group elements are those
// Integrate draws for the whole set when first is a multiple of the chunk
// size (Config.Chunk), so that processes integrating consecutive parts get
// the numbers of one process integrating all.
func (f *Flow) IntegrateAt(ctx context.Context, x, a []float64, sigma float64, first int) error {
	D := f.pot.Dim()
	n := len(a)
	if len(x) != n*D {
		return fmt.Errorf("flow: %d states of dimension %d need %d numbers, got %d", n, D, n*D, len(x))
	}
	if first < 0 {
		return fmt.Errorf("flow: negative first index %d", first)
	}
	if n == 0 {
		return nil
	}
	chunk := max(1, min(f.cfg.Chunk, n))
	workers := max(1, min(f.cfg.Workers, (n+chunk-1)/chunk))
	jobs := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		it, err := ode.NewFlow(f.pot, ode.Config{Tableau: f.cfg.Tableau, Steps: f.cfg.Steps, Dt: f.cfg.Dt, InputSpace: f.cfg.InputSpace, MaxBatch: chunk, NoRecord: true})
		if err != nil {
			close(jobs)
			wg.Wait()
			return err
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for lo := range jobs {
				hi := min(lo+chunk, n)
				it.Run(x[lo*D:hi*D], a[lo:hi], sigma, false, uint64(first+lo))
			}
		}()
	}
	var err error
	for lo := 0; lo < n; lo += chunk {
		if err = ctx.Err(); err != nil {
			break
		}
		jobs <- lo
	}
	close(jobs)
	wg.Wait()
	return err
}
