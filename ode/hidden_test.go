package ode_test

import (
	"math/rand/v2"
	"testing"

	"github.com/mafc-dev/mafc/generated/deepmlp"
	"github.com/mafc-dev/mafc/generated/ising16"
	"github.com/mafc-dev/mafc/generated/ising16f32"
	"github.com/mafc-dev/mafc/generated/ising16rand"
	"github.com/mafc-dev/mafc/generated/ising16t"
	"github.com/mafc-dev/mafc/generated/ising8"
	"github.com/mafc-dev/mafc/generated/mnist"
	"github.com/mafc-dev/mafc/generated/mnistt"
	"github.com/mafc-dev/mafc/ode"
	"github.com/mafc-dev/mafc/runtime"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestHiddenMatchesInputSpace: the hidden-space integrator gives the input-
// space integrator's x(T), a(T), x̄(0) and θ̄ (to 1e-10) for both paper
// potentials, every tableau, both directions and both memory modes, and its
// two memory modes agree bitwise.
func TestHiddenMatchesInputSpace(t *testing.T) {
	for _, m := range []runtime.Potential{mnist.New(), ising16.New()} {
		// Move θ off its initialisation (biases and the output layer too).
		rng := rand.New(rand.NewPCG(5, 6))
		for i, v := range m.Params() {
			m.Params()[i] = v * (1 + 0.3*rng.NormFloat64())
		}
		m.Sync()
		for _, tab := range []*ode.Tableau{ode.RK4, ode.Midpoint, ode.Euler} {
			for _, sigma := range []float64{1, -1} {
				t.Run(m.Name()+"/"+tab.Name, func(t *testing.T) { checkHidden(t, m, tab, sigma) })
			}
		}
	}
}

func checkHidden(t *testing.T, m runtime.Potential, tab *ode.Tableau, sigma float64) {
	const B = 3
	D := m.Dim()
	rng := rand.New(rand.NewPCG(3, 4))
	x0, xb0 := normals(rng, B*D), normals(rng, B*D)
	ab0 := []float64{0.3, -1.1, 0.7}
	a0 := []float64{0.5, 0, -2}
	run := func(f ode.Flow) (x, a, dx, dth []float64) {
		x, a = append([]float64(nil), x0...), append([]float64(nil), a0...)
		f.Run(x, a, sigma, true, 1)
		dx, ab := append([]float64(nil), xb0...), append([]float64(nil), ab0...)
		dth = make([]float64, m.NumParams())
		f.Adjoint(dx, ab, dth)
		assert.Equal(t, ab0, ab, "ā")
		return x, a, dx, dth
	}
	cfg := ode.Config{Tableau: tab, Steps: 5, Dt: 0.1, MaxBatch: B + 2, Every: 2}
	std, err := ode.New(m, cfg)
	require.NoError(t, err)
	wx, wa, wdx, wdth := run(std)
	var first [][]float64
	for _, mem := range []ode.Memory{ode.Store, ode.Recompute} {
		cfg.Memory = mem
		hd, err := ode.NewHidden(m, cfg)
		require.NoError(t, err)
		x, a, dx, dth := run(hd)
		near(t, "x(T)", x, wx, 1e-10)
		near(t, "a(T)", a, wa, 1e-10)
		near(t, "x̄(0)", dx, wdx, 1e-10)
		near(t, "θ̄", dth, wdth, 1e-10)
		// Without recording (sampling, evaluation): the same x(T), a(T).
		xr, ar := append([]float64(nil), x0...), append([]float64(nil), a0...)
		hd.Run(xr, ar, sigma, false, 1)
		assert.Equal(t, x, xr, "x(T) without recording")
		assert.Equal(t, a, ar, "a(T) without recording")
		assert.Panics(t, func() { hd.Adjoint(dx, ab0, dth) }, "Adjoint after a Run without recording")
		// Without trajectory buffers (NoRecord): the same, for both
		// integrators, and no recording.
		nc := cfg
		nc.NoRecord = true
		hn, err := ode.NewHidden(m, nc)
		require.NoError(t, err)
		sn, err := ode.New(m, nc)
		require.NoError(t, err)
		for _, f := range []ode.Flow{hn, sn} {
			xr, ar := append([]float64(nil), x0...), append([]float64(nil), a0...)
			f.Run(xr, ar, sigma, false, 1)
			if f == ode.Flow(hn) {
				assert.Equal(t, x, xr, "x(T) with NoRecord")
				assert.Equal(t, a, ar, "a(T) with NoRecord")
			} else {
				near(t, "x(T) with NoRecord", xr, wx, 0)
				near(t, "a(T) with NoRecord", ar, wa, 0)
			}
			assert.PanicsWithValue(t, "ode: Run: cannot record with Config.NoRecord", func() { f.Run(xr, ar, sigma, true, 1) })
		}
		if first == nil {
			first = [][]float64{x, a, dx, dth}
		} else {
			assert.Equal(t, first, [][]float64{x, a, dx, dth}, "Store and Recompute differ")
		}
	}
}

// TestHiddenEligibility: which programs the hidden-space integrator takes,
// and when it is the cheaper choice.
func TestHiddenEligibility(t *testing.T) {
	for _, c := range []struct {
		m          runtime.Potential
		ok, prefer bool
	}{
		{mnist.New(), true, true},         // H = 1024, D = 784
		{ising16.New(), true, true},       // H = 512 = 2·D: as many flops, fewer passes
		{ising16f32.New(), true, true},    // float32 kernels: Hidden in float32
		{ising16t.New(), true, true},      // gated hidden units and output: φ(x, t)
		{mnistt.New(), true, true},        // time features concatenated to the hidden layer
		{ising16rand.New(), false, false}, // random symmetry elements
		{deepmlp.New(), false, false},     // two hidden layers
		{ising8.New(), false, false},      // random symmetry elements
	} {
		_, ok := ode.HiddenLayerOf(c.m.Program())
		assert.Equal(t, c.ok, ok, c.m.Name())
		assert.Equal(t, c.prefer, ode.PreferHidden(c.m.Program(), false), c.m.Name())
		assert.False(t, ode.PreferHidden(c.m.Program(), true), c.m.Name()+" with Hutchinson")
		f, err := ode.NewFlow(c.m, ode.Config{Steps: 1, Dt: 0.1, MaxBatch: 1})
		require.NoError(t, err)
		_, isHidden := f.(*ode.Hidden)
		assert.Equal(t, c.prefer, isHidden, c.m.Name()+": NewFlow")
		f, err = ode.NewFlow(c.m, ode.Config{Steps: 1, Dt: 0.1, MaxBatch: 1, InputSpace: true})
		require.NoError(t, err)
		assert.IsType(t, (*ode.Integrator)(nil), f, c.m.Name()+": NewFlow with InputSpace")
		_, err = ode.NewHidden(c.m, ode.Config{Steps: 1, Dt: 0.1, MaxBatch: 1})
		if c.ok {
			assert.NoError(t, err, c.m.Name())
		} else {
			assert.ErrorContains(t, err, "not a one-hidden-layer potential", c.m.Name())
		}
	}
	_, err := ode.NewHidden(mnist.New(), ode.Config{Steps: 1, Dt: 0.1, MaxBatch: 1, Hutchinson: true})
	assert.ErrorContains(t, err, "exact Laplacian only")
	_, err = ode.NewHidden(mnist.New(), ode.Config{Steps: 0, Dt: 0.1, MaxBatch: 1})
	assert.Error(t, err)
}

// TestHiddenZeroAllocs: Run and Adjoint of the hidden-space integrator do
// not allocate after the first call.
func TestHiddenZeroAllocs(t *testing.T) {
	if testing.Short() {
		t.Skip("allocation counts")
	}
	m := mnist.New()
	const B = 4
	D := m.Dim()
	for _, mem := range []ode.Memory{ode.Store, ode.Recompute} {
		hd, err := ode.NewHidden(m, ode.Config{Steps: 3, Dt: 0.1, MaxBatch: B, Memory: mem, Every: 2})
		require.NoError(t, err)
		x, a := make([]float64, B*D), make([]float64, B)
		xb, ab, dth := make([]float64, B*D), make([]float64, B), make([]float64, m.NumParams())
		call := func() {
			hd.Run(x, a, -1, true, 0)
			hd.Adjoint(xb, ab, dth)
		}
		call()
		assert.Zero(t, testing.AllocsPerRun(3, call), "memory mode %d", mem)
	}
}
