package dsl

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mafc-dev/mafc/ir"
)

func compileOverridden(t *testing.T, src string, sets ...string) (*ir.Program, error) {
	t.Helper()
	f, err := Parse("spec.maf", []byte(src))
	require.NoError(t, err)
	var ovs []Override
	for _, s := range sets {
		ov, err := ParseOverride(s)
		require.NoError(t, err, s)
		ovs = append(ovs, ov)
	}
	if err := ApplyOverrides(f, ovs); err != nil {
		return nil, err
	}
	return Check(f)
}

func TestOverrides(t *testing.T) {
	src, err := os.ReadFile("../testdata/ising8.maf")
	require.NoError(t, err)
	base, err := Compile("spec.maf", src)
	require.NoError(t, err)

	p, err := compileOverridden(t, string(src),
		"train.objective.T=2.5", "flow.steps=20", "train.optimizer.lr=1e-2", "train.optimizer.weight_decay=0",
		"train.batch=32", "flow.integrator=euler")
	require.NoError(t, err)
	require.Equal(t, 2.5, p.Train.Objective.Target.T)
	require.Equal(t, 20, p.Flow.Steps)
	require.Equal(t, 1e-2, p.Train.Optimizer.LR)
	require.Equal(t, 0.0, p.Train.Optimizer.WeightDecay)
	require.Equal(t, 32, p.Train.Batch)
	require.Equal(t, "euler", p.Flow.Integrator)
	require.Equal(t, base.Hash(), p.Hash(), "settings do not change the kernels")

	// Naming the call; a setting the spec leaves out goes into its block.
	p, err = compileOverridden(t, string(src), "train.objective.ising.T=2", "train.seed=7", "train.optimizer.betas=(0.8, 0.99)")
	require.NoError(t, err)
	require.Equal(t, 2.0, p.Train.Objective.Target.T)
	require.Equal(t, uint64(7), p.Train.Seed)
	require.Equal(t, 0.8, p.Train.Optimizer.Beta1)

	// An argument the spec leaves out goes into the innermost call (ising).
	noT := strings.Replace(string(src), "ising(L = 8, T = critical)", "ising(L = 8)", 1)
	require.NotEqual(t, noT, string(src))
	p, err = compileOverridden(t, noT, "train.objective.T=3")
	require.NoError(t, err)
	require.Equal(t, 3.0, p.Train.Objective.Target.T)
}

// TestOverrideErrors: overrides are checked like the spec, and every
// error names the override.
func TestOverrideErrors(t *testing.T) {
	src, err := os.ReadFile("../testdata/ising8.maf")
	require.NoError(t, err)
	for _, c := range []struct{ set, want string }{
		{"train.objective.T=-1", `-set train.objective.T=-1: temperature must be`},
		{"flow.steps=0", `-set flow.steps=0: steps must be in [1, `},
		{"train.optimizer.lr=1e6", `-set train.optimizer.lr=1e6: learning rate must be in`},
		{"flow.bogus=1", `-set flow.bogus=1: unknown flow setting "bogus"`},
		{"train.objective.Q=1", `-set train.objective.Q=1: unknown argument "Q" to ising`},
		{"potential.h=1", `-set potential.h=1: the potential is the network`},
		{"train.steps=5 } potential { h = 1", `is not one expression`},
		{"train.steps=5\n}\nflow { dt = 9", `is not one expression`},
		{"train.steps=(", `-set train.steps=(: value "(":`},
		{"train.objective.ising.T.x=1", `is not a call with arguments`},
		{"flow.steps.x=1", `is not a call with arguments`},
		{"symmetry.nothing.T=1", `has no nothing to look for T`},
	} {
		t.Run(c.set, func(t *testing.T) {
			_, err := compileOverridden(t, string(src), c.set)
			require.Error(t, err)
			require.Contains(t, err.Error(), c.want)
		})
	}
	for _, bad := range []string{"train.objective.T", "x=1", "train..steps=1", "train.st eps=1", "train.steps="} {
		_, err := ParseOverride(bad)
		require.Error(t, err, bad)
	}

	// Arguments of the same name in two nested calls.
	amb := strings.Replace(string(src), "variational(ising(L = 8, T = critical))", "f(g(a = 1), h(a = 2))", 1)
	require.NotEqual(t, amb, string(src))
	_, err = compileOverridden(t, amb, "train.objective.a=3")
	require.ErrorContains(t, err, "has 2 arguments named a: name the call too")
	_, err = compileOverridden(t, amb, "train.objective.b=3")
	require.ErrorContains(t, err, "several calls it could go into")

	var ovs []Override
	for range MaxOverrides + 1 {
		ovs = append(ovs, Override{Path: []string{"train", "steps"}, Value: "1", Text: "train.steps=1"})
	}
	f, err := Parse("spec.maf", src)
	require.NoError(t, err)
	require.ErrorContains(t, ApplyOverrides(f, ovs), "more than the limit")
}
