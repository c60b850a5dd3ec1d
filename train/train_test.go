package train_test

import (
	"context"
	"errors"
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mafc-dev/mafc/generated/ising8"
	"github.com/mafc-dev/mafc/ode"
	"github.com/mafc-dev/mafc/train"
	"github.com/mafc-dev/mafc/train/optim"
)

func config(workers, steps int) train.Config {
	return train.Config{
		Steps: steps, Batch: 8, Seed: 3, Workers: workers, Shards: 4,
		Optimizer: optim.Settings{Name: "adam", LR: 3e-3, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: 1e-3},
		Flow:      ode.Config{Tableau: ode.RK4, Steps: 6, Dt: 0.1},
	}
}

func newTrainer(t *testing.T, workers, steps int) *train.Trainer {
	t.Helper()
	obj, err := train.NewVariational(8, 8, 2/math.Log(1+math.Sqrt2), 3)
	require.NoError(t, err)
	tr, err := train.New(ising8.New(), obj, config(workers, steps))
	require.NoError(t, err)
	t.Cleanup(tr.Close)
	return tr
}

func bits(v []float64) []uint64 {
	out := make([]uint64, len(v))
	for i, x := range v {
		out[i] = math.Float64bits(x)
	}
	return out
}

// TestWorkersDoNotChangeResults: the same seed gives bit-identical
// parameters with 1, 2 and 4 workers (fixed shards, fixed reduction order).
func TestWorkersDoNotChangeResults(t *testing.T) {
	var ref []uint64
	for _, w := range []int{1, 2, 4} {
		tr := newTrainer(t, w, 4)
		require.NoError(t, tr.Run(context.Background(), nil))
		got := bits(tr.Pot.Params())
		if ref == nil {
			ref = got
			continue
		}
		require.Equal(t, ref, got, "parameters after 4 steps with %d workers differ from 1 worker", w)
	}
}

// TestResumeIsBitIdentical interrupts a run, restores a new trainer from the
// snapshot and checks it ends exactly where an uninterrupted run ends.
func TestResumeIsBitIdentical(t *testing.T) {
	full := newTrainer(t, 2, 6)
	require.NoError(t, full.Run(context.Background(), nil))

	part := newTrainer(t, 2, 6)
	ctx, cancel := context.WithCancel(context.Background())
	err := part.Run(ctx, func(r train.Record) error {
		if r.Step == 3 {
			cancel()
		}
		return nil
	})
	require.ErrorIs(t, err, context.Canceled)
	require.EqualValues(t, 3, part.StepsDone())
	snap, err := part.Snapshot()
	require.NoError(t, err)

	resumed := newTrainer(t, 1, 6)
	require.NoError(t, resumed.Restore(snap))
	require.NoError(t, resumed.Run(context.Background(), nil))
	require.Equal(t, bits(full.Pot.Params()), bits(resumed.Pot.Params()), "resumed run differs from the uninterrupted one")
	require.Len(t, resumed.History, 6)
	for i := range full.History {
		require.Equal(t, full.History[i].Loss, resumed.History[i].Loss, "loss at step %d", i+1)
	}
}

// TestMemoryModesAgree: storing every stage and recomputing segments give
// bit-identical training.
func TestMemoryModesAgree(t *testing.T) {
	run := func(mem ode.Memory) []uint64 {
		obj, err := train.NewVariational(8, 8, 2.269185314213022, 3)
		require.NoError(t, err)
		cfg := config(2, 2)
		cfg.Flow.Memory, cfg.Flow.Every = mem, 4
		tr, err := train.New(ising8.New(), obj, cfg)
		require.NoError(t, err)
		defer tr.Close()
		require.NoError(t, tr.Run(context.Background(), nil))
		return bits(tr.Pot.Params())
	}
	require.Equal(t, run(ode.Store), run(ode.Recompute))
}

// nanObjective makes the loss NaN from a given step on.
type nanObjective struct {
	train.Objective
	n, from int
}

func (o *nanObjective) Next(x0, a0 []float64) {
	o.n++
	o.Objective.Next(x0, a0)
	if o.n >= o.from {
		a0[0] = math.NaN()
	}
}

// runUntilNonFinite trains ising8 on the objective that wrap makes of the
// variational one until it fails, which it must with a NonFiniteError. It
// returns the trainer, the error and θ as it was before training.
func runUntilNonFinite(t *testing.T, wrap func(train.Objective) train.Objective) (*train.Trainer, *train.NonFiniteError, []float64) {
	t.Helper()
	obj, err := train.NewVariational(8, 8, 2.269185314213022, 3)
	require.NoError(t, err)
	tr, err := train.New(ising8.New(), wrap(obj), config(2, 5))
	require.NoError(t, err)
	t.Cleanup(tr.Close)
	before := append([]float64(nil), tr.Pot.Params()...)
	err = tr.Run(context.Background(), nil)
	var nf *train.NonFiniteError
	require.True(t, errors.As(err, &nf), "Run error = %v, want a NonFiniteError", err)
	return tr, nf, before
}

func TestNonFiniteStops(t *testing.T) {
	tr, nf, before := runUntilNonFinite(t, func(o train.Objective) train.Objective { return &nanObjective{Objective: o, from: 3} })
	require.EqualValues(t, 3, nf.Step)
	require.Contains(t, nf.Error(), "step 3")
	require.EqualValues(t, 2, tr.StepsDone(), "the bad step must not be applied")
	require.NotEqual(t, before, tr.Pot.Params())
}

// TestAllocationsPerStep: after the first step, a training step does not
// allocate.
func TestAllocationsPerStep(t *testing.T) {
	if testing.Short() {
		t.Skip("allocation counts are skipped in -short")
	}
	tr := newTrainer(t, 2, 100)
	_, err := tr.Step()
	require.NoError(t, err)
	allocs := testing.AllocsPerRun(3, func() {
		if _, err := tr.Step(); err != nil {
			t.Fatal(err)
		}
	})
	require.Zero(t, allocs, "allocations per training step")
}

// TestLossDecreases is a smoke test of learning on the 8×8 Ising target.
func TestLossDecreases(t *testing.T) {
	tr := newTrainer(t, 2, 40)
	require.NoError(t, tr.Run(context.Background(), nil))
	first, last := tr.History[0].Loss, tr.History[len(tr.History)-1].Loss
	require.Less(t, last, first-0.05, "loss per site did not decrease: %v → %v", first, last)
}

// scaledObjective multiplies the cotangents, and so the gradient, by k.
type scaledObjective struct {
	train.Objective
	k float64
}

func (o *scaledObjective) Loss(xT, aT, loss, xb, ab []float64, total int) {
	o.Objective.Loss(xT, aT, loss, xb, ab, total)
	for i := range xb {
		xb[i] *= o.k
	}
	for i := range ab {
		ab[i] *= o.k
	}
}

// TestNonFiniteParamsStop: an update that turns finite parameters into
// Inf (a finite but huge gradient times a huge learning rate) stops
// training at that step, which is not counted, and leaves nothing to
// snapshot, so no checkpoint can hold the non-finite θ.
func TestNonFiniteParamsStop(t *testing.T) {
	obj, err := train.NewVariational(8, 8, 2.269185314213022, 3)
	require.NoError(t, err)
	cfg := config(2, 5)
	cfg.Optimizer = optim.Settings{Name: "sgd", LR: 1e300}
	tr, err := train.New(ising8.New(), &scaledObjective{Objective: obj, k: 1e150}, cfg)
	require.NoError(t, err)
	defer tr.Close()
	err = tr.Run(context.Background(), nil)
	var nf *train.NonFiniteError
	require.True(t, errors.As(err, &nf), "Run error = %v, want a NonFiniteError", err)
	require.EqualValues(t, 1, nf.Step)
	require.True(t, nf.AfterUpdate, "NonFiniteError.AfterUpdate")
	require.Contains(t, err.Error(), "after the update")
	require.EqualValues(t, 0, tr.StepsDone(), "the bad step must not be counted")
	_, err = tr.Snapshot()
	require.ErrorContains(t, err, "no snapshot after a failed step")
	_, err = tr.Step()
	require.ErrorAs(t, err, &nf, "Step after the failure")
}

// TestOverflowingGradientNormStops: finite gradients whose norm overflows
// (so the step's record could not be written to a checkpoint) stop
// training before the update, like a non-finite gradient.
func TestOverflowingGradientNormStops(t *testing.T) {
	tr, nf, before := runUntilNonFinite(t, func(o train.Objective) train.Objective { return &scaledObjective{Objective: o, k: 1e200} })
	require.EqualValues(t, 1, nf.Step)
	require.False(t, nf.AfterUpdate)
	require.Contains(t, nf.Error(), "the gradient's norm is not finite")
	require.Equal(t, before, tr.Pot.Params(), "θ must not be updated")
}
