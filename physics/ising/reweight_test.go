package ising

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"
)

// TestConditionalMomentsEnumeration checks E[E|x], E[E²|x], E[|m||x] and
// E[m²|x] against the sums over all 2^N spin configurations with the
// product law P(s|x) = Π_i (1 + s_i tanh x_i)/2.
func TestConditionalMomentsEnumeration(t *testing.T) {
	// Sums of 2^16 terms of size ≤ 32² in float64: 1e-12 relative.
	const tol = 1e-12
	for _, lat := range []Lattice{{3, 3}, {3, 4}, {4, 4}} {
		n := lat.N()
		rng := rand.New(rand.NewPCG(1, 1))
		w := NewMomentsWork(lat.L1, lat.L2)
		s := make([]int8, n)
		for trial := 0; trial < 3; trial++ {
			x := make([]float64, n)
			for i := range x {
				x[i] = 1.5 * rng.NormFloat64()
			}
			var e, e2, am, m2 float64
			for k := 0; k < 1<<n; k++ {
				p := 1.0
				for i := range s {
					s[i] = int8(2*((k>>i)&1) - 1)
					p *= 0.5 * (1 + float64(s[i])*math.Tanh(x[i]))
				}
				en := Energy(s, lat.L1, lat.L2)
				m := Magnetisation(s)
				e += p * en
				e2 += p * en * en
				am += p * math.Abs(m)
				m2 += p * m * m
			}
			got := ConditionalMoments(w, x, nil)
			assert.InDelta(t, e, got.Energy, tol*(1+math.Abs(e)), "%v Energy", lat)
			assert.InDelta(t, e2, got.Energy2, tol*(1+e2), "%v Energy2", lat)
			assert.InDelta(t, am, got.AbsM, tol, "%v AbsM", lat)
			assert.InDelta(t, m2, got.M2, tol, "%v M2", lat)
		}
	}
}

func TestConditionalMomentsLargeLatticeDrawsAbsM(t *testing.T) {
	l := 33 // N = 1089 > MaxExactAbsMSites
	w := NewMomentsWork(l, l)
	x := make([]float64, l*l)
	for i := range x {
		x[i] = 20 // tanh = 1 to rounding: every spin up
	}
	got := ConditionalMoments(w, x, rand.New(rand.NewPCG(1, 1)))
	assert.Equal(t, 1.0, got.AbsM)
	assert.InDelta(t, -2*float64(l*l), got.Energy, 1e-9)
	requirePanicsIsing(t, func() { ConditionalMoments(w, x, nil) })
	requirePanicsIsing(t, func() { ConditionalMoments(w, x[1:], nil) })
}

// TestEnumerateAgreesWithKaufman checks the enumerated ln Z, energy and
// specific heat against Kaufman's formula and SpecificHeatPerSite.
func TestEnumerateAgreesWithKaufman(t *testing.T) {
	// ln Z and the energy are exact to rounding (1e-13); the specific heat
	// carries the stencil's error, about 1e-10 relative.
	const tol, tolC = 1e-12, 1e-9
	for _, lat := range []Lattice{{3, 3}, {4, 4}, {3, 5}, {4, 5}} {
		for _, T := range []float64{1.2, 2, Tc, 3.5, 10} {
			ex, err := Enumerate(lat.L1, lat.L2, T)
			require.NoError(t, err)
			assert.Less(t, relErr(ex.LogZ, LogZ(lat.L1, lat.L2, T)), tol, "%v T=%v ln Z", lat, T)
			assert.Less(t, relErr(ex.EnergyPerSite, EnergyPerSite(lat.L1, lat.L2, T)), tol, "%v T=%v energy", lat, T)
			c := SpecificHeatPerSite(lat.L1, lat.L2, T)
			assert.Less(t, relErr(c, ex.SpecificHeat), tolC, "SpecificHeatPerSite(%v, %v) = %v, want %v", lat, T, c, ex.SpecificHeat)
		}
	}
	// At T → 0 only the two ground states remain: |m| = m² = 1.
	ex, err := Enumerate(4, 4, 0.05)
	require.NoError(t, err)
	assert.InDelta(t, 1, ex.AbsM, 1e-12)
	assert.InDelta(t, 1, ex.M2, 1e-12)
	_, err = Enumerate(5, 5, Tc)
	assert.Error(t, err)
	_, err = Enumerate(4, 4, -1)
	assert.Error(t, err)
}

// TestSpecificHeatStep halves the stencil's step on larger lattices at Tc,
// where the higher derivatives are largest: the result must not move.
func TestSpecificHeatStep(t *testing.T) {
	for _, l := range []int{16, 64} {
		c := SpecificHeatPerSite(l, l, Tc)
		c2 := specificHeatWithStep(l, l, Tc, specificHeatStep/2)
		assert.Less(t, relErr(c, c2), 1e-9, "L=%d: c = %v with h, %v with h/2", l, c, c2)
	}
	// The infinite-lattice c diverges like (8/π)K_c² ln L: 64×64 above 16×16.
	assert.Greater(t, SpecificHeatPerSite(64, 64, Tc), SpecificHeatPerSite(16, 16, Tc)+0.5)
}

func TestWeightEstimators(t *testing.T) {
	lw := []float64{0, math.Log(2), math.Log(3), math.Log(4)}
	m, se := LogMeanExp(lw)
	assert.InDelta(t, math.Log(2.5), m, 1e-15)
	// sd(w) = √(5/3), se(ln Ẑ) = sd/(√4·2.5).
	assert.InDelta(t, math.Sqrt(5.0/3)/(2*2.5), se, 1e-14)
	assert.InDelta(t, 100.0/30, EffectiveSampleSize(lw), 1e-14)
	wbar := make([]float64, 4)
	NormalisedWeights(wbar, lw)
	assert.InDeltaSlice(t, []float64{0.1, 0.2, 0.3, 0.4}, wbar, 1e-15)
	mu, sse := SelfNormalisedMean(wbar, []float64{1, 1, 0, 0})
	assert.InDelta(t, 0.3, mu, 1e-15)
	assert.InDelta(t, math.Sqrt(0.01*0.49+0.04*0.49+0.09*0.09+0.16*0.09), sse, 1e-14)

	// Shifting every log-weight by 1000 changes ln Ẑ by 1000 and nothing else.
	big := []float64{1000, 1000 + math.Log(2), 1000 + math.Log(3), 1000 + math.Log(4)}
	mb, seb := LogMeanExp(big)
	assert.InDelta(t, 1000+math.Log(2.5), mb, 1e-12)
	assert.InDelta(t, se, seb, 1e-14)

	requirePanicsIsing(t, func() { LogMeanExp(nil) })
	requirePanicsIsing(t, func() { LogMeanExp([]float64{0, math.NaN()}) })
	requirePanicsIsing(t, func() { EffectiveSampleSize([]float64{math.Inf(-1)}) })
	requirePanicsIsing(t, func() { SelfNormalisedMean([]float64{1}, []float64{1, 2}) })
}

func TestIntegratedAutocorrTime(t *testing.T) {
	// AR(1) x_k = φ x_{k−1} + ε_k has τ = (1 + φ)/(1 − φ); the windowed
	// estimate's relative error is about √(2(2M+1)/n) ≈ 3% here.
	for _, phi := range []float64{0, 0.5, 0.8} {
		rng := rand.New(rand.NewPCG(1, 1))
		f := make([]float64, 200000)
		for k := 1; k < len(f); k++ {
			f[k] = phi*f[k-1] + rng.NormFloat64()
		}
		want := (1 + phi) / (1 - phi)
		got := IntegratedAutocorrTime(f)
		assert.InEpsilon(t, want, got, 0.1, "IntegratedAutocorrTime(AR(1), φ=%v) = %v, want %v", phi, got, want)
	}
	assert.Equal(t, 1.0, IntegratedAutocorrTime([]float64{3, 3, 3, 3}))
	assert.Equal(t, 1.0, IntegratedAutocorrTime([]float64{3}))
}

// matchedGaussian is an exact proposal for the 4×4 relaxation: the normal
// density with the target's covariance Cov(x) = K + K⟨ssᵀ⟩K (the target is
// the Boltzmann mixture of N(Ks, K)), from the exact spin correlations by
// enumeration. It is not the target (the target is multimodal), so the
// weights vary, but it covers it: ESS ≈ 13% at Tc.
type matchedGaussian struct {
	n      int
	chol   *mat.TriDense
	logDet float64
}

func newMatchedGaussian(t *testing.T, rel *Relaxation) *matchedGaussian {
	lat := rel.Lattice()
	n := lat.N()
	c := mat.NewSymDense(n, nil)
	s := make([]int8, n)
	var z float64
	for k := 0; k < 1<<n; k++ {
		for i := range s {
			s[i] = int8(2*((k>>i)&1) - 1)
		}
		w := math.Exp(-rel.Beta() * (Energy(s, lat.L1, lat.L2) + 2*float64(n)))
		z += w
		for i := 0; i < n; i++ {
			for j := i; j < n; j++ {
				c.SetSym(i, j, c.At(i, j)+w*float64(s[i]*s[j]))
			}
		}
	}
	c.ScaleSym(1/z, c)
	var k, kck mat.Dense
	require.NoError(t, k.Inverse(mat.NewDense(n, n, append([]float64(nil), rel.KInv()...))))
	kck.Product(&k, c, &k)
	cov := mat.NewSymDense(n, nil)
	for i := 0; i < n; i++ {
		for j := i; j < n; j++ {
			cov.SetSym(i, j, 0.5*(k.At(i, j)+k.At(j, i))+0.5*(kck.At(i, j)+kck.At(j, i)))
		}
	}
	var ch mat.Cholesky
	require.True(t, ch.Factorize(cov))
	g := &matchedGaussian{n: n, chol: &mat.TriDense{}, logDet: ch.LogDet()}
	ch.LTo(g.chol)
	return g
}

// sample draws B configurations and their exact ln p.
func (g *matchedGaussian) sample(B int, rng *rand.Rand) (x, logp []float64) {
	n := g.n
	x, logp = make([]float64, B*n), make([]float64, B)
	z := make([]float64, n)
	for b := range logp {
		logp[b] = -0.5*g.logDet - 0.5*float64(n)*math.Log(2*math.Pi)
		for i := range z {
			z[i] = rng.NormFloat64()
			logp[b] -= 0.5 * z[i] * z[i]
		}
		for i := 0; i < n; i++ {
			var v float64
			for j := 0; j <= i; j++ {
				v += g.chol.At(i, j) * z[j]
			}
			x[b*n+i] = v
		}
	}
	return x, logp
}

// TestReweightUnbiased4x4 checks the importance-sampling and
// Metropolis–Hastings estimates on the 4×4 lattice at three temperatures
// (Tc and above: below, the matched Gaussian covers the two ordered modes
// too thinly for a short test)
// against exact enumeration, over several seeds: every estimate lies within
// 4 standard errors of the exact value, and the errors are honest (the
// root mean square of the z-scores is near 1, not far below or above).
func TestReweightUnbiased4x4(t *testing.T) {
	if testing.Short() {
		t.Skip("statistical test: seconds")
	}
	const (
		samples = 4000
		seeds   = 8
	)
	for _, T := range []float64{Tc, 2.6, 3} {
		rel, err := NewRelaxation(4, 4, T)
		require.NoError(t, err)
		ex, err := Enumerate(4, 4, T)
		require.NoError(t, err)
		prop := newMatchedGaussian(t, rel)
		var zsIS, zsMH []float64
		check := func(kind string, seed uint64, name string, e Estimate, want float64) {
			z := (e.Mean - want) / e.SE
			assert.Less(t, math.Abs(z), 4.0, "%s T=%v seed %d: %s = %v ± %v, want %v (z = %.1f)", kind, T, seed, name, e.Mean, e.SE, want, z)
			if kind == "IS" {
				zsIS = append(zsIS, z)
			} else {
				zsMH = append(zsMH, z)
			}
		}
		for seed := uint64(1); seed <= seeds; seed++ {
			rng := rand.New(rand.NewPCG(seed, 7))
			x, logp := prop.sample(samples, rng)
			obs, err := rel.Observe(x, logp, rng)
			require.NoError(t, err)
			rw := obs.Reweight()
			require.Greater(t, rw.ESSFrac, 0.03, "T=%v seed %d: the proposal must cover the target", T, seed)
			check("IS", seed, "ln Z_cont", rw.LogZCont, rel.LogZCont())
			check("IS", seed, "ln Z", rw.LogZ, ex.LogZ)
			check("IS", seed, "f", rw.FreeEnergy, -T*ex.LogZ/16)
			check("IS", seed, "energy", rw.Reweighted.Energy, ex.EnergyPerSite)
			check("IS", seed, "|m|", rw.Reweighted.AbsM, ex.AbsM)
			check("IS", seed, "m²", rw.Reweighted.M2, ex.M2)
			check("IS", seed, "c", rw.Reweighted.SpecificHeat, ex.SpecificHeat)
			ch := obs.IndependenceMH(rng)
			assert.Greater(t, ch.Acceptance, 0.05)
			assert.GreaterOrEqual(t, ch.Tau, 1.0)
			check("MH", seed, "energy", ch.Observables.Energy, ex.EnergyPerSite)
			check("MH", seed, "|m|", ch.Observables.AbsM, ex.AbsM)
			check("MH", seed, "m²", ch.Observables.M2, ex.M2)
			check("MH", seed, "c", ch.Observables.SpecificHeat, ex.SpecificHeat)
		}
		for kind, zs := range map[string][]float64{"IS": zsIS, "MH": zsMH} {
			var s float64
			for _, z := range zs {
				s += z * z
			}
			rms := math.Sqrt(s / float64(len(zs)))
			// The z-scores of one seed are correlated (ln Z, ln Z_cont and
			// f are the same number); the band allows for that.
			t.Logf("%s T=%v rms %.2f", kind, T, rms)
			assert.True(t, rms > 0.5 && rms < 1.6, "%s T=%v: rms z-score %.2f over %d estimates, want ≈ 1 (honest errors)", kind, T, rms, len(zs))
		}
	}
}

// TestReweightExactProposal draws from the target itself (spins from the
// exact Boltzmann law by enumeration, then x ~ N(Ks, K)) with the exact
// normalised ln p = ln π̃ − ln Z_cont: the weights must be constant, the
// ESS n, and ln Ẑ_cont exact with zero error.
func TestReweightExactProposal(t *testing.T) {
	rel, err := NewRelaxation(4, 4, Tc)
	require.NoError(t, err)
	lat := rel.Lattice()
	n := lat.N()
	cum := make([]float64, 1<<n)
	var z float64
	s := make([]int8, n)
	for k := range cum {
		for i := range s {
			s[i] = int8(2*((k>>i)&1) - 1)
		}
		z += math.Exp(-rel.Beta() * (Energy(s, lat.L1, lat.L2) + 2*float64(n)))
		cum[k] = z
	}
	var kmat mat.Dense
	require.NoError(t, kmat.Inverse(mat.NewDense(n, n, append([]float64(nil), rel.KInv()...))))
	kSym := mat.NewSymDense(n, nil)
	for i := 0; i < n; i++ {
		for j := i; j < n; j++ {
			kSym.SetSym(i, j, 0.5*(kmat.At(i, j)+kmat.At(j, i)))
		}
	}
	var ch mat.Cholesky
	require.True(t, ch.Factorize(kSym))
	var l mat.TriDense
	ch.LTo(&l)
	rng := rand.New(rand.NewPCG(3, 3))
	const B = 500
	x, logp := make([]float64, B*n), make([]float64, B)
	for b := 0; b < B; b++ {
		u := rng.Float64() * z
		k := 0
		for cum[k] < u {
			k++
		}
		for i := 0; i < n; i++ {
			xi := 0.0
			for j := 0; j < n; j++ {
				xi += kmat.At(i, j) * float64(2*((k>>j)&1)-1)
			}
			for j := 0; j <= i; j++ {
				xi += l.At(i, j) * rng.NormFloat64()
			}
			x[b*n+i] = xi
		}
		logp[b] = rel.LogTarget(x[b*n:(b+1)*n]) - rel.LogZCont()
	}
	obs, err := rel.Observe(x, logp, rng)
	require.NoError(t, err)
	for b, lw := range obs.LogW {
		assert.InDelta(t, rel.LogZCont(), lw, 1e-12, "ln w[%d]", b)
	}
	rw := obs.Reweight()
	assert.InDelta(t, float64(B), rw.ESS, 1e-9)
	assert.InDelta(t, rel.LogZCont(), rw.LogZCont.Mean, 1e-12)
	assert.Less(t, rw.LogZCont.SE, 1e-12)
	// Every proposal is accepted.
	mh := obs.IndependenceMH(rng)
	assert.Greater(t, mh.Acceptance, 0.999)
	// The exact samples give the exact energy within their error.
	ex, err := Enumerate(4, 4, Tc)
	require.NoError(t, err)
	assert.Less(t, math.Abs(rw.Reweighted.Energy.Mean-ex.EnergyPerSite), 4*rw.Reweighted.Energy.SE)
}

func TestObserveRejectsDivergedSamples(t *testing.T) {
	rel, err := NewRelaxation(3, 3, Tc)
	require.NoError(t, err)
	x := make([]float64, 2*9)
	_, err = rel.Observe(x, []float64{0, math.NaN()}, nil)
	assert.ErrorContains(t, err, "diverged")
	x[10] = math.Inf(1)
	_, err = rel.Observe(x, []float64{0, 0}, nil)
	assert.ErrorContains(t, err, "diverged")
	_, err = rel.Observe(x[:5], []float64{0, 0}, nil)
	assert.Error(t, err)
}
