package flow_test

import (
	"context"
	"errors"
	"math"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mafc-dev/mafc/flow"
	"github.com/mafc-dev/mafc/generated/ising16"
	"github.com/mafc-dev/mafc/generated/ising8"
	"github.com/mafc-dev/mafc/ode"
	"github.com/mafc-dev/mafc/train"
	"github.com/mafc-dev/mafc/train/ckpt"
)

// roundTripTol bounds |ln p from Sample − LogProb of the same points|:
// RK4 backwards is not the exact inverse of RK4 forwards, but on the
// untrained 8×8 model (a slow flow) the difference is about 1e-13 nats
// (measured: 1.6e-13 over 64 samples); 1e-8 leaves room for other
// kernels without hiding a sign error or a missing Laplacian term, which
// are of order 1 and more.
const roundTripTol = 1e-8

func TestSampleLogProbAgree(t *testing.T) {
	f, err := flow.New(ising8.New(), flow.Config{Workers: 2, Chunk: 3})
	require.NoError(t, err)
	x, logp, err := f.Sample(7, 4)
	require.NoError(t, err)
	require.Len(t, x, 7*64)
	lp, err := f.LogProb(x)
	require.NoError(t, err)
	for b := range lp {
		assert.InDelta(t, logp[b], lp[b], roundTripTol, "LogProb(x_%d) against Sample's ln p", b)
	}
	// Chunking and workers do not change the samples (beyond rounding) of
	// a model without random symmetry elements (ising8 draws its elements
	// per chunk, see Config.Chunk).
	h, err := flow.New(ising16.New(), flow.Config{Workers: 2, Chunk: 3})
	require.NoError(t, err)
	xh, logph, err := h.Sample(7, 4)
	require.NoError(t, err)
	g, err := flow.New(ising16.New(), flow.Config{Workers: 1, Chunk: 64})
	require.NoError(t, err)
	x2, logp2, err := g.Sample(7, 4)
	require.NoError(t, err)
	assert.InDeltaSlice(t, xh, x2, 1e-12, "Sample with other chunks")
	assert.InDeltaSlice(t, logph, logp2, 1e-9, "ln p with other chunks")
	x3, _, err := g.Sample(7, 5)
	require.NoError(t, err)
	assert.NotEqual(t, x2, x3, "another seed, other samples")
}

func TestFlowErrors(t *testing.T) {
	_, err := flow.New(ising8.New(), flow.Config{Config: ode.Config{Tableau: ode.RK4, Steps: 0, Dt: 1}})
	assert.ErrorContains(t, err, "0 integration steps")
	_, err = flow.New(ising8.New(), flow.Config{Config: ode.Config{Tableau: ode.RK4, Steps: 1, Dt: math.NaN()}})
	assert.ErrorContains(t, err, "step size NaN")
	_, err = flow.New(ising8.New(), flow.Config{Config: ode.Config{Steps: 1, Dt: 0.1, Hutchinson: true}})
	assert.ErrorContains(t, err, "Hutchinson is a training setting")
	// A program naming an unknown integrator: the spec's settings cannot
	// be read.
	bad := *ising8.Program()
	bad.Flow.Integrator = "leapfrog"
	_, err = flow.ConfigFor(&bad)
	assert.ErrorContains(t, err, `unknown integrator "leapfrog"`)
	f, err := flow.New(ising8.New(), flow.Config{})
	require.NoError(t, err)
	_, err = f.LogProb(make([]float64, 65))
	assert.ErrorContains(t, err, "65 numbers are not a whole number of points of dimension 64")
	_, _, err = f.Sample(0, 1)
	assert.ErrorContains(t, err, "0 samples")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, _, err = f.SampleContext(ctx, 4, 1)
	assert.ErrorIs(t, err, context.Canceled)
}

func TestSaveLoad(t *testing.T) {
	m := ising8.New()
	for i := range m.Params() {
		m.Params()[i] += 0.001 * float64(i%7)
	}
	m.Sync()
	f, err := flow.New(m, flow.Config{})
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "m.ckpt")
	require.NoError(t, f.Save(path))
	g, err := flow.Load(path, ising8.New())
	require.NoError(t, err)
	assert.Equal(t, m.Params(), g.Potential().Params(), "θ after Save and Load")
	spec, err := flow.ConfigFor(ising8.Program())
	require.NoError(t, err)
	assert.Equal(t, spec.Config, g.Config().Config)

	// Another model's checkpoint; a directory without one.
	_, err = flow.Load(path, ising16.New())
	assert.ErrorIs(t, err, ckpt.ErrHashMismatch)
	dir := t.TempDir()
	_, err = flow.Load(dir, ising8.New())
	assert.ErrorContains(t, err, "no checkpoint in this directory")
}

func TestTrain(t *testing.T) {
	_, err := flow.Train(context.Background(), ising8.New(), flow.TrainOptions{Program: ising16.Program(), Steps: 1})
	assert.ErrorContains(t, err, "does not match the potential")

	// Seeded: the same parameters whatever the number of workers; θ moves.
	var thetas [][]float64
	for _, workers := range []int{1, 2} {
		m := ising8.New()
		f, err := flow.Train(context.Background(), m, flow.TrainOptions{Steps: 2, Batch: 4, Workers: workers})
		require.NoError(t, err)
		assert.Equal(t, int64(2), f.Step())
		thetas = append(thetas, append([]float64(nil), m.Params()...))
	}
	assert.Equal(t, thetas[0], thetas[1], "θ with 1 and 2 workers")
	assert.NotEqual(t, ising8.New().Params(), thetas[0], "θ after training")

	stop := errors.New("enough")
	f, err := flow.Train(context.Background(), ising8.New(), flow.TrainOptions{Steps: 5, Batch: 4,
		After: func(r train.Record) error {
			if r.Step == 2 {
				return stop
			}
			return nil
		}})
	assert.ErrorIs(t, err, stop, "an error from After stops training")
	assert.Equal(t, int64(2), f.Step())
}
