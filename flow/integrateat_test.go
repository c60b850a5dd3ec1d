package flow_test

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mafc-dev/mafc/flow"
	"github.com/mafc-dev/mafc/generated/ising16rand"
	"github.com/mafc-dev/mafc/ode"
)

// TestIntegrateAtIsIntegrate: integrating chunk-aligned parts of a set
// with IntegrateAt gives bit for bit what Integrate gives for the whole
// set, random group elements (ising16rand) included; with first = 0
// instead, the parts draw other elements and differ.
func TestIntegrateAtIsIntegrate(t *testing.T) {
	pot := ising16rand.New()
	f, err := flow.New(pot, flow.Config{Config: ode.Config{Tableau: ode.RK4, Steps: 3, Dt: 0.1}, Workers: 2, Chunk: 3})
	require.NoError(t, err)
	D, n := pot.Dim(), 10
	rng := rand.New(rand.NewPCG(1, 1))
	x0 := make([]float64, n*D)
	for i := range x0 {
		x0[i] = rng.NormFloat64()
	}
	whole, wa := append([]float64(nil), x0...), make([]float64, n)
	require.NoError(t, f.Integrate(context.Background(), whole, wa, +1))
	parts, pa := append([]float64(nil), x0...), make([]float64, n)
	for _, lohi := range [][2]int{{0, 3}, {3, 9}, {9, 10}} {
		lo, hi := lohi[0], lohi[1]
		require.NoError(t, f.IntegrateAt(context.Background(), parts[lo*D:hi*D], pa[lo:hi], +1, lo))
	}
	for i := range whole {
		require.Equal(t, math.Float64bits(whole[i]), math.Float64bits(parts[i]), "x[%d]", i)
	}
	for i := range wa {
		require.Equal(t, math.Float64bits(wa[i]), math.Float64bits(pa[i]), "a[%d]", i)
	}
	wrong, wra := append([]float64(nil), x0[3*D:9*D]...), make([]float64, 6)
	require.NoError(t, f.Integrate(context.Background(), wrong, wra, +1))
	require.NotEqual(t, whole[3*D:9*D], wrong, "the random elements do not depend on the index: the test shows nothing")
	require.ErrorContains(t, f.IntegrateAt(context.Background(), wrong, wra, +1, -1), "negative first index")
}
