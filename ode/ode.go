// Package ode integrates the Monge-Ampère flow of a compiled potential and
// differentiates through the integration.
//
// A state is a batch of B points x ∈ R^D with one scalar a each. The flow
// with direction σ = ±1 is
//
//	dx/dt = σ·∇φ(x),   da/dt = −σ·Δφ(x).
//
// σ = +1 is sampling (Zhang, E, Wang 2018): from x(0) = z ~ N(0, I) with
// a(0) = ln p₀(z), it gives x(T) and a(T) = ln p(x(T), T). σ = −1 is the
// density direction: from a data point with a(0) = 0 it reaches z, and
// −ln p(x, T) = a + ½ Σᵢ (zᵢ² + ln 2π).
//
// Integration uses a fixed-step explicit Runge–Kutta method given by its
// Butcher tableau (classic RK4, Euler, midpoint). Gradients are the discrete
// adjoint of the computation performed (discretise-then-optimise): exact
// for the discrete map, obtained by the reverse mode of every stage. Two
// memory modes give identical gradients: storing every stage state, or
// storing the state every k steps and recomputing the stages of one segment
// at a time. With a runtime.Saver and the exact Laplacian, both also keep the
// outputs of the potential's dense layer of the input for the stored (or
// recomputed) stages, so the reverse mode skips that product.
//
// A time-dependent potential φ(x, t) (runtime.TimeDependent) is evaluated
// at the flow time of each stage, t_n + c_i·dt (Config.StageTime): from 0
// to T when sampling, from T back to 0 in the density direction, and at the
// same times in the adjoint and in recomputed segments.
//
// A potential whose program declares symmetries with the random strategy
// (ir.ByRandom, the stochastic symmetrisation of the paper's reference code)
// is integrated as φ∘g_n on step n, g_n a uniformly random group element
// drawn from the seed of Run and the flow-time index of the step (so the
// density direction with the same seed retraces the sampling direction's
// elements, and the adjoint sees the same ones): the slope is gᵀ∇φ(g·x) and
// the Laplacian Δφ(g·x). Every draw is an exact flow with an exact ln p; the
// model is the mixture over the draws.
//
// With Config.Score, RunScore also carries the score s = ∇ₓa along each
// trajectory (ds/dt = −σ(∇²φ·s + ∇Δφ), one reverse-mode call per stage)
// and AdjointScore back-propagates through x, a and s: the force matching
// of the paper's reference code, differentiated (see score.go).
//
// For a potential with one hidden layer, φ(x) = w·σ(W·x + b), Hidden
// integrates the same discrete flow in the hidden pre-activations z = W·x + b
// (dz/dt = σ·W·Wᵀ·(w ⊙ σ′(z))), with H×H products instead of H×D ones; it
// needs at most as many flops when H ≤ 2·D (PreferHidden), 1.53× fewer for
// the paper's MNIST potential, and runs faster also at H = 2·D (the paper's
// Ising potential). Training, sampling and evaluation use it there. It
// works in the precision of the potential's kernels, float32 or float64.
// It takes time-dependent one-hidden-layer potentials too (time features
// concatenated to the hidden layer, gated hidden units or output, as in
// testdata/mnist_t.maf and ising16_t.maf): for each t, time enters the
// hidden pre-activations as a per-unit scale and bias and φ as a factor,
// which keeps the flow exact in z = W·x, with the stages at the same times
// as Integrator's.
package ode

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/mafc-dev/mafc/ir"
	"github.com/mafc-dev/mafc/runtime"
)

// Tableau is an explicit Runge–Kutta method: stage i evaluates
// f(x + h·Σ_{j<i} A[i][j]·k_j) and the step is x + h·Σ_i B[i]·k_i.
type Tableau struct {
	Name string
	A    [][]float64
	B    []float64
}

// Stages returns the number of stages.
func (t *Tableau) Stages() int { return len(t.B) }

// The methods. RK4 is the classic fourth-order method (Kutta 1901) used by
// the paper's reference code.
var (
	RK4      = &Tableau{"rk4", [][]float64{{}, {0.5}, {0, 0.5}, {0, 0, 1}}, []float64{1.0 / 6, 1.0 / 3, 1.0 / 3, 1.0 / 6}}
	Euler    = &Tableau{"euler", [][]float64{{}}, []float64{1}}
	Midpoint = &Tableau{"midpoint", [][]float64{{}, {0.5}}, []float64{0, 1}}
)

// TableauFor returns the method with the given name.
func TableauFor(name string) (*Tableau, error) {
	switch name {
	case "rk4":
		return RK4, nil
	case "euler":
		return Euler, nil
	case "midpoint":
		return Midpoint, nil
	}
	return nil, fmt.Errorf("ode: unknown integrator %q (want rk4, euler or midpoint)", name)
}

// Memory selects how the adjoint gets the forward states.
type Memory int

// The memory modes.
const (
	Store     Memory = iota // keep every stage state of every step
	Recompute               // keep every Every-th state and recompute segments
)

// Config configures an Integrator.
type Config struct {
	Tableau *Tableau
	Steps   int
	Dt      float64
	// MaxBatch is the largest batch Run will see.
	MaxBatch int
	// Hutchinson replaces Δφ by its Hutchinson estimate with Rademacher
	// probes (for training only).
	Hutchinson bool
	Memory     Memory
	// Every is the segment length of Recompute (default 10).
	Every int
	// InputSpace makes NewFlow integrate in x even where Hidden is
	// cheaper.
	InputSpace bool
	// NoRecord leaves out the trajectory buffers for sampling and
	// evaluation: Run then cannot record (it panics if asked to).
	NoRecord bool
	// DeferDensity makes a recorded Run integrate x alone (∇φ at every
	// stage, no Laplacian) and leave a as it was; Adjoint then takes each
	// stage's Δφ (or its Hutchinson estimate, same probes) from the
	// reverse mode it runs at that stage anyway
	// (runtime.DensityReverser) and completes a(T) in the slice Run was
	// given, adding the stages' terms in Run's order. Training saves the
	// forward Laplacian of every stage; the cotangents given to Adjoint
	// must then not depend on a(T) (they do not for ln p's linear
	// objectives). Runs that do not record are unaffected. The
	// hidden-space integrator ignores it (its Run integrates a).
	DeferDensity bool
	// Score allocates the score flow (RunScore, AdjointScore: the force
	// matching of the paper's reference code, see score.go). It needs the
	// exact Laplacian and float64 kernels; NewFlow then returns the
	// input-space integrator.
	Score bool
}

// Integrator integrates one potential on batches. It owns a workspace and
// is not safe for concurrent use; use one per goroutine.
type Integrator struct {
	pot runtime.Potential
	cfg Config
	ws  runtime.Workspace
	D   int
	P   int                   // probes
	td  runtime.TimeDependent // pot, when φ depends on time; nil otherwise

	// per-stage scratch
	y    [][]float64 // stage states, s × (B·D)
	k    [][]float64 // stage slopes σ∇φ
	lap  []float64
	grad []float64

	// trajectory for the adjoint
	states    [][]float64 // Store: steps·s stage states; Recompute: checkpoints
	saver     runtime.Saver
	saved     [][]float64 // with a runtime.Saver: kept first-layer outputs of the stages in states (Store) or seg (Recompute)
	recording bool
	dr        runtime.DensityReverser // pot, with Config.DeferDensity
	laps      [][]float64             // with dr: Δφ of every stage of the recorded run, steps·s × B
	deferring bool                    // the recorded run left a to Adjoint
	aRun      []float64               // the recorded run's a
	sigma     float64
	nb        int
	probeSeed uint64
	probes    []float64
	pcg       *rand.PCG
	rng       *rand.Rand

	// adjoint scratch
	kb  [][]float64
	yb  []float64
	seg [][]float64 // Recompute: stage states of one segment
	u   []float64
	sc  []float64

	// random symmetry elements (ir.ByRandom): step n integrates φ∘g_n
	rnd      *ir.Randomizer
	rpcg     *rand.PCG
	rrng     *rand.Rand
	perm     []int   // g_n as (g·x)_i = sign·x[perm[i]]
	sign     float64 // g_n's sign
	permStep int     // the step perm belongs to, −1 when none
	gy, gt   []float64

	sc2           *scoreBufs // with Config.Score
	scoreRecorded bool       // the last run was a recorded RunScore
}

// New returns an integrator for pot. It allocates every buffer; Run and
// Adjoint then do not allocate.
func New(pot runtime.Potential, cfg Config) (*Integrator, error) {
	if err := cfg.normalize(); err != nil {
		return nil, err
	}
	D, B, s := pot.Dim(), cfg.MaxBatch, cfg.Tableau.Stages()
	it := &Integrator{pot: pot, cfg: cfg, ws: pot.NewWorkspace(B), D: D, P: pot.Probes()}
	if runtime.IsTimeDependent(pot) {
		it.td = pot.(runtime.TimeDependent)
	}
	mk := buffers
	it.y, it.k, it.kb = mk(s, B*D), mk(s, B*D), mk(s, B*D)
	it.lap, it.grad, it.yb, it.u, it.sc = make([]float64, B), make([]float64, B*D), make([]float64, B*D), make([]float64, B*D), make([]float64, B)
	if cfg.Hutchinson {
		it.probes = make([]float64, B*it.P*D)
		it.pcg = rand.NewPCG(0, 0)
		it.rng = rand.New(it.pcg)
	}
	if r := pot.Program().Randomized(); len(r) > 0 {
		groups := make([]ir.Group, len(r))
		for i, s := range r {
			groups[i] = s.Group
		}
		it.rnd = ir.NewRandomizer(groups, pot.Program().InputShape())
		it.rpcg = rand.NewPCG(0, 0)
		it.rrng = rand.New(it.rpcg)
		it.perm = make([]int, D)
		it.gy, it.gt = make([]float64, B*D), make([]float64, B*D)
	}
	it.states, it.seg = cfg.trajectory(B * D)
	if cfg.DeferDensity && !cfg.NoRecord {
		dr, ok := pot.(runtime.DensityReverser)
		if !ok {
			return nil, fmt.Errorf("ode: DeferDensity needs a potential whose reverse modes return Δφ (runtime.DensityReverser); %s has none", pot.Name())
		}
		it.dr, it.laps = dr, buffers(cfg.Steps*s, B)
	}
	// Keeping the first layer's outputs of every stored (or recomputed)
	// stage saves the adjoint one product per stage (exact Laplacian only).
	// Both memory modes keep them, so that they still give bitwise the same
	// gradients.
	if cfg.Score {
		if err := it.newScore(); err != nil {
			return nil, err
		}
	}
	if sv, ok := pot.(runtime.Saver); ok && !cfg.Hutchinson && !cfg.NoRecord && it.dr == nil && !cfg.Score {
		it.saver = sv
		n := cfg.Steps * s
		if cfg.Memory == Recompute {
			n = cfg.Every * s
		}
		it.saved = mk(n, B*sv.SaveSize())
	}
	return it, nil
}

// normalize checks cfg and fills in its defaults.
func (cfg *Config) normalize() error {
	if cfg.Tableau == nil {
		cfg.Tableau = RK4
	}
	if cfg.Steps < 1 || !(cfg.Dt > 0) || math.IsInf(cfg.Dt, 0) {
		return fmt.Errorf("ode: need steps ≥ 1 and a positive finite dt, got %d and %v", cfg.Steps, cfg.Dt)
	}
	if cfg.MaxBatch < 1 {
		return fmt.Errorf("ode: MaxBatch must be positive")
	}
	if cfg.Every < 1 {
		cfg.Every = 10
	}
	return nil
}

// trajectory returns the buffers a recorded run keeps, each of size
// elements: every stage state (Store), or every Every-th state and the
// stage states of one segment (Recompute); none with NoRecord.
func (cfg *Config) trajectory(size int) (states, seg [][]float64) {
	s := cfg.Tableau.Stages()
	switch {
	case cfg.NoRecord:
	case cfg.Memory == Store:
		states = buffers(cfg.Steps*s, size)
	case cfg.Memory == Recompute:
		states = buffers((cfg.Steps+cfg.Every-1)/cfg.Every, size)
		seg = buffers(cfg.Every*s, size)
	}
	return states, seg
}

// buffers returns n zeroed slices of size elements.
func buffers(n, size int) [][]float64 {
	out := make([][]float64, n)
	for i := range out {
		out[i] = make([]float64, size)
	}
	return out
}

// Potential returns the integrated potential.
func (it *Integrator) Potential() runtime.Potential { return it.pot }

// Workspace returns the integrator's workspace (for other evaluations on
// the same goroutine).
func (it *Integrator) Workspace() runtime.Workspace { return it.ws }

// setProbes fills the Rademacher probes of (step, stage) deterministically
// from the run's probe seed, so that recomputation and the reverse mode see
// the same probes.
func (it *Integrator) setProbes(step, stage int) {
	it.pcg.Seed(it.probeSeed, uint64(step)<<8|uint64(stage))
	rng := it.rng
	p := it.probes[:it.nb*it.P*it.D]
	for i := 0; i < len(p); i += 64 {
		bits := rng.Uint64()
		for j := i; j < min(i+64, len(p)); j++ {
			p[j] = float64(int(bits&1)*2 - 1)
			bits >>= 1
		}
	}
}

// StageTime returns the flow time t at which stage i of step n of a run in
// direction sigma evaluates φ(·, t): t_n + c_i·dt with c_i = Σ_j A[i][j]
// when sampling (t from 0 to T), and T − (n + c_i)·dt in the density
// direction, which runs the same flow backwards from T to 0.
func (cfg *Config) StageTime(sigma float64, n, i int) float64 {
	c := 0.0
	for _, a := range cfg.Tableau.A[i] {
		c += a
	}
	if sigma > 0 {
		return (float64(n) + c) * cfg.Dt
	}
	return (float64(cfg.Steps-n) - c) * cfg.Dt
}

// setTime sets a time-dependent potential's time to that of stage i of
// step n (see Config.StageTime).
func (it *Integrator) setTime(n, i int) {
	if it.td != nil {
		it.td.SetTime(it.ws, it.cfg.StageTime(it.sigma, n, i))
	}
}

// randomSeedMix separates the random symmetry elements' stream from the
// probes' (both derive from the seed of Run).
const randomSeedMix = 0x9e3779b97f4a7c15

// setTransform draws g_n, the random group element of step n, as a pure
// function of the run's seed and n, so that the adjoint and recomputation
// see the same elements. Without random symmetries it does nothing.
func (it *Integrator) setTransform(step int) {
	if it.rnd == nil || it.permStep == step {
		return
	}
	t := step // flow-time index of the step
	if it.sigma < 0 {
		t = it.cfg.Steps - 1 - step
	}
	it.rpcg.Seed(it.probeSeed^randomSeedMix, uint64(t))
	it.sign = it.rnd.Draw(it.rrng, it.perm)
	it.permStep = step
}

// transform writes g·x for every sample of x (nb×D) to dst.
func (it *Integrator) transform(dst, x []float64) {
	g, D := ir.Transform{Perm: it.perm, Sign: it.sign}, it.D
	for b := 0; b < it.nb; b++ {
		g.Apply(dst[b*D:(b+1)*D], x[b*D:(b+1)*D])
	}
}

// transformT writes gᵀ·y for every sample of y (nb×D) to dst.
func (it *Integrator) transformT(dst, y []float64) {
	g, D := ir.Transform{Perm: it.perm, Sign: it.sign}, it.D
	for b := 0; b < it.nb; b++ {
		g.ApplyT(dst[b*D:(b+1)*D], y[b*D:(b+1)*D])
	}
}

// eval computes the stage slope k = σ∇φ(y) and adds h·w·(−σΔφ(y)) to a.
// With a random symmetry element g of the step, φ is φ∘g: the slope is
// σ·gᵀ∇φ(g·y) and the Laplacian Δφ(g·y).
func (it *Integrator) eval(step, stage int, y, k, a []float64, hw float64, save []float64) {
	nb := it.nb
	g := it.grad[:nb*it.D]
	lap := it.lap[:nb]
	if it.rnd != nil {
		gy := it.gy[:nb*it.D]
		it.transform(gy, y)
		y = gy
	}
	it.setTime(step, stage)
	if it.deferring {
		// Adjoint computes this stage's Δφ (and a's term).
		it.pot.Grad(it.ws, nil, g, y)
	} else if it.cfg.Hutchinson {
		it.setProbes(step, stage)
		it.pot.Hutchinson(it.ws, nil, g, lap, y, it.probes[:nb*it.P*it.D])
	} else if save != nil {
		it.saver.LaplacianSave(it.ws, nil, g, lap, y, save[:nb*it.saver.SaveSize()])
	} else {
		it.pot.Laplacian(it.ws, nil, g, lap, y)
	}
	if it.rnd != nil {
		it.transformT(k, g)
		for i := range k {
			k[i] *= it.sigma
		}
	} else {
		for i, v := range g {
			k[i] = it.sigma * v
		}
	}
	if a != nil && hw != 0 && !it.deferring {
		for b, l := range lap {
			a[b] -= hw * it.sigma * l
		}
	}
}

// step advances x and a by one step from x (the stage states go to ys and,
// when saves is not nil, the potential's kept first-layer outputs to saves).
func (it *Integrator) step(n int, x, a []float64, ys, saves [][]float64) {
	tab, h := it.cfg.Tableau, it.cfg.Dt
	nd := it.nb * it.D
	it.setTransform(n)
	for i := range tab.B {
		yi := ys[i][:nd]
		copy(yi, x)
		for j, aij := range tab.A[i] {
			if aij != 0 {
				kj := it.k[j][:nd]
				for e := range yi {
					yi[e] += h * aij * kj[e]
				}
			}
		}
		var save []float64
		if saves != nil {
			save = saves[i]
		}
		it.eval(n, i, yi, it.k[i][:nd], a, h*tab.B[i], save)
	}
	for i, bi := range tab.B {
		if bi == 0 {
			continue
		}
		ki := it.k[i][:nd]
		for e := range x {
			x[e] += h * bi * ki[e]
		}
	}
}

// Run integrates the batch x (B×D, overwritten with x(T)) and a (B,
// overwritten with a(T)) in direction sigma (+1 sampling, −1 density).
// With record, it keeps what Adjoint needs. probeSeed seeds the
// Hutchinson probes (ignored for the exact Laplacian) and the random
// symmetry elements, if the potential has any. It does not allocate.
func (it *Integrator) Run(x, a []float64, sigma float64, record bool, probeSeed uint64) {
	if len(x) != len(a)*it.D || len(a) > it.cfg.MaxBatch || len(a) == 0 {
		panic("ode: Run: bad batch")
	}
	if record && it.cfg.NoRecord {
		panic("ode: Run: cannot record with Config.NoRecord")
	}
	it.nb, it.sigma, it.recording, it.probeSeed = len(a), sigma, record, probeSeed
	it.deferring, it.aRun = record && it.dr != nil, a
	it.scoreRecorded = false
	it.permStep = -1
	s := it.cfg.Tableau.Stages()
	nd := it.nb * it.D
	for n := 0; n < it.cfg.Steps; n++ {
		ys := it.y
		var saves [][]float64
		switch {
		case record && it.cfg.Memory == Store:
			ys, saves = it.states[n*s:(n+1)*s], it.savesOf(n)
		case record && n%it.cfg.Every == 0:
			copy(it.states[n/it.cfg.Every][:nd], x)
		}
		it.step(n, x, a, ys, saves)
	}
}

// Adjoint back-propagates through the last recorded Run: given the
// cotangent xb of x(T) (B×D, overwritten with the cotangent of x(0)) and
// the cotangent ab of a(T) (per sample; a(0) gets the same), it adds the
// gradient with respect to the parameters to dtheta. It does not allocate.
func (it *Integrator) Adjoint(xb, ab, dtheta []float64) {
	if !it.recording {
		panic("ode: Adjoint without a recorded Run")
	}
	if len(xb) != it.nb*it.D || len(ab) != it.nb {
		panic("ode: Adjoint: bad batch")
	}
	s := it.cfg.Tableau.Stages()
	nd := it.nb * it.D
	if d, ok := it.pot.(runtime.GradDeferrer); ok {
		d.DeferGrad(it.ws, true)
		defer func() {
			d.FlushGrad(it.ws, dtheta)
			d.DeferGrad(it.ws, false)
		}()
	}
	if it.deferring {
		defer it.completeDensity()
	}
	switch it.cfg.Memory {
	case Store:
		for n := it.cfg.Steps - 1; n >= 0; n-- {
			it.adjointStep(n, it.states[n*s:(n+1)*s], it.savesOf(n), xb, ab, dtheta)
		}
	case Recompute:
		e := it.cfg.Every
		nseg := len(it.states)
		saveNb := it.nb
		for c := nseg - 1; c >= 0; c-- {
			first := c * e
			last := min(first+e, it.cfg.Steps)
			// Recompute the segment's stage states from its checkpoint.
			x := it.u[:nd]
			copy(x, it.states[c][:nd])
			for n := first; n < last; n++ {
				it.step(n, x, nil, it.seg[(n-first)*s:(n-first+1)*s], it.savesOf(n-first))
			}
			it.nb = saveNb
			for n := last - 1; n >= first; n-- {
				it.adjointStep(n, it.seg[(n-first)*s:(n-first+1)*s], it.savesOf(n-first), xb, ab, dtheta)
			}
		}
	}
}

// completeDensity adds the density terms of a deferred run to its a, in
// the order and with the products of Run's stages (eval).
func (it *Integrator) completeDensity() {
	tab, h := it.cfg.Tableau, it.cfg.Dt
	a, S := it.aRun[:it.nb], tab.Stages()
	for n := 0; n < it.cfg.Steps; n++ {
		for i := 0; i < S; i++ {
			hw := h * tab.B[i]
			if hw == 0 {
				continue
			}
			for b, l := range it.laps[n*S+i][:it.nb] {
				a[b] -= hw * it.sigma * l
			}
		}
	}
	it.deferring = false
}

// savesOf returns the kept first-layer outputs of the stages of the i-th
// step in it.saved (a step of the run with Store, of the segment with
// Recompute), or nil without a runtime.Saver.
func (it *Integrator) savesOf(i int) [][]float64 {
	if it.saved == nil {
		return nil
	}
	s := it.cfg.Tableau.Stages()
	return it.saved[i*s : (i+1)*s]
}

// adjointStep propagates the cotangents through step n whose stage states
// are ys (and kept first-layer outputs saves, or nil): with k̄_i = h·B_i·x̄ + h·Σ_{l>i} A_li·ȳ_l and m̄_i = h·B_i·ā, stage
// i's reverse mode at y_i with u = σ·k̄_i and s = −σ·m̄_i gives ȳ_i, and
// x̄ ← x̄ + Σ_i ȳ_i.
func (it *Integrator) adjointStep(n int, ys, saves [][]float64, xb, ab, dtheta []float64) {
	tab, h := it.cfg.Tableau, it.cfg.Dt
	nd := it.nb * it.D
	S := tab.Stages()
	it.setTransform(n)
	for i := 0; i < S; i++ {
		kb := it.kb[i][:nd]
		for e, v := range xb {
			kb[e] = h * tab.B[i] * v
		}
	}
	yb := it.yb[:nd]
	sc := it.sc[:it.nb]
	for i := S - 1; i >= 0; i-- {
		kb := it.kb[i][:nd]
		if tab.B[i] == 0 && allZero(kb) {
			continue
		}
		u := it.u[:nd]
		for e, v := range kb {
			u[e] = it.sigma * v
		}
		for b := range sc {
			sc[b] = -it.sigma * h * tab.B[i] * ab[b]
		}
		y := ys[i][:nd]
		if it.rnd != nil {
			// Stage i evaluates φ∘g at y: its reverse mode is φ's at
			// g·y with u ← g·u, and ȳ ← gᵀ·ȳ.
			gy, gu := it.gy[:nd], it.gt[:nd]
			it.transform(gy, y)
			it.transform(gu, u)
			y, u = gy, gu
		}
		it.setTime(n, i)
		if it.deferring {
			lap := it.laps[n*S+i][:it.nb]
			if it.cfg.Hutchinson {
				it.setProbes(n, i)
				it.dr.ReverseHutchinsonLap(it.ws, yb, dtheta, lap, y, nil, u, sc, it.probes[:it.nb*it.P*it.D])
			} else {
				it.dr.ReverseLap(it.ws, yb, dtheta, lap, y, nil, u, sc)
			}
		} else if it.cfg.Hutchinson {
			it.setProbes(n, i)
			it.pot.ReverseHutchinson(it.ws, yb, dtheta, y, nil, u, sc, it.probes[:it.nb*it.P*it.D])
		} else if saves != nil {
			it.saver.ReverseSaved(it.ws, yb, dtheta, y, nil, u, sc, saves[i][:it.nb*it.saver.SaveSize()])
		} else {
			it.pot.Reverse(it.ws, yb, dtheta, y, nil, u, sc)
		}
		if it.rnd != nil {
			t := it.gt[:nd] // g·u is no longer needed
			copy(t, yb)
			it.transformT(yb, t)
		}
		for e, v := range yb {
			xb[e] += v
		}
		for j, aij := range tab.A[i] {
			if aij == 0 {
				continue
			}
			kj := it.kb[j][:nd]
			for e, v := range yb {
				kj[e] += h * aij * v
			}
		}
	}
}

func allZero(v []float64) bool {
	for _, x := range v {
		if x != 0 {
			return false
		}
	}
	return true
}

// LogNormal returns ln N(z; 0, I) = −½ Σᵢ (zᵢ² + ln 2π) for one point.
func LogNormal(z []float64) float64 {
	var s float64
	for _, v := range z {
		s += v * v
	}
	return -0.5 * (s + float64(len(z))*math.Log(2*math.Pi))
}
