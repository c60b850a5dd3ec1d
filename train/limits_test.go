package train_test

import (
	"math"
	"runtime"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mafc-dev/mafc/generated/ising8"
	"github.com/mafc-dev/mafc/generated/mnist"
	"github.com/mafc-dev/mafc/generated/mnistf32"
	"github.com/mafc-dev/mafc/ir"
	"github.com/mafc-dev/mafc/limits"
	"github.com/mafc-dev/mafc/ode"
	mafcrt "github.com/mafc-dev/mafc/runtime"
	"github.com/mafc-dev/mafc/train"
)

// TestNewDoesNotPreallocateHistory: New allocates for the batch and the
// model, not for the number of steps (the history used to be preallocated:
// 56 bytes a step, 60 GiB at the documented maximum of 2³⁰ steps).
func TestNewDoesNotPreallocateHistory(t *testing.T) {
	obj, err := train.NewVariational(8, 8, 2/math.Log(1+math.Sqrt2), 3)
	require.NoError(t, err)
	cfg := config(1, 1<<24)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	tr, err := train.New(ising8.New(), obj, cfg)
	require.NoError(t, err)
	runtime.ReadMemStats(&after)
	tr.Close()
	allocated := after.TotalAlloc - before.TotalAlloc
	require.Less(t, allocated, uint64(64<<20), "train.New with %d steps allocated %d bytes", cfg.Steps, allocated)
}

// TestResourcesBoundTrainer checks limits.Resources, which the checker and
// the commands bound, against what train.New really allocates (the
// integrators' trajectories, scratch and workspaces, the batch buffers, the
// gradients and the optimiser): an upper bound, and not a loose one.
func TestResourcesBoundTrainer(t *testing.T) {
	for _, tc := range []struct {
		name   string
		memory string
		every  int
		steps  int
		hidden bool
		f32    bool
	}{
		{"store", "store", 0, 40, false, false},
		{"recompute", "recompute", 5, 40, false, false},
		{"recompute longer than the flow", "recompute", 64, 8, false, false},
		{"hidden space", "store", 0, 8, true, false},
		{"hidden space float32", "store", 0, 8, true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pot := mafcrt.Potential(ising8.New())
			L := 8
			if tc.hidden {
				pot, L = mnist.New(), 28 // H = 1024 ≤ 2·784: ode.Hidden
			}
			if tc.f32 {
				pot = mnistf32.New() // ode.Hidden in float32
			}
			obj, err := train.NewVariational(L, L, 2/math.Log(1+math.Sqrt2), 3)
			require.NoError(t, err)
			cfg := config(2, 10)
			cfg.Batch, cfg.Shards, cfg.Flow.Steps, cfg.Flow.Every = 64, 2, tc.steps, tc.every
			if tc.memory == "recompute" {
				cfg.Flow.Memory = ode.Recompute
			}
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			tr, err := train.New(pot, obj, cfg)
			require.NoError(t, err)
			runtime.ReadMemStats(&after)
			defer tr.Close()
			got := float64(after.TotalAlloc - before.TotalAlloc)

			require.Equal(t, tc.hidden, tr.Hidden())
			p := *pot.Program()
			p.Flow.Steps = tc.steps
			p.Train.Objective = ir.Objective{Kind: "variational", Target: ir.Target{Name: "ising", L1: L, L2: L}}
			est := limits.Resources(&p, limits.Run{Train: true, Batch: cfg.Batch, Shards: cfg.Shards, Workers: cfg.Workers, Memory: tc.memory, Every: tc.every}).Total()
			t.Logf("Resources = %.0f bytes, train.New allocated %.0f (×%.2f)", est, got, est/got)
			require.GreaterOrEqual(t, est, got, "Resources = %.0f bytes, train.New allocated %.0f", est, got)
			require.LessOrEqual(t, est, 4*got, "Resources = %.0f bytes, train.New allocated %.0f", est, got)
		})
	}
}
