package train_test

import (
	"context"
	"fmt"
	"math"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mafc-dev/mafc/generated/ising8"
	"github.com/mafc-dev/mafc/train"
	"github.com/mafc-dev/mafc/train/commtest"
)

// rankResult is what one rank of a distributed run ends with.
type rankResult struct {
	params  []uint64
	history []train.Record
	xT, aT  []uint64
	err     error
}

// runRanks trains on n in-process ranks (package commtest) with cfg;
// cancelAt, if positive, cancels rank cancelRank's context after that step.
func runRanks(t *testing.T, n int, cfg train.Config, cancelRank int, cancelAt int64) []rankResult {
	t.Helper()
	comms := commtest.Group(n)
	out := make([]rankResult, n)
	var wg sync.WaitGroup
	for r := range n {
		obj, err := train.NewVariational(8, 8, 2/math.Log(1+math.Sqrt2), 3)
		require.NoError(t, err)
		c := cfg
		c.Comm = comms[r]
		tr, err := train.New(ising8.New(), obj, c)
		require.NoError(t, err)
		t.Cleanup(tr.Close)
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			res := &out[r]
			res.err = tr.Run(ctx, func(rec train.Record) error {
				if r == cancelRank && rec.Step == cancelAt {
					cancel()
				}
				return nil
			})
			x, a := tr.FinalStates() // collective: every rank calls it
			res.params, res.history, res.xT, res.aT = bits(tr.Pot.Params()), tr.History, bits(x), bits(a)
		}()
	}
	wg.Wait()
	return out
}

// sameRecords compares the records bit for bit, except the timings.
func sameRecords(t *testing.T, want, got []train.Record, what string) {
	t.Helper()
	require.Len(t, got, len(want), what)
	for i := range want {
		w, g := want[i], got[i]
		w.Seconds, g.Seconds = 0, 0
		require.Equal(t, fmt.Sprintf("%x %x %x %x", math.Float64bits(w.Loss), math.Float64bits(w.StdErr), math.Float64bits(w.GNorm), math.Float64bits(w.LR)),
			fmt.Sprintf("%x %x %x %x", math.Float64bits(g.Loss), math.Float64bits(g.StdErr), math.Float64bits(g.GNorm), math.Float64bits(g.LR)),
			"%s: step %d's loss, stderr, gradient norm and lr", what, w.Step)
	}
}

// TestProcessesDoNotChangeResults: 2, 3 and 4 ranks (in-process, with the
// shards dealt out between them) give bit for bit the parameters, losses
// and final states of one process with the same seed and shards.
func TestProcessesDoNotChangeResults(t *testing.T) {
	cfg := config(1, 4)
	cfg.Batch, cfg.Shards = 10, 5 // uneven shards and uneven spans
	ref := runRanks(t, 1, cfg, -1, 0)[0]
	require.NoError(t, ref.err)
	for _, n := range []int{2, 3, 5} {
		for r, got := range runRanks(t, n, cfg, -1, 0) {
			what := fmt.Sprintf("rank %d of %d", r, n)
			require.NoError(t, got.err, what)
			require.Equal(t, ref.params, got.params, "%s: parameters after 4 steps differ from one process", what)
			sameRecords(t, ref.history, got.history, what)
			require.Equal(t, ref.xT, got.xT, "%s: FinalStates x", what)
			require.Equal(t, ref.aT, got.aT, "%s: FinalStates a", what)
		}
	}
}

// TestProcessesStopTogether: an interrupt seen by one rank stops every
// rank after the same step, with the same parameters.
func TestProcessesStopTogether(t *testing.T) {
	res := runRanks(t, 2, config(1, 6), 1, 2)
	for r, got := range res {
		require.ErrorIs(t, got.err, context.Canceled, "rank %d", r)
		require.Len(t, got.history, 3, "rank %d: steps done (the step in progress when rank 1 was interrupted is finished)", r)
		require.Equal(t, res[0].params, got.params, "rank %d", r)
	}
}

// TestFewerShardsThanProcesses: every rank needs a shard.
func TestFewerShardsThanProcesses(t *testing.T) {
	obj, err := train.NewVariational(8, 8, 2.27, 3)
	require.NoError(t, err)
	cfg := config(1, 1)
	cfg.Comm = commtest.Group(5)[0]
	_, err = train.New(ising8.New(), obj, cfg)
	require.ErrorContains(t, err, "4 shards cannot be spread over 5 processes: use at least 5 shards")
}
