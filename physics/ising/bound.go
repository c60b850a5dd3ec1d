package ising

import "math"

// FreeEnergyBound compares a variational loss with the exact optimum and
// converts it into a bound on the discrete free energy per site.
//
// For any density q on R^N the loss per site ℓ = E_q[ln q − ln π̃]/N
// satisfies ℓ ≥ ℓ* = −ln Z_cont/N (KL(q‖π̃/Z_cont) ≥ 0). With
// ln Z_Ising = ln Z_cont + C this gives ln Z_Ising ≥ −Nℓ + C and, since
// F = −T ln Z, the free energy per site obeys
//
//	f = −T ln Z_Ising/N  ≤  f_bound = −T(−Nℓ + C)/N = T(ℓ − C/N),
//
// i.e. f_bound is an upper bound on the exact f, with equality iff q is the
// normalised relaxation. For a Monte-Carlo estimate of ℓ the inequality holds
// for its expectation only, so a noisy estimate may fall slightly below ℓ*.
type FreeEnergyBound struct {
	LossPerSite        float64 // ℓ, the loss that was supplied
	OptimalLossPerSite float64 // ℓ* = −ln Z_cont/N (exact)
	// LossRelErr = (ℓ − ℓ*)/|ℓ*|, ≥ 0 up to sampling noise.
	LossRelErr float64
	FBound     float64 // f_bound = −T(−Nℓ + C)/N
	FExact     float64 // f = −T ln Z_Ising/N (Kaufman)
	// FRelErr = (f_bound − f)/|f|, ≥ 0 up to sampling noise.
	FRelErr float64
}

// Bound returns the free-energy bookkeeping for a variational loss per site
// ℓ = E_q[ln q − ln π̃]/N (see FreeEnergyBound for the inequalities). Note
// f_bound − f = T(ℓ − ℓ*): the two gaps differ only by the factor T.
func (r *Relaxation) Bound(lossPerSite float64) FreeEnergyBound {
	fn := float64(r.n)
	opt := r.OptimalLossPerSite()
	fb := -r.t * (-fn*lossPerSite + r.c) / fn
	fe := -r.t * r.logZ / fn
	return FreeEnergyBound{
		LossPerSite:        lossPerSite,
		OptimalLossPerSite: opt,
		LossRelErr:         (lossPerSite - opt) / math.Abs(opt),
		FBound:             fb,
		FExact:             fe,
		FRelErr:            (fb - fe) / math.Abs(fe),
	}
}
