package ising

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/dsp/fourier"
)

// Observed holds, for samples x_b of a proposal with exact ln p(x_b), the
// log importance weights ln w_b = ln π̃(x_b) − ln p(x_b) with respect to
// the relaxation and the conditional spin moments given x_b (see Moments).
// Reweight and IndependenceMH turn them into estimates.
//
// A flow whose symmetries are drawn at random per integration step
// (ir.ByRandom) is a mixture over the draws g; ln p is then ln p_g(x) of the
// draw that made x. Both estimators stay exact: they work on the extended
// space (g, x), where the weight is μ(g)π̃(x)/(μ(g)p_g(x)) = π̃(x)/p_g(x)
// and the target's marginal in x is π̃.
type Observed struct {
	rel     *Relaxation
	LogW    []float64 // ln π̃(x_b) − ln p(x_b)
	Moments []Moments // E[· | x_b]
}

// Observe computes the log-weights and conditional moments of the B
// configurations stored row-major in x (len(x) = B·N) with log-densities
// logp (len B) under the proposal. rng serves ConditionalMoments on
// lattices above MaxExactAbsMSites. It returns an error if a
// configuration or its ln p is not finite (a diverged flow), or if the
// lengths do not match.
func (r *Relaxation) Observe(x, logp []float64, rng *rand.Rand) (*Observed, error) {
	n := r.n
	B := len(logp)
	if B == 0 || len(x) != B*n {
		return nil, fmt.Errorf("ising: Observe: %d numbers for %d configurations of %d sites", len(x), B, n)
	}
	for b, v := range logp {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("ising: sample %d has ln p = %v: the flow diverged; train with a smaller step size or learning rate", b, v)
		}
	}
	for i, v := range x {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("ising: sample %d has a non-finite coordinate: the flow diverged; train with a smaller step size or learning rate", i/n)
		}
	}
	o := &Observed{rel: r, LogW: make([]float64, B), Moments: make([]Moments, B)}
	r.LogTargetBatch(o.LogW, x, make([]float64, B*n))
	w := NewMomentsWork(r.lat.L1, r.lat.L2)
	for b := range o.LogW {
		o.LogW[b] -= logp[b]
		o.Moments[b] = ConditionalMoments(w, x[b*n:(b+1)*n], rng)
	}
	return o, nil
}

// Estimate is a Monte-Carlo estimate with its standard error.
type Estimate struct {
	Mean, SE float64
}

// Observables are estimates of the discrete model's observables per site:
// the energy ⟨E⟩/N, ⟨|m|⟩, ⟨m²⟩ and the specific heat
// c = β²(⟨E²⟩ − ⟨E⟩²)/N, all from the conditional moments given x.
type Observables struct {
	Energy, AbsM, M2, SpecificHeat Estimate
}

// Reweighted is the importance-sampling result of Observed.Reweight.
type Reweighted struct {
	Samples int
	// LogZCont is ln Ẑ_cont = ln mean(w), an estimate of ln ∫π̃ (see
	// LogMeanExp), and LogZ = LogZCont + C the implied ln Z_Ising.
	LogZCont, LogZ Estimate
	// FreeEnergy is f = −T ln Z_Ising/N from LogZ, with the error scaled
	// alike. Unlike the variational bound it is not one-sided.
	FreeEnergy Estimate
	// ESS is Kish's effective sample size, ESSFrac = ESS/Samples.
	ESS, ESSFrac float64
	// Reweighted are the self-normalised estimates E_π[·] (consistent);
	// Plain are the unweighted means over the samples, i.e. expectations
	// under the proposal, biased unless the proposal is the target.
	Reweighted, Plain Observables
}

// Reweight returns the importance-sampling estimates: ln Z_cont from the
// mean weight, the implied discrete ln Z and free energy, the effective
// sample size, and self-normalised observables with delta-method errors
// (see SelfNormalisedMean). The specific heat, a function of two means,
// takes its error from the influence function
// h_b = (E²_b − ⟨E²⟩) − 2⟨E⟩(E_b − ⟨E⟩). It allocates O(B).
func (o *Observed) Reweight() Reweighted {
	r := o.rel
	B := len(o.LogW)
	res := Reweighted{Samples: B}
	res.LogZCont.Mean, res.LogZCont.SE = LogMeanExp(o.LogW)
	res.LogZ = Estimate{res.LogZCont.Mean + r.c, res.LogZCont.SE}
	fn := float64(r.n)
	res.FreeEnergy = Estimate{-r.t * res.LogZ.Mean / fn, r.t * res.LogZ.SE / fn}
	res.ESS = EffectiveSampleSize(o.LogW)
	res.ESSFrac = res.ESS / float64(B)
	wbar := make([]float64, B)
	NormalisedWeights(wbar, o.LogW)
	res.Reweighted = o.observables(wbar, func(h []float64) float64 {
		var v float64
		for b, w := range wbar {
			v += w * w * h[b] * h[b]
		}
		return math.Sqrt(v)
	})
	uniform := make([]float64, B)
	for b := range uniform {
		uniform[b] = 1 / float64(B)
	}
	res.Plain = o.observables(uniform, func(h []float64) float64 { return iidSE(h) })
	return res
}

// iidSE returns the standard error of the mean of the centred values h,
// sd(h)/√n, or NaN for fewer than two.
func iidSE(h []float64) float64 {
	n := float64(len(h))
	if len(h) < 2 {
		return math.NaN()
	}
	var v float64
	for _, x := range h {
		v += x * x
	}
	return math.Sqrt(v / (n - 1) / n)
}

// observables computes the weighted means of the observables with weights
// wbar (summing to one); se returns a standard error from the centred
// influence values of one observable.
func (o *Observed) observables(wbar []float64, se func(h []float64) float64) Observables {
	series := o.series()
	B := len(wbar)
	var mu [4]float64
	for k, f := range series {
		for b, w := range wbar {
			mu[k] += w * f[b]
		}
	}
	h := make([]float64, B)
	est := func(k int) Estimate {
		for b := range h {
			h[b] = series[k][b] - mu[k]
		}
		return Estimate{mu[k], se(h)}
	}
	var obs Observables
	obs.Energy, obs.AbsM, obs.M2 = est(0), est(2), est(3)
	obs.SpecificHeat = o.specificHeat(mu[0], mu[1], series, h, se)
	return obs
}

// series returns E/N, E², |m| and m² per sample.
func (o *Observed) series() [4][]float64 {
	B := len(o.Moments)
	var s [4][]float64
	for k := range s {
		s[k] = make([]float64, B)
	}
	fn := float64(o.rel.n)
	for b, m := range o.Moments {
		s[0][b], s[1][b], s[2][b], s[3][b] = m.Energy/fn, m.Energy2, m.AbsM, m.M2
	}
	return s
}

// specificHeat returns c = β²(⟨E²⟩ − ⟨E⟩²)/N from the means of E/N (eN)
// and E² (e2), with the error of the influence values
// (E²_b − ⟨E²⟩) − 2⟨E⟩(E_b − ⟨E⟩) (written into h).
func (o *Observed) specificHeat(eN, e2 float64, series [4][]float64, h []float64, se func([]float64) float64) Estimate {
	fn := float64(o.rel.n)
	b2 := o.rel.beta * o.rel.beta
	e := eN * fn
	for b := range h {
		h[b] = (series[1][b] - e2) - 2*e*(series[0][b]*fn-e)
	}
	return Estimate{b2 * (e2 - e*e) / fn, b2 * se(h) / fn}
}

// Chain is the result of Observed.IndependenceMH.
type Chain struct {
	Steps      int     // length of the chain (states, the first included)
	Accepted   int     // accepted proposals
	Acceptance float64 // Accepted/(Steps − 1)
	// Tau is the integrated autocorrelation time of the energy along the
	// chain (see IntegratedAutocorrTime); the chain holds about Steps/Tau
	// independent states.
	Tau float64
	// Observables are the chain averages, each with the error
	// √(τ_f Var(f)/Steps) of its own autocorrelation time τ_f.
	Observables Observables
}

// IndependenceMH runs the independence Metropolis–Hastings chain whose
// proposals are the samples, in order (Albergo, Kanwar, Shanahan,
// Phys. Rev. D 100, 034515 (2019)): the chain starts at sample 0 and moves
// to sample k with probability min(1, w_k/w_current). Its stationary
// distribution is the target, whatever the proposal, as long as the
// proposal covers it; the first state comes from the proposal, a bias
// that decays like τ/Steps. Observables are averaged along the chain
// with errors corrected for autocorrelation. rng draws the acceptance
// tests. It allocates O(B).
func (o *Observed) IndependenceMH(rng *rand.Rand) Chain {
	B := len(o.LogW)
	state, acc := IndependenceMHStates(o.LogW, rng)
	ch := Chain{Steps: B, Accepted: acc}
	if B > 1 {
		ch.Acceptance = float64(acc) / float64(B-1)
	}
	// Chain means: each state weighs 1/B; errors from the chain's own
	// autocorrelation.
	chained := &Observed{rel: o.rel, Moments: make([]Moments, B)}
	for k, s := range state {
		chained.Moments[k] = o.Moments[s]
	}
	uniform := make([]float64, B)
	for k := range uniform {
		uniform[k] = 1 / float64(B)
	}
	ch.Observables = chained.observables(uniform, func(h []float64) float64 {
		tau := IntegratedAutocorrTime(h)
		return iidSE(h) * math.Sqrt(tau)
	})
	en := chained.series()[0]
	ch.Tau = IntegratedAutocorrTime(en)
	return ch
}

// IndependenceMHStates runs the independence Metropolis–Hastings chain
// over proposals with log-weights lw, in order: it starts at proposal 0
// and moves to proposal k with probability min(1, exp(lw_k − lw_current)).
// state[k] is the proposal the chain holds after step k; accepted counts
// the moves. rng draws the acceptance tests. It panics ("ising: ...") if lw
// is empty and allocates the state slice.
func IndependenceMHStates(lw []float64, rng *rand.Rand) (state []int, accepted int) {
	if len(lw) == 0 {
		panic("ising: IndependenceMHStates: no proposals")
	}
	state = make([]int, len(lw))
	cur := 0
	for k := 1; k < len(lw); k++ {
		if d := lw[k] - lw[cur]; d >= 0 || rng.Float64() < math.Exp(d) {
			cur = k
			accepted++
		}
		state[k] = cur
	}
	return state, accepted
}

// sokalC is the window constant of IntegratedAutocorrTime.
const sokalC = 5

// IntegratedAutocorrTime returns τ = 1 + 2Σ_{t=1}^{M} ρ(t) of the series
// f, with ρ the normalised autocorrelation (computed for all lags at once
// by FFT) and the window M chosen automatically as the smallest M with
// M ≥ 5τ(M) (A. D. Sokal, "Monte Carlo methods in statistical mechanics:
// foundations and new algorithms", in Functional Integration (Plenum,
// 1997), §3; N. Madras and A. D. Sokal, J. Stat. Phys. 50, 109 (1988)).
// The variance of the mean of n correlated values is then τ·Var(f)/n. It
// returns 1 for a constant series or fewer than two values and never less
// than 1/n (anticorrelated chains have τ < 1); when no window up to n/2
// satisfies the criterion, τ(n/2) is returned, an underestimate from a chain
// that is too short. It allocates O(n).
func IntegratedAutocorrTime(f []float64) float64 {
	n := len(f)
	if n < 2 {
		return 1
	}
	var mean float64
	for _, v := range f {
		mean += v
	}
	mean /= float64(n)
	m := 1
	for m < 2*n {
		m <<= 1
	}
	seq := make([]float64, m)
	for i, v := range f {
		seq[i] = v - mean
	}
	fft := fourier.NewFFT(m)
	c := fft.Coefficients(nil, seq)
	for i, v := range c {
		c[i] = complex(real(v)*real(v)+imag(v)*imag(v), 0)
	}
	acf := fft.Sequence(nil, c) // m·Σ_i f_i f_{i+t}
	if !(acf[0] > 0) {
		return 1
	}
	tau := 1.0
	for t := 1; t <= n/2; t++ {
		tau += 2 * acf[t] / acf[0]
		if float64(t) >= sokalC*tau {
			break
		}
	}
	return math.Max(tau, 1/float64(n))
}
