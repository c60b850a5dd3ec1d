package train_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mafc-dev/mafc/generated/ising8"
	"github.com/mafc-dev/mafc/ode"
	"github.com/mafc-dev/mafc/train"
	"github.com/mafc-dev/mafc/train/optim"
)

// TestConfigFor: the trainer's settings come from the spec's flow and
// train blocks, the Laplacian and memory mode included.
func TestConfigFor(t *testing.T) {
	p := *ising8.Program()
	cfg, err := train.ConfigFor(&p)
	require.NoError(t, err)
	want := train.Config{
		Steps: 900, Batch: 64, Seed: 1, Shards: 2,
		Optimizer: optim.Settings{Name: "adam", LR: 0.003, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: 0.001,
			Schedule: "constant", TotalSteps: 900},
		Flow: ode.Config{Tableau: ode.RK4, Steps: 50, Dt: 0.1, Memory: ode.Store, Every: 10},
	}
	assert.Equal(t, want, cfg, "ConfigFor(ising8)")

	p.Flow.Integrator = "midpoint"
	p.Train.Laplacian, p.Train.Memory, p.Train.RecomputeEvery = "hutchinson", "recompute", 25
	cfg, err = train.ConfigFor(&p)
	require.NoError(t, err)
	assert.Equal(t, ode.Config{Tableau: ode.Midpoint, Steps: 50, Dt: 0.1, Hutchinson: true, Memory: ode.Recompute, Every: 25}, cfg.Flow,
		"ConfigFor(ising8 with midpoint, hutchinson, recompute(25)).Flow")

	for _, c := range []struct {
		edit func()
		want string
	}{
		{func() { p.Flow.Integrator = "leapfrog" }, `unknown integrator "leapfrog"`},
		{func() { p.Flow.Integrator, p.Train.Memory = "rk4", "keep" }, `unknown memory mode "keep"`},
		{func() { p.Train.Objective.Kind = "" }, "has no train block: add `train {"},
	} {
		c.edit()
		_, err := train.ConfigFor(&p)
		assert.ErrorContains(t, err, c.want)
	}
}
