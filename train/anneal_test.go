package train_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mafc-dev/mafc/generated/ising8"
	"github.com/mafc-dev/mafc/ir"
	"github.com/mafc-dev/mafc/train"
)

const tc = 2.269185314213022

func newAnnealed(t *testing.T, workers, steps int, an *ir.Anneal) (*train.Trainer, *train.Variational) {
	t.Helper()
	obj, err := train.NewVariational(8, 8, tc, 3)
	require.NoError(t, err)
	obj.Anneal = an
	tr, err := train.New(ising8.New(), obj, config(workers, steps))
	require.NoError(t, err)
	t.Cleanup(tr.Close)
	return tr, obj
}

// TestAnnealTargets: step 1 of an annealed run trains against the
// relaxation at the start temperature (its loss is that of an unannealed
// run at that temperature), the steps after the anneal against the target
// itself.
func TestAnnealTargets(t *testing.T) {
	an := &ir.Anneal{From: 4, Hold: 1, Steps: 3}
	tr, obj := newAnnealed(t, 2, 6, an)
	hot, err := train.NewVariational(8, 8, 4, 3)
	require.NoError(t, err)
	ref, err := train.New(ising8.New(), hot, config(2, 6))
	require.NoError(t, err)
	t.Cleanup(ref.Close)

	r1, err := tr.Step()
	require.NoError(t, err)
	h1, err := ref.Step()
	require.NoError(t, err)
	require.Equal(t, h1.Loss, r1.Loss, "step 1 loss: annealed run against an unannealed run at T = 4")
	require.Equal(t, 4.0, obj.Current().T())
	for n := int64(2); n <= 4; n++ {
		_, err := tr.Step()
		require.NoError(t, err)
		T := obj.Current().T()
		require.Equal(t, an.Temperature(n, tc), T, "step %d", n)
		if n == 2 {
			require.Equal(t, 4.0, T, "step 2 is the first of the cooling, still at T = 4")
			continue
		}
		require.True(t, tc < T && T < 4, "step %d: T = %v is not between T_c and 4", n, T)
	}
	_, err = tr.Step()
	require.NoError(t, err)
	require.Same(t, obj.Target, obj.Current(), "step 5 must train against the target itself")
}

// TestAnnealResumeIsBitIdentical interrupts an annealed run inside the
// anneal and checks that the resumed run ends exactly where an
// uninterrupted one ends: the schedule depends on the step alone.
func TestAnnealResumeIsBitIdentical(t *testing.T) {
	an := &ir.Anneal{From: 3.5, Hold: 1, Steps: 3}
	full, _ := newAnnealed(t, 2, 6, an)
	require.NoError(t, full.Run(context.Background(), nil))

	part, _ := newAnnealed(t, 2, 6, an)
	ctx, cancel := context.WithCancel(context.Background())
	err := part.Run(ctx, func(r train.Record) error {
		if r.Step == 2 {
			cancel()
		}
		return nil
	})
	require.ErrorIs(t, err, context.Canceled)
	snap, err := part.Snapshot()
	require.NoError(t, err)

	resumed, _ := newAnnealed(t, 1, 6, an)
	require.NoError(t, resumed.Restore(snap))
	require.NoError(t, resumed.Run(context.Background(), nil))
	require.Equal(t, bits(full.Pot.Params()), bits(resumed.Pot.Params()), "resumed annealed run differs from the uninterrupted one")
	for i := range full.History {
		require.Equal(t, full.History[i].Loss, resumed.History[i].Loss, "loss at step %d", i+1)
	}

	plain := newTrainer(t, 2, 6)
	require.NoError(t, plain.Run(context.Background(), nil))
	require.NotEqual(t, bits(plain.Pot.Params()), bits(full.Pot.Params()), "the anneal changed nothing")
}
