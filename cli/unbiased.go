package cli

import (
	"fmt"
	"io"
	"math"
	"math/rand/v2"

	"github.com/mafc-dev/mafc/physics/ising"
)

// Unbiased are the estimates of an Ising evaluation that remove the flow's
// bias: importance sampling with the weights w = π̃(x)/p(x) (names rw_…)
// and an independence Metropolis–Hastings chain with the flow as proposal
// (mcmc_…), both over the evaluation's samples and both with the spins'
// exact conditional expectations given x. The exact values (…_exact) come
// from Kaufman's solution. Collapse and Warnings say when the numbers
// should not be trusted.
type Unbiased struct {
	// ESS is Kish's effective sample size (Σw)²/Σw², ESSFrac = ESS/samples.
	ESS     float64 `json:"ess"`
	ESSFrac float64 `json:"ess_frac"`
	// LogZCont is ln mean(w)/N, an estimate of ln Z_cont/N (exact:
	// LogZContExact = −exact).
	LogZCont      float64 `json:"rw_log_z_cont"`
	LogZContSE    float64 `json:"rw_log_z_cont_se"`
	LogZContExact float64 `json:"log_z_cont_exact"`
	// FRW is the discrete free energy per site −T(ln Ẑ_cont + C)/N.
	FRW   float64 `json:"rw_f"`
	FRWSE float64 `json:"rw_f_se"`
	// The reweighted (self-normalised) observables per site.
	EnergyRW       float64 `json:"rw_energy"`
	EnergyRWSE     float64 `json:"rw_energy_se"`
	AbsMRW         float64 `json:"rw_abs_m"`
	AbsMRWSE       float64 `json:"rw_abs_m_se"`
	M2RW           float64 `json:"rw_m2"`
	M2RWSE         float64 `json:"rw_m2_se"`
	HeatRW         float64 `json:"rw_specific_heat"`
	HeatRWSE       float64 `json:"rw_specific_heat_se"`
	HeatExact      float64 `json:"specific_heat_exact"`
	EnergyPlain    float64 `json:"plain_energy"` // unweighted mean of E[E/N | x]: the flow's own (biased) answer
	EnergyPlainSE  float64 `json:"plain_energy_se"`
	HeatPlain      float64 `json:"plain_specific_heat"`
	HeatPlainSE    float64 `json:"plain_specific_heat_se"`
	MCMCAcceptance float64 `json:"mcmc_acceptance"`
	MCMCTau        float64 `json:"mcmc_tau"` // integrated autocorrelation time of the energy, in chain steps
	EnergyMCMC     float64 `json:"mcmc_energy"`
	EnergyMCMCSE   float64 `json:"mcmc_energy_se"`
	AbsMMCMC       float64 `json:"mcmc_abs_m"`
	AbsMMCMCSE     float64 `json:"mcmc_abs_m_se"`
	M2MCMC         float64 `json:"mcmc_m2"`
	M2MCMCSE       float64 `json:"mcmc_m2_se"`
	HeatMCMC       float64 `json:"mcmc_specific_heat"`
	HeatMCMCSE     float64 `json:"mcmc_specific_heat_se"`
	// EnergyZ is (rw_energy − energy_exact)/rw_energy_se.
	EnergyZ float64 `json:"rw_energy_z"`
	// Collapse is set when the samples do not represent the target, so
	// that no weighting can restore it: the effective sample size is near
	// 1, or the reweighted energy or ln Z_cont misses the exact value far
	// beyond its error.
	Collapse bool `json:"collapse"`
	// Biased is set when the flow's own (unweighted) energy and the
	// reweighted one disagree far beyond their errors: the flow's own
	// samples answer the physics wrongly. Without Collapse the weights
	// still restore the exact values, and the reweighted numbers hold.
	Biased   bool     `json:"biased"`
	Warnings []string `json:"warnings,omitempty"`
}

// Thresholds of the collapse verdict.
const (
	// collapseESS: below this many effective samples the weighted averages
	// rest on a handful of samples and their errors are not reliable.
	collapseESS = 10
	// collapseSigmas: two estimates of the same number further apart than
	// this many combined standard errors mean that the samples miss part of
	// the target (typically whole regions, such as the disordered states),
	// which no weighting can restore.
	collapseSigmas = 5
)

// isingUnbiased computes the importance-sampling and independence
// Metropolis–Hastings estimates from the samples x with their ln p.
func isingUnbiased(rel *ising.Relaxation, x, logp []float64, rng *rand.Rand) (*Unbiased, error) {
	obs, err := rel.Observe(x, logp, rng)
	if err != nil {
		return nil, err
	}
	rw := obs.Reweight()
	ch := obs.IndependenceMH(rng)
	lat := rel.Lattice()
	fn := float64(lat.N())
	u := &Unbiased{
		ESS: rw.ESS, ESSFrac: rw.ESSFrac,
		LogZCont: rw.LogZCont.Mean / fn, LogZContSE: rw.LogZCont.SE / fn, LogZContExact: rel.LogZCont() / fn,
		FRW: rw.FreeEnergy.Mean, FRWSE: rw.FreeEnergy.SE,
		EnergyRW: rw.Reweighted.Energy.Mean, EnergyRWSE: rw.Reweighted.Energy.SE,
		AbsMRW: rw.Reweighted.AbsM.Mean, AbsMRWSE: rw.Reweighted.AbsM.SE,
		M2RW: rw.Reweighted.M2.Mean, M2RWSE: rw.Reweighted.M2.SE,
		HeatRW: rw.Reweighted.SpecificHeat.Mean, HeatRWSE: rw.Reweighted.SpecificHeat.SE,
		HeatExact:   ising.SpecificHeatPerSite(lat.L1, lat.L2, rel.T()),
		EnergyPlain: rw.Plain.Energy.Mean, EnergyPlainSE: rw.Plain.Energy.SE,
		HeatPlain: rw.Plain.SpecificHeat.Mean, HeatPlainSE: rw.Plain.SpecificHeat.SE,
		MCMCAcceptance: ch.Acceptance, MCMCTau: ch.Tau,
		EnergyMCMC: ch.Observables.Energy.Mean, EnergyMCMCSE: ch.Observables.Energy.SE,
		AbsMMCMC: ch.Observables.AbsM.Mean, AbsMMCMCSE: ch.Observables.AbsM.SE,
		M2MCMC: ch.Observables.M2.Mean, M2MCMCSE: ch.Observables.M2.SE,
		HeatMCMC: ch.Observables.SpecificHeat.Mean, HeatMCMCSE: ch.Observables.SpecificHeat.SE,
	}
	u.judge(ising.EnergyPerSite(lat.L1, lat.L2, rel.T()))
	return u, nil
}

// judge sets EnergyZ, Collapse, Biased and Warnings from the estimates of
// u and the exact energy per site exactE: the samples collapsed when the
// effective sample size is near 1, when the reweighted energy misses the
// exact one far beyond its error, or when the weights' ln Z_cont falls far
// below the exact value (mass the flow never samples); the flow is biased
// when its own and the reweighted energies disagree far beyond their
// errors. A collapsed flow's own energy can agree with the reweighted one
// (the weights are nearly uniform over the part it samples), and a flow
// whose own energy does not can still cover the target: the exact values
// decide collapse.
func (u *Unbiased) judge(exactE float64) {
	u.Collapse, u.Biased, u.Warnings, u.EnergyZ = false, false, nil, 0
	if u.EnergyRWSE > 0 {
		u.EnergyZ = (u.EnergyRW - exactE) / u.EnergyRWSE
	}
	if u.ESS < collapseESS {
		u.Collapse = true
		u.Warnings = append(u.Warnings, fmt.Sprintf("effective sample size %.1f is near 1: a few samples carry all the weight, so the reweighted numbers and their errors are not reliable", u.ESS))
	}
	if d, se := math.Abs(u.EnergyPlain-u.EnergyRW), math.Hypot(u.EnergyPlainSE, u.EnergyRWSE); d > collapseSigmas*se {
		u.Biased = true
		u.Warnings = append(u.Warnings, fmt.Sprintf("the flow's own energy %.4f and the reweighted %.4f differ by %.0f standard errors: the flow is far from the target, and its own samples are biased",
			u.EnergyPlain, u.EnergyRW, d/se))
	}
	if math.Abs(u.EnergyZ) > collapseSigmas {
		u.Collapse = true
		u.Warnings = append(u.Warnings, fmt.Sprintf("the reweighted energy misses the exact %.5f by %.0f standard errors: the samples miss part of the target (collapse onto ordered or disordered states), which no weighting restores",
			exactE, math.Abs(u.EnergyZ)))
	}
	if d := u.LogZContExact - u.LogZCont; d > collapseSigmas*u.LogZContSE {
		u.Collapse = true
		u.Warnings = append(u.Warnings, fmt.Sprintf("ln Z_cont/N from the weights is %.4f below the exact value (%.0f standard errors): mass the flow never samples",
			d, d/u.LogZContSE))
	}
}

// print writes the unbiased estimates beside the plain ones of r, saying
// what each number answers.
func (u *Unbiased) print(w io.Writer, r *IsingReport) {
	fmt.Fprintf(w, "  (ℓ and the bound answer \"how close is the flow to the target?\": never below the optimum)\n")
	fmt.Fprintf(w, "  importance sampling, w = π̃(x)/p(x) with the flow's exact ln p (removes the flow's bias):\n")
	fmt.Fprintf(w, "    effective sample size       %.1f of %d (%.2f%%)\n", u.ESS, r.Samples, 100*u.ESSFrac)
	fmt.Fprintf(w, "    ln Z_cont/N                 %.6f ± %.6f (exact %.6f)\n", u.LogZCont, u.LogZContSE, u.LogZContExact)
	fmt.Fprintf(w, "    free energy per site        %.6f ± %.6f (exact %.6f)\n", u.FRW, u.FRWSE, r.FExact)
	fmt.Fprintf(w, "    energy per site             %.5f ± %.5f (exact %.5f, %+.1f standard errors)\n", u.EnergyRW, u.EnergyRWSE, r.EnergyExact, u.EnergyZ)
	fmt.Fprintf(w, "    specific heat per site      %.4f ± %.4f (exact %.4f)\n", u.HeatRW, u.HeatRWSE, u.HeatExact)
	fmt.Fprintf(w, "    ⟨|m|⟩ = %.4f ± %.4f, ⟨m²⟩ = %.4f ± %.4f\n", u.AbsMRW, u.AbsMRWSE, u.M2RW, u.M2RWSE)
	fmt.Fprintf(w, "  independence Metropolis–Hastings, the flow as proposal (an exact chain; errors include its autocorrelation):\n")
	fmt.Fprintf(w, "    acceptance %.1f%%, integrated autocorrelation time of the energy %.2f steps\n", 100*u.MCMCAcceptance, u.MCMCTau)
	fmt.Fprintf(w, "    energy per site             %.5f ± %.5f (exact %.5f)\n", u.EnergyMCMC, u.EnergyMCMCSE, r.EnergyExact)
	fmt.Fprintf(w, "    specific heat per site      %.4f ± %.4f (exact %.4f)\n", u.HeatMCMC, u.HeatMCMCSE, u.HeatExact)
	fmt.Fprintf(w, "    ⟨|m|⟩ = %.4f ± %.4f, ⟨m²⟩ = %.4f ± %.4f\n", u.AbsMMCMC, u.AbsMMCMCSE, u.M2MCMC, u.M2MCMCSE)
	fmt.Fprintf(w, "  the flow's own samples, unweighted (biased: what sampling the flow alone gives):\n")
	fmt.Fprintf(w, "    energy per site             %.5f ± %.5f (E[E|x]; from sampled spins %.5f ± %.5f)\n", u.EnergyPlain, u.EnergyPlainSE, r.Energy, r.EnergySE)
	fmt.Fprintf(w, "    specific heat per site      %.4f ± %.4f\n", u.HeatPlain, u.HeatPlainSE)
	fmt.Fprintf(w, "    ⟨|m|⟩ = %.4f ± %.4f, ⟨m²⟩ = %.4f ± %.4f (sampled spins)\n", r.AbsM, r.AbsMSE, r.M2, r.M2SE)
	for _, s := range u.Warnings {
		fmt.Fprintf(w, "  WARNING: %s\n", s)
	}
	switch {
	case u.Collapse:
		fmt.Fprintf(w, "  verdict: COLLAPSE: the samples miss part of the target, and no weighting restores it; only ℓ (an upper bound, %.2f%% above the optimum) holds\n", 100*r.GapRel)
	case u.Biased:
		fmt.Fprintf(w, "  verdict: no collapse: the weights restore the exact energy (%.1f standard errors) and ln Z_cont (ESS %.0f of %d), but the flow's own samples are biased;\n", u.EnergyZ, u.ESS, r.Samples)
		fmt.Fprintf(w, "  use the reweighted or chain numbers (unbiased up to their errors) for the physics, not the flow's own; ℓ (%.2f%% above the optimum) for the flow's quality\n", 100*r.GapRel)
	default:
		fmt.Fprintf(w, "  verdict: no collapse: the flow covers the target (ESS %.0f of %d), and its reweighted energy is %.1f standard errors from the exact one;\n", u.ESS, r.Samples, u.EnergyZ)
		fmt.Fprintf(w, "  use the reweighted or chain numbers (unbiased up to their errors) for the physics, ℓ (%.2f%% above the optimum) for the flow's quality\n", 100*r.GapRel)
	}
}
