// Package train trains a compiled potential through its flow: the
// objectives (variational against the Ising relaxation, maximum likelihood
// on a dataset), data-parallel gradient computation over goroutines and
// processes ([Comm]) with a result independent of the number of workers
// and processes, the optimiser step, and
// checkpoints that make interrupted runs resume bit-identically.
package train

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"math"
	"sync"
	"time"

	"github.com/mafc-dev/mafc/ode"
	"github.com/mafc-dev/mafc/runtime"
	"github.com/mafc-dev/mafc/runtime/gemm"
	"github.com/mafc-dev/mafc/train/optim"
)

// Config configures a Trainer. Zero fields take the defaults noted.
type Config struct {
	Steps int // optimiser steps in total
	Batch int
	Seed  uint64
	// Workers is the number of cores to use (default 1): min(Workers,
	// Shards) goroutines compute shards, and the GEMMs of each use
	// Workers/goroutines threads (package gemm's setting is process-wide).
	Workers int
	// Shards is the fixed number of micro-batches a batch is split into
	// (default min(2, Batch)). Results depend on Shards but not on Workers.
	Shards    int
	Optimizer optim.Settings
	// Flow is how each worker integrates: the method, steps and step size
	// of the flow, the Laplacian (Hutchinson), the adjoint's memory mode
	// and segment length, and InputSpace, which integrates in x even where
	// the hidden-space integrator (ode.Hidden) is cheaper
	// (ode.PreferHidden: one-hidden-layer potentials with at most 2·D
	// hidden units, such as both paper models; both give the same flow up
	// to rounding). New sets MaxBatch to the largest shard and NoRecord to
	// false (the adjoint needs the trajectory), and DeferDensity where the
	// objective is a DensityLinear and the potential a float64
	// runtime.DensityReverser (with the exact Laplacian: not a
	// runtime.Saver): each step's forward integration then computes no
	// Laplacian, and the adjoint, whose reverse modes compute Δφ anyway,
	// completes ln p, so the losses come after the gradient (the
	// parameters are bit for bit the same; see deferDensity).
	Flow ode.Config
	// Comm spreads the shards over processes (nil: this process alone,
	// [Local]). Each rank computes a contiguous run of shards; the shard
	// gradients and losses are gathered and summed in shard order on every
	// rank, so θ, losses and checkpoints are bit for bit those of one
	// process with the same Shards. Shards must be at least Comm.Size().
	Comm Comm
	// ForceMatching is δ ≥ 0 of the force-matching term (0: off). With
	// δ > 0 the objective must be a ForceMatcher, the Laplacian exact, the
	// kernels float64 and the run in one process; each worker integrates
	// the score along the flow in x (ode's score flow: Flow.Score, no
	// deferred density), and the step minimises the mean of loss + δ·force.
	// Record.Loss stays the objective's loss; Record.Force is the force
	// term's mean.
	ForceMatching float64
}

// Record is one step's summary.
type Record struct {
	Step    int64   `json:"step"`
	Epoch   float64 `json:"epoch,omitempty"`
	Loss    float64 `json:"loss"`
	StdErr  float64 `json:"stderr"`
	LR      float64 `json:"lr"`
	GNorm   float64 `json:"grad_norm"`
	Seconds float64 `json:"seconds"`
	// Force is the mean force term ‖∇ₓ ln p − ∇ₓ ln π̃‖²/N of the step's
	// samples, with Config.ForceMatching > 0 (else 0).
	Force float64 `json:"force,omitempty"`
}

// Trainer runs optimisation steps.
type Trainer struct {
	Pot runtime.Potential
	Obj Objective
	Cfg Config
	Opt *optim.Optimizer

	step    int64
	History []Record
	broken  error // a NonFiniteError after the update: θ is lost

	x0, a0, xT, aT, loss []float64
	force                []float64 // per sample, with Config.ForceMatching
	shardGrad            [][]float64
	grad                 []float64
	shardLo              []int
	workers              []*worker
	jobs                 chan int
	done                 chan error
	closeOnce            sync.Once
	prevThreads          int
	dist                 *distributed // nil for a single process
}

type worker struct {
	it     ode.Flow
	xb, ab []float64
	s, sb  []float64 // score and its cotangent, with Config.ForceMatching
}

// New returns a trainer; Close releases its goroutines.
func New(pot runtime.Potential, obj Objective, cfg Config) (*Trainer, error) {
	if cfg.Batch < 1 {
		return nil, fmt.Errorf("train: batch must be positive")
	}
	if cfg.Workers < 1 {
		cfg.Workers = 1
	}
	if cfg.Shards < 1 {
		cfg.Shards = min(2, cfg.Batch)
	}
	cfg.Shards = min(cfg.Shards, cfg.Batch)
	if cfg.Comm == nil {
		cfg.Comm = Local{}
	}
	if size := cfg.Comm.Size(); cfg.Shards < size {
		return nil, fmt.Errorf("train: %d shards cannot be spread over %d processes: use at least %d shards (-shards; results depend on the shards, not on the processes)", cfg.Shards, size, size)
	}
	myLo, myHi := Span(cfg.Shards, cfg.Comm.Rank(), cfg.Comm.Size())
	goroutines := min(cfg.Workers, myHi-myLo)
	prevThreads := gemm.Threads()
	gemm.SetThreads(max(1, cfg.Workers/goroutines))
	cfg.Workers = goroutines
	opt, err := optim.New(cfg.Optimizer, pot.NumParams())
	if err != nil {
		return nil, err
	}
	cfg.Flow.DeferDensity = deferDensity(pot, obj, cfg.Flow.Hutchinson)
	if err := checkForceMatching(pot, obj, &cfg); err != nil {
		return nil, err
	}
	D, B := pot.Dim(), cfg.Batch
	t := &Trainer{Pot: pot, Obj: obj, Cfg: cfg, Opt: opt, prevThreads: prevThreads}
	t.x0, t.a0 = make([]float64, B*D), make([]float64, B)
	t.xT, t.aT, t.loss = make([]float64, B*D), make([]float64, B), make([]float64, B)
	t.grad = make([]float64, pot.NumParams())
	if cfg.ForceMatching > 0 {
		t.force = make([]float64, B)
	}
	maxShard := 0
	for s := 0; s <= cfg.Shards; s++ {
		t.shardLo = append(t.shardLo, s*B/cfg.Shards)
		if s > 0 {
			maxShard = max(maxShard, t.shardLo[s]-t.shardLo[s-1])
		}
	}
	if cfg.Comm.Size() > 1 {
		if t.dist, err = newDistributed(t, myLo, myHi); err != nil {
			return nil, err
		}
	} else {
		for s := 0; s < cfg.Shards; s++ {
			t.shardGrad = append(t.shardGrad, make([]float64, pot.NumParams()))
		}
	}
	t.jobs, t.done = make(chan int, cfg.Shards), make(chan error, cfg.Shards)
	// History grows with the steps done; it is not preallocated for
	// cfg.Steps, which may be up to 2³⁰.
	for w := 0; w < cfg.Workers; w++ {
		fc := cfg.Flow
		fc.MaxBatch, fc.NoRecord = maxShard, false
		it, err := ode.NewFlow(pot, fc)
		if err != nil {
			return nil, err
		}
		wk := &worker{it: it, xb: make([]float64, maxShard*D), ab: make([]float64, maxShard)}
		if cfg.ForceMatching > 0 {
			wk.s, wk.sb = make([]float64, maxShard*D), make([]float64, maxShard*D)
		}
		t.workers = append(t.workers, wk)
		go t.serve(wk)
	}
	return t, nil
}

// deferDensity reports whether training pot on obj leaves the density to
// the adjoint (ode.Config.DeferDensity): where obj is a DensityLinear and
// pot a runtime.DensityReverser, except where that would change a run's
// numbers beyond ln p's last bits: with the exact Laplacian, a
// runtime.Saver's adjoint reuses the first layer's outputs kept by the
// forward Laplacian (its gradients round differently without them), and a
// float32 potential's value pass rounds ∇φ differently from its Laplacian
// pass, which would move the trajectory. The float64 value pass gives ∇φ
// bit for bit as the Laplacian pass does, and so the same parameters,
// except where a product's last rows fall to gemm's edge kernels in one
// pass and not in the other (TestDeferredDensity: ising16cnn4 on shards of
// 2 samples; not on shards of 3 or 32): there the last bits differ.
func deferDensity(pot runtime.Potential, obj Objective, hutchinson bool) bool {
	if _, ok := obj.(DensityLinear); !ok {
		return false
	}
	if _, ok := pot.(runtime.DensityReverser); !ok {
		return false
	}
	if _, ok := pot.(runtime.Saver); ok && !hutchinson {
		return false
	}
	return pot.Program().Precision != "float32"
}

// checkForceMatching checks that cfg's force matching (if any) can run and
// configures the flow for it: the score flow in x, without the deferred
// density.
func checkForceMatching(pot runtime.Potential, obj Objective, cfg *Config) error {
	d := cfg.ForceMatching
	if d == 0 {
		return nil
	}
	switch {
	case !(d > 0) || math.IsInf(d, 0):
		return fmt.Errorf("train: force matching's δ must be positive and finite (0 turns it off), got %v", d)
	case cfg.Flow.Hutchinson:
		return fmt.Errorf("train: force matching needs the exact Laplacian (its score needs ∇Δφ), not hutchinson")
	case pot.Program().Precision == "float32":
		return fmt.Errorf("train: force matching needs float64 kernels; %s is float32", pot.Name())
	case cfg.Comm.Size() > 1:
		return fmt.Errorf("train: force matching runs in one process (its force terms are not gathered across %d processes)", cfg.Comm.Size())
	}
	if _, ok := obj.(ForceMatcher); !ok {
		return fmt.Errorf("train: force matching needs a target's ∇ₓ ln π̃: it works with a variational objective only")
	}
	cfg.Flow.Score, cfg.Flow.DeferDensity = true, false
	return nil
}

// Close stops the worker goroutines and restores package gemm's thread
// count.
func (t *Trainer) Close() {
	t.closeOnce.Do(func() {
		close(t.jobs)
		gemm.SetThreads(t.prevThreads)
	})
}

// StepsDone returns the number of optimiser steps done.
func (t *Trainer) StepsDone() int64 { return t.step }

// Hidden reports whether the trainer integrates in the hidden layer's
// pre-activations (ode.Hidden, chosen by ode.NewFlow where it is cheaper,
// unless Config.Flow.InputSpace) rather than in x.
func (t *Trainer) Hidden() bool {
	_, ok := t.workers[0].it.(*ode.Hidden)
	return ok
}

func (t *Trainer) serve(wk *worker) {
	for s := range t.jobs {
		t.done <- t.shard(wk, s)
	}
}

// shard computes the loss and gradient of micro-batch s.
func (t *Trainer) shard(wk *worker, s int) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("train: shard %d: %v", s, r)
		}
	}()
	D := t.Pot.Dim()
	lo, hi := t.shardLo[s], t.shardLo[s+1]
	x, a := t.xT[lo*D:hi*D], t.aT[lo:hi]
	copy(x, t.x0[lo*D:hi*D])
	copy(a, t.a0[lo:hi])
	n := hi - lo
	seed := mix(t.Cfg.Seed, uint64(t.step), uint64(s))
	if t.Cfg.ForceMatching > 0 {
		return t.forceShard(wk, s, x, a, seed)
	}
	wk.it.Run(x, a, t.Obj.Sigma(), true, seed)
	xb, ab := wk.xb[:n*D], wk.ab[:n]
	t.Obj.Loss(x, a, t.loss[lo:hi], xb, ab, t.Cfg.Batch)
	g := t.shardGrad[s]
	clear(g)
	wk.it.Adjoint(xb, ab, g)
	if t.Cfg.Flow.DeferDensity {
		// The adjoint completed a(T) (the cotangents did not need it):
		// the losses again, with xb and ab as scratch.
		t.Obj.Loss(x, a, t.loss[lo:hi], xb, ab, t.Cfg.Batch)
	}
	return nil
}

// forceShard is shard with force matching: the flow carries the score, and
// the gradient is that of loss + δ·force.
func (t *Trainer) forceShard(wk *worker, s int, x, a []float64, seed uint64) error {
	lo, hi := t.shardLo[s], t.shardLo[s+1]
	nd := (hi - lo) * t.Pot.Dim()
	fm, it := t.Obj.(ForceMatcher), wk.it.(*ode.Integrator)
	sc, xb, ab, sb := wk.s[:nd], wk.xb[:nd], wk.ab[:hi-lo], wk.sb[:nd]
	fm.InitScore(x, sc)
	it.RunScore(x, a, sc, t.Obj.Sigma(), true, seed)
	fm.ForceLoss(x, a, sc, t.loss[lo:hi], t.force[lo:hi], xb, ab, sb, t.Cfg.Batch, t.Cfg.ForceMatching)
	g := t.shardGrad[s]
	clear(g)
	it.AdjointScore(xb, ab, sb, g)
	return nil
}

func mix(a, b, c uint64) uint64 {
	h := fnv.New64a()
	var buf [24]byte
	for i, v := range []uint64{a, b, c} {
		for k := 0; k < 8; k++ {
			buf[i*8+k] = byte(v >> (8 * k))
		}
	}
	h.Write(buf[:])
	return h.Sum64()
}

// NonFiniteError reports a NaN or Inf in training: in the loss or the
// gradient of step Step, computed from the parameters after step Step−1
// (which are then suspect, and the step is not applied), or, with
// AfterUpdate, in the parameters that the update of step Step produced
// from finite ones (the trainer can then not continue or be snapshotted).
type NonFiniteError struct {
	Step        int64
	Quantity    string
	AfterUpdate bool
}

func (e *NonFiniteError) Error() string {
	return fmt.Sprintf("train: step %d: %s is not finite; training stopped (lower the learning rate or the step size dt)", e.Step, e.Quantity)
}

// Step runs one optimisation step and returns its record.
func (t *Trainer) Step() (Record, error) {
	if t.broken != nil {
		return Record{}, t.broken
	}
	start := time.Now()
	if st, ok := t.Obj.(Stepped); ok {
		if err := st.SetStep(t.step + 1); err != nil {
			return Record{}, err
		}
	}
	t.Obj.Next(t.x0, t.a0)
	epoch := t.Obj.Epoch()
	lo, hi := 0, t.Cfg.Shards
	if t.dist != nil {
		lo, hi = t.dist.lo, t.dist.hi
	}
	for s := lo; s < hi; s++ {
		t.jobs <- s // buffered: no goroutine per step
	}
	var errs []error
	for s := lo; s < hi; s++ {
		if err := <-t.done; err != nil {
			errs = append(errs, err)
		}
	}
	if t.dist != nil {
		if err := t.dist.gather(errors.Join(errs...)); err != nil {
			return Record{}, err
		}
	} else if len(errs) > 0 {
		return Record{}, errors.Join(errs...)
	}
	// Fixed-order reduction: the result does not depend on the workers.
	copy(t.grad, t.shardGrad[0])
	for _, g := range t.shardGrad[1:] {
		for i, v := range g {
			t.grad[i] += v
		}
	}
	mean, se := MeanStdErr(t.loss)
	next := t.step + 1
	force, err := t.meanForce(next)
	if err != nil {
		return Record{}, err
	}
	if math.IsNaN(mean) || math.IsInf(mean, 0) {
		return Record{}, &NonFiniteError{Step: next, Quantity: "the loss"}
	}
	var gn float64
	for i, v := range t.grad {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return Record{}, &NonFiniteError{Step: next, Quantity: fmt.Sprintf("the gradient (θ[%d], %s)", i, t.paramName(i))}
		}
		gn += v * v
	}
	// Every number the step records must be finite too (the history is
	// written to checkpoints as JSON): a finite loss can have a standard
	// error, and finite gradients a norm, that overflow.
	if math.IsInf(se, 0) || math.IsNaN(se) {
		return Record{}, &NonFiniteError{Step: next, Quantity: "the loss's standard error"}
	}
	if math.IsInf(gn, 0) {
		return Record{}, &NonFiniteError{Step: next, Quantity: "the gradient's norm"}
	}
	lr := t.Opt.LR(t.Opt.Steps() + 1)
	t.Opt.Step(t.Pot.Params(), t.grad)
	for i, v := range t.Pot.Params() {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			t.broken = &NonFiniteError{Step: next, Quantity: fmt.Sprintf("θ[%d] (%s) after the update", i, t.paramName(i)), AfterUpdate: true}
			return Record{}, t.broken
		}
	}
	t.Pot.Sync()
	t.step = next
	rec := Record{Step: next, Epoch: epoch, Loss: mean, StdErr: se, LR: lr, GNorm: math.Sqrt(gn), Seconds: time.Since(start).Seconds(), Force: force}
	t.History = append(t.History, rec)
	return rec, nil
}

// meanForce returns the mean force term of step next's samples (0 without
// force matching).
func (t *Trainer) meanForce(next int64) (float64, error) {
	if t.force == nil {
		return 0, nil
	}
	f, _ := MeanStdErr(t.force)
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, &NonFiniteError{Step: next, Quantity: "the force term"}
	}
	return f, nil
}

func (t *Trainer) paramName(i int) string {
	for _, p := range t.Pot.Program().Params {
		if i >= p.Offset && i < p.Offset+p.Size {
			return p.Name
		}
	}
	return "?"
}

// FinalStates returns the final states x(T) and a(T) of the last step's
// batch (valid until the next step). With several processes (Config.Comm)
// it gathers them from all ranks, so all must call it after the same step.
func (t *Trainer) FinalStates() (x, a []float64) {
	if t.dist != nil {
		t.dist.gatherStates()
	}
	return t.xT, t.aT
}

// MeanStdErr returns the mean of v and its standard error
// (sample standard deviation / √n; 0 for fewer than two values).
func MeanStdErr(v []float64) (mean, se float64) {
	for _, x := range v {
		mean += x
	}
	mean /= float64(len(v))
	if len(v) < 2 {
		return mean, 0
	}
	var ss float64
	for _, x := range v {
		ss += (x - mean) * (x - mean)
	}
	return mean, math.Sqrt(ss / float64(len(v)-1) / float64(len(v)))
}

// Snapshot is the trainer's state for a checkpoint.
type Snapshot struct {
	Step      int64
	Epoch     float64
	Params    []float64
	Optim     map[string][]float64
	OptimT    int64
	Objective []byte
	History   []byte
}

// Snapshot captures the state (slices are copies). It fails after a
// [NonFiniteError] with AfterUpdate, which leaves no sound state.
func (t *Trainer) Snapshot() (*Snapshot, error) {
	if t.broken != nil {
		return nil, fmt.Errorf("train: no snapshot after a failed step: %w", t.broken)
	}
	ob, err := t.Obj.MarshalBinary()
	if err != nil {
		return nil, err
	}
	vec, n := t.Opt.State()
	cp := map[string][]float64{}
	for k, v := range vec {
		cp[k] = append([]float64(nil), v...)
	}
	h, err := json.Marshal(t.History)
	if err != nil {
		return nil, err
	}
	return &Snapshot{Step: t.step, Epoch: t.Obj.Epoch(), Params: append([]float64(nil), t.Pot.Params()...),
		Optim: cp, OptimT: n, Objective: ob, History: h}, nil
}

// Restore sets the trainer's state from a snapshot.
func (t *Trainer) Restore(s *Snapshot) error {
	if len(s.Params) != t.Pot.NumParams() {
		return fmt.Errorf("train: checkpoint has %d parameters, the model %d", len(s.Params), t.Pot.NumParams())
	}
	if err := t.Opt.SetState(s.Optim, s.OptimT); err != nil {
		return err
	}
	if err := t.Obj.UnmarshalBinary(s.Objective); err != nil {
		return fmt.Errorf("train: restoring the objective's state: %w", err)
	}
	var h []Record
	if len(s.History) > 0 {
		if err := json.Unmarshal(s.History, &h); err != nil {
			return fmt.Errorf("train: corrupt history in checkpoint: %w", err)
		}
	}
	copy(t.Pot.Params(), s.Params)
	t.Pot.Sync()
	t.step = s.Step
	t.History = h
	return nil
}

// Run steps until the configured number of steps is reached or ctx is
// done, calling after (if non-nil) after every step. With several
// processes (Config.Comm), a rank whose ctx is done finishes the step in
// progress together with all others, and then every rank returns an error
// wrapping [context.Canceled].
func (t *Trainer) Run(ctx context.Context, after func(Record) error) error {
	for t.step < int64(t.Cfg.Steps) {
		if t.dist != nil {
			// The ranks agree on stopping through the step's gather:
			// the step is done everywhere, then all stop.
			t.dist.stop = ctx.Err() != nil
		} else if err := ctx.Err(); err != nil {
			return err
		}
		rec, err := t.Step()
		if err != nil {
			return err
		}
		if after != nil {
			if err := after(rec); err != nil {
				return err
			}
		}
		if t.dist != nil && t.dist.stopAll {
			if err := ctx.Err(); err != nil {
				return err
			}
			return fmt.Errorf("another process was interrupted: %w", context.Canceled)
		}
	}
	return nil
}
