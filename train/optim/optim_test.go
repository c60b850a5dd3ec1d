package optim_test

import (
	"testing"

	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/floats/scalar"

	"github.com/mafc-dev/mafc/dsl"
	"github.com/mafc-dev/mafc/ode"
	"github.com/mafc-dev/mafc/runtime/potentialtest"
	"github.com/mafc-dev/mafc/runtime/refeval"
	"github.com/mafc-dev/mafc/train/optim"
)

// TestReferenceAdam trains the reference models for two Adam steps (lr
// 1e-3, L2 weight decay 1e-3, PyTorch semantics) on the mean NLL of the
// density batch, through the RK4 flow, and compares the parameters with the
// paper's code.
func TestReferenceAdam(t *testing.T) {
	cases, err := potentialtest.ReferenceVectors()
	require.NoError(t, err)
	for _, c := range cases[:2] {
		t.Run(c.Name, func(t *testing.T) {
			p, err := dsl.Compile("ref.maf", []byte(c.Spec()))
			require.NoError(t, err)
			pot := refeval.NewPotential(p)
			copy(pot.Params(), c.Params.Flat())
			D, B := c.D, len(c.Flow.Density.X)/c.D
			it, err := ode.New(pot, ode.Config{Steps: c.Flow.Steps, Dt: c.Flow.Dt, MaxBatch: B})
			require.NoError(t, err)
			opt, err := optim.New(optim.Settings{Name: "adam", LR: c.Adam.LR, Beta1: c.Adam.Betas[0], Beta2: c.Adam.Betas[1], Eps: c.Adam.Eps, WeightDecay: c.Adam.WeightDecay}, pot.NumParams())
			require.NoError(t, err)
			for step, want := range c.Adam.After {
				x := append([]float64(nil), c.Flow.Density.X...)
				a := make([]float64, B)
				it.Run(x, a, -1, true, 0)
				xb, ab := make([]float64, B*D), make([]float64, B)
				for i := range xb {
					xb[i] = x[i] / float64(B)
				}
				for b := range ab {
					ab[b] = 1 / float64(B)
				}
				g := make([]float64, pot.NumParams())
				it.Adjoint(xb, ab, g)
				opt.Step(pot.Params(), g)
				w := want.Flat()
				for i, v := range pot.Params() {
					// Adam divides by √v + ε: the update's relative error
					// is that of the gradient (1e-12), on steps of 1e-3.
					require.True(t, scalar.EqualWithinAbsOrRel(v, w[i], 1e-10, 1e-10), "step %d: θ[%d] = %v, want %v", step+1, i, v, w[i])
				}
			}
		})
	}
}

func TestScheduleAndState(t *testing.T) {
	o, err := optim.New(optim.Settings{Name: "adamw", LR: 1, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: 0.1, Schedule: "cosine", Warmup: 10, TotalSteps: 110}, 3)
	require.NoError(t, err)
	require.InDelta(t, 0.5, o.LR(5), 1e-15)
	require.InDelta(t, 1, o.LR(10), 1e-15)
	require.InDelta(t, 0.5, o.LR(60), 1e-12)
	require.InDelta(t, 0, o.LR(110), 1e-15)
	th := []float64{1, 2, 3}
	o.Step(th, []float64{0.1, -0.2, 0.3})
	vec, n := o.State()
	o2, _ := optim.New(optim.Settings{Name: "adamw", LR: 1, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: 0.1, Schedule: "cosine", Warmup: 10, TotalSteps: 110}, 3)
	require.NoError(t, o2.SetState(vec, n))
	th2 := append([]float64(nil), th...)
	o.Step(th, []float64{1, 1, 1})
	o2.Step(th2, []float64{1, 1, 1})
	require.Equal(t, th, th2)
	_, err = optim.New(optim.Settings{Name: "rmsprop", LR: 1}, 1)
	require.Error(t, err)
	// SGD with momentum, PyTorch semantics.
	s, _ := optim.New(optim.Settings{Name: "sgd", LR: 0.1, Momentum: 0.9}, 1)
	x := []float64{1}
	s.Step(x, []float64{1})
	s.Step(x, []float64{1})
	require.InDelta(t, 1-0.1-0.1*1.9, x[0], 1e-15)
}
