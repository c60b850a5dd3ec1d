package train_test

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mafc-dev/mafc/generated/ising16f32"
	"github.com/mafc-dev/mafc/generated/ising8"
	"github.com/mafc-dev/mafc/train"
	"github.com/mafc-dev/mafc/train/optim"
)

// normals returns n draws of N(0, 1).
func normals(rng *rand.Rand, n int) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = rng.NormFloat64()
	}
	return v
}

// TestForceLossCotangents: ForceLoss's cotangents are the derivatives of
// (1/total)·Σ (loss + δ·force) with respect to x(T), a(T) and s(T), its
// losses are Loss's and its force terms ‖s − ∇ln π̃‖²/N.
func TestForceLossCotangents(t *testing.T) {
	obj, err := train.NewVariational(3, 4, tc, 1)
	require.NoError(t, err)
	const B, D, total, delta = 2, 12, 5, 0.7
	rng := rand.New(rand.NewPCG(1, 2))
	x, a, s := normals(rng, B*D), normals(rng, B), normals(rng, B*D)
	loss, force := make([]float64, B), make([]float64, B)
	xb, ab, sb := make([]float64, B*D), make([]float64, B), make([]float64, B*D)
	obj.ForceLoss(x, a, s, loss, force, xb, ab, sb, total, delta)
	plain, pxb, pab := make([]float64, B), make([]float64, B*D), make([]float64, B)
	obj.Loss(x, a, plain, pxb, pab, total)
	require.Equal(t, plain, loss)
	require.Equal(t, pab, ab)
	F := func() float64 {
		l, f := make([]float64, B), make([]float64, B)
		obj.ForceLoss(x, a, s, l, f, make([]float64, B*D), make([]float64, B), make([]float64, B*D), total, delta)
		var sum float64
		for b := range l {
			sum += l[b] + delta*f[b]
		}
		return sum / total
	}
	fd := func(v []float64, i int) float64 {
		const h = 1e-6
		old := v[i]
		v[i] = old + h
		fp := F()
		v[i] = old - h
		fm := F()
		v[i] = old
		return (fp - fm) / (2 * h)
	}
	for i := range x {
		require.InDelta(t, fd(x, i), xb[i], 1e-8, "x̄[%d]", i)
		require.InDelta(t, fd(s, i), sb[i], 1e-8, "s̄[%d]", i)
	}
	for b := range a {
		require.InDelta(t, fd(a, b), ab[b], 1e-8, "ā[%d]", b)
		g := make([]float64, D)
		obj.Target.LogTargetGrad(g, x[b*D:(b+1)*D])
		var f float64
		for i := range g {
			d := s[b*D+i] - g[i]
			f += d * d
		}
		require.InEpsilon(t, f/D, force[b], 1e-14)
	}
}

// forceConfig is config with force matching δ and plain SGD, whose step
// θ₁ = θ₀ − lr·g reveals the gradient g.
func forceConfig(workers int, delta float64) train.Config {
	cfg := config(workers, 2)
	cfg.Optimizer = optim.Settings{Name: "sgd", LR: 1e-3}
	cfg.ForceMatching = delta
	return cfg
}

func forceTrainer(t *testing.T, cfg train.Config, theta []float64) *train.Trainer {
	t.Helper()
	obj, err := train.NewVariational(8, 8, tc, 3)
	require.NoError(t, err)
	pot := ising8.New()
	if theta != nil {
		copy(pot.Params(), theta)
		pot.Sync()
	}
	tr, err := train.New(pot, obj, cfg)
	require.NoError(t, err)
	t.Cleanup(tr.Close)
	return tr
}

// TestForceMatchingGradient: a force-matching step descends the gradient
// of the batch's mean loss + δ·force (against central differences of the
// same step's records along a random direction); its losses are bitwise
// those of plain training in x (the score rides along the same flow),
// its parameters are not, the workers do not change its bits, and a step
// allocates nothing.
func TestForceMatchingGradient(t *testing.T) {
	const delta = 0.5
	cfg := forceConfig(1, delta)
	tr := forceTrainer(t, cfg, nil)
	require.True(t, tr.Cfg.Flow.Score)
	require.False(t, tr.Hidden())
	theta0 := append([]float64(nil), tr.Pot.Params()...)
	rec, err := tr.Step()
	require.NoError(t, err)
	require.Greater(t, rec.Force, 0.0)
	g := make([]float64, len(theta0))
	for i, v := range tr.Pot.Params() {
		g[i] = (theta0[i] - v) / cfg.Optimizer.LR
	}
	rng := rand.New(rand.NewPCG(7, 7))
	dir := normals(rng, len(theta0))
	var want float64
	for i := range dir {
		want += g[i] * dir[i]
	}
	F := func(h float64) float64 {
		th := append([]float64(nil), theta0...)
		for i := range th {
			th[i] += h * dir[i]
		}
		r, err := forceTrainer(t, cfg, th).Step()
		require.NoError(t, err)
		return r.Loss + delta*r.Force
	}
	const h = 1e-5
	got := (F(h) - F(-h)) / (2 * h)
	t.Logf("directional derivative: adjoint %.12g, central difference %.12g", want, got)
	require.InEpsilon(t, want, got, 1e-6, "directional derivative: adjoint %v, central difference %v", want, got)

	// Plain training in x sees the same samples: the same loss, another
	// step.
	plainCfg := cfg
	plainCfg.ForceMatching, plainCfg.Flow.InputSpace = 0, true
	plain := forceTrainer(t, plainCfg, nil)
	prec, err := plain.Step()
	require.NoError(t, err)
	require.Equal(t, math.Float64bits(prec.Loss), math.Float64bits(rec.Loss), "loss %v, plain %v", rec.Loss, prec.Loss)
	require.Zero(t, prec.Force)
	require.NotEqual(t, bits(plain.Pot.Params()), bits(tr.Pot.Params()))

	if !testing.Short() {
		// Past the growth of the history to 32 records (Trainer.History
		// is not preallocated), a step allocates nothing.
		tr.Cfg.Steps = 100
		step := func() {
			if _, err := tr.Step(); err != nil {
				t.Fatal(err)
			}
		}
		for tr.StepsDone() < 20 {
			step()
		}
		require.Zero(t, testing.AllocsPerRun(5, step), "allocations per force-matching step")
	}

	// Workers.
	var ref []uint64
	for _, w := range []int{1, 2} {
		tw := forceTrainer(t, forceConfig(w, delta), nil)
		require.NoError(t, tw.Run(context.Background(), nil))
		if ref == nil {
			ref = bits(tw.Pot.Params())
		} else {
			require.Equal(t, ref, bits(tw.Pot.Params()), "workers changed the bits")
		}
	}
}

// TestForceMatchingResume: a force-matching run restored from a snapshot
// continues bit for bit.
func TestForceMatchingResume(t *testing.T) {
	cfg := forceConfig(1, 0.3)
	cfg.Steps = 3
	whole := forceTrainer(t, cfg, nil)
	require.NoError(t, whole.Run(context.Background(), nil))
	first := forceTrainer(t, cfg, nil)
	_, err := first.Step()
	require.NoError(t, err)
	snap, err := first.Snapshot()
	require.NoError(t, err)
	second := forceTrainer(t, cfg, nil)
	require.NoError(t, second.Restore(snap))
	require.NoError(t, second.Run(context.Background(), nil))
	require.Equal(t, bits(whole.Pot.Params()), bits(second.Pot.Params()))
	w, r := whole.History[2], second.History[2]
	r.Seconds = w.Seconds
	require.Equal(t, w, r)
}

// TestForceMatchingErrors: force matching refuses what it cannot compute.
func TestForceMatchingErrors(t *testing.T) {
	obj, err := train.NewVariational(8, 8, tc, 3)
	require.NoError(t, err)
	for _, c := range []struct {
		name  string
		edit  func(*train.Config)
		want  string
		pot16 bool
	}{
		{"negative", func(c *train.Config) { c.ForceMatching = -1 }, "positive and finite", false},
		{"nan", func(c *train.Config) { c.ForceMatching = math.NaN() }, "positive and finite", false},
		{"inf", func(c *train.Config) { c.ForceMatching = math.Inf(1) }, "positive and finite", false},
		{"hutchinson", func(c *train.Config) { c.Flow.Hutchinson = true }, "exact Laplacian", false},
		{"float32", nil, "float64", true},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg := forceConfig(1, 0.5)
			if c.edit != nil {
				c.edit(&cfg)
			}
			var err error
			if c.pot16 {
				obj16, err16 := train.NewVariational(16, 16, tc, 3)
				require.NoError(t, err16)
				_, err = train.New(ising16f32.New(), obj16, cfg)
			} else {
				_, err = train.New(ising8.New(), obj, cfg)
			}
			require.ErrorContains(t, err, c.want)
		})
	}
	_, err = train.New(ising8.New(), &train.Likelihood{}, forceConfig(1, 0.5))
	require.ErrorContains(t, err, "variational objective only")
}
