package ising

import (
	"fmt"
	"math"
)

// This file holds the generic importance-sampling estimators behind
// Reweight: for samples x_b drawn from a proposal density p with exact
// ln p(x_b) and an unnormalised target π̃, the log-weights are
// ln w_b = ln π̃(x_b) − ln p(x_b). The estimators follow Nicoli et al.,
// "Asymptotically unbiased estimation of physical observables with neural
// samplers", Phys. Rev. E 101, 023304 (2020); the standard errors use the
// delta method (first-order expansion of a ratio or logarithm of sample
// means; see e.g. A. B. Owen, "Monte Carlo theory, methods and examples"
// (2013), §9.2).

// LogMeanExp returns ln((1/n) Σ_b exp(lw_b)), the logarithm of the
// importance-sampling estimate Ẑ = mean(w) of Z = ∫π̃, and its standard
// error by the delta method, se(ln Ẑ) = se(Ẑ)/Ẑ = sd(w)/(√n · mean(w)),
// computed with the weights scaled by exp(−max lw) so that nothing
// overflows. mean(w) is unbiased for Z; ln Ẑ is biased low by about
// se²/2 (Jensen), which the standard error dominates once it is small. The
// error is NaN for fewer than two samples; it panics ("ising: ...") if lw is
// empty or holds a NaN or +Inf, and does not allocate.
func LogMeanExp(lw []float64) (mean, stderr float64) {
	top := maxLogWeight("LogMeanExp", lw)
	n := float64(len(lw))
	var s float64
	for _, v := range lw {
		s += math.Exp(v - top)
	}
	m := s / n
	mean = top + math.Log(m)
	if len(lw) < 2 {
		return mean, math.NaN()
	}
	var v float64 // Σ(w − mean w)², two passes: no cancellation for near-constant weights
	for _, x := range lw {
		d := math.Exp(x-top) - m
		v += d * d
	}
	return mean, math.Sqrt(v/(n-1)/n) / m
}

// EffectiveSampleSize returns Kish's effective sample size
// (Σ_b w_b)²/Σ_b w_b² of the weights exp(lw_b): n for constant weights and
// 1 when one weight dominates. The fraction ESS/n is the usual measure of a
// proposal's quality; for log-normal weights it is ≈ exp(−Var ln w). It
// panics ("ising: ...") like LogMeanExp and does not allocate.
func EffectiveSampleSize(lw []float64) float64 {
	top := maxLogWeight("EffectiveSampleSize", lw)
	var s, s2 float64
	for _, v := range lw {
		w := math.Exp(v - top)
		s += w
		s2 += w * w
	}
	return s * s / s2
}

// NormalisedWeights writes the self-normalised weights
// w̄_b = exp(lw_b)/Σ_c exp(lw_c) (they sum to one) into dst. It panics
// ("ising: ...") if len(dst) ≠ len(lw) or like LogMeanExp, and does not
// allocate.
func NormalisedWeights(dst, lw []float64) {
	if len(dst) != len(lw) {
		panic(fmt.Sprintf("ising: NormalisedWeights: len(dst) = %d, len(lw) = %d", len(dst), len(lw)))
	}
	top := maxLogWeight("NormalisedWeights", lw)
	var s float64
	for b, v := range lw {
		dst[b] = math.Exp(v - top)
		s += dst[b]
	}
	for b := range dst {
		dst[b] /= s
	}
}

// SelfNormalisedMean returns μ̂ = Σ_b w̄_b f_b, the self-normalised
// importance-sampling estimate of E_π[f] from normalised weights w̄ (see
// NormalisedWeights), and its delta-method standard error
//
//	se(μ̂) = √(Σ_b w̄_b² (f_b − μ̂)²),
//
// the first-order error of the ratio Σ w f / Σ w (Owen 2013, §9.2
// with the weights' normalisation taken as estimated). μ̂ is consistent
// (its bias is O(1/n)); the error is reliable only when the effective
// sample size is not tiny. It panics ("ising: ...") if the lengths differ
// or are zero, and does not allocate.
func SelfNormalisedMean(wbar, f []float64) (mean, stderr float64) {
	if len(wbar) != len(f) || len(f) == 0 {
		panic(fmt.Sprintf("ising: SelfNormalisedMean: len(wbar) = %d, len(f) = %d, want equal and positive", len(wbar), len(f)))
	}
	for b, w := range wbar {
		mean += w * f[b]
	}
	var v float64
	for b, w := range wbar {
		d := w * (f[b] - mean)
		v += d * d
	}
	return mean, math.Sqrt(v)
}

// maxLogWeight returns max lw after checking that lw is not empty and
// holds no NaN or +Inf (−Inf, a zero weight, is allowed unless every weight
// is zero).
func maxLogWeight(fn string, lw []float64) float64 {
	if len(lw) == 0 {
		panic(fmt.Sprintf("ising: %s: no log-weights", fn))
	}
	top := math.Inf(-1)
	for b, v := range lw {
		if math.IsNaN(v) || math.IsInf(v, 1) {
			panic(fmt.Sprintf("ising: %s: log-weight %d is %v", fn, b, v))
		}
		top = math.Max(top, v)
	}
	if math.IsInf(top, -1) {
		panic(fmt.Sprintf("ising: %s: every weight is zero", fn))
	}
	return top
}
