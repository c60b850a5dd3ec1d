package train_test

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mafc-dev/mafc/generated/ising16cnn4"
	"github.com/mafc-dev/mafc/generated/ising8"
	"github.com/mafc-dev/mafc/runtime"
	"github.com/mafc-dev/mafc/train"
)

// noReverser hides a potential's reverse modes that return Δφ
// (runtime.DensityReverser), so that the trainer cannot leave the density
// to the adjoint; it keeps the deferred gradient terms
// (runtime.GradDeferrer), which round differently without it.
type noReverser struct {
	runtime.Potential
	runtime.GradDeferrer
}

// TestDeferredDensity: training with the density left to the adjoint (the
// trainer's choice for these float64 potentials with Hutchinson probes,
// and for the convolutional one with the exact Laplacian too) gives the
// parameters bit for bit and the losses to rounding (bitwise for the
// convolutional potential) of training that integrates ln p in the
// forward pass; and it allocates nothing per step.
//
// Caveat: the deferred forward pass computes ∇φ with the value pass
// (Grad), whose products have other row counts than the Laplacian pass's;
// a product's last one to three rows go through other kernels (package
// gemm), so for some shard sizes (ising16cnn4 with 2 samples) a few
// components of ∇φ, and then the parameters, differ in their last bits.
// Shards of 3 samples, and the 32 of a 64-sample batch on two shards, give
// the same bits.
func TestDeferredDensity(t *testing.T) {
	for _, c := range []struct {
		name    string
		pot     func() runtime.Potential
		L       int
		hutch   bool
		bitwise bool
	}{
		{"ising8/hutchinson", func() runtime.Potential { return ising8.New() }, 8, true, false},
		{"ising16cnn4/exact", func() runtime.Potential { return ising16cnn4.New() }, 16, false, true},
		{"ising16cnn4/hutchinson", func() runtime.Potential { return ising16cnn4.New() }, 16, true, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			run := func(pot runtime.Potential) (theta []uint64, losses []float64, tr *train.Trainer) {
				obj, err := train.NewVariational(c.L, c.L, 2/math.Log(1+math.Sqrt2), 3)
				require.NoError(t, err)
				cfg := config(2, 3)
				// shards of 3 samples: see the caveat of TestDeferredDensity
				cfg.Batch, cfg.Shards = 6, 2
				cfg.Flow.Steps, cfg.Flow.Hutchinson = 3, c.hutch
				tr, err = train.New(pot, obj, cfg)
				require.NoError(t, err)
				t.Cleanup(tr.Close)
				for range 3 {
					rec, err := tr.Step()
					require.NoError(t, err)
					losses = append(losses, rec.Loss)
				}
				return bits(pot.Params()), losses, tr
			}
			theta, losses, tr := run(c.pot())
			require.True(t, tr.Cfg.Flow.DeferDensity, "the trainer did not defer the density")
			wantTheta, wantLosses, trRef := run(reference(c.pot()))
			require.False(t, trRef.Cfg.Flow.DeferDensity)
			require.Equal(t, wantTheta, theta, "parameters")
			for i := range losses {
				if c.bitwise {
					require.Equal(t, math.Float64bits(wantLosses[i]), math.Float64bits(losses[i]), "loss of step %d: %v, want %v", i+1, losses[i], wantLosses[i])
				} else {
					require.InEpsilon(t, wantLosses[i], losses[i], 1e-12, "loss of step %d", i+1)
				}
			}
			if !testing.Short() {
				require.Zero(t, testing.AllocsPerRun(2, func() {
					if _, err := tr.Step(); err != nil {
						t.Fatal(err)
					}
				}), "allocations per deferred step")
			}
		})
	}
}

func reference(m runtime.Potential) runtime.Potential {
	return noReverser{m, m.(runtime.GradDeferrer)}
}
