package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/mafc-dev/mafc/cli/figures"
	"github.com/mafc-dev/mafc/internal/atomicfile"
	"github.com/mafc-dev/mafc/ir"
	"github.com/mafc-dev/mafc/ode"
	"github.com/mafc-dev/mafc/physics/ising"
	mafcrt "github.com/mafc-dev/mafc/runtime"
	"github.com/mafc-dev/mafc/train"
)

// PaperIsingLoss is the paper's variational loss per site at L = 16, T_c
// after 2000 steps (Zhang, E, Wang 2018, Fig. 4).
const PaperIsingLoss = -2.294

// IsingReport is the result of evaluating a model against the Ising
// relaxation with fresh samples.
type IsingReport struct {
	L1          int     `json:"l1"`
	L2          int     `json:"l2"`
	T           float64 `json:"t"`
	Samples     int     `json:"samples"`
	Loss        float64 `json:"loss"` // ℓ, mean over samples
	LossSE      float64 `json:"loss_se"`
	Exact       float64 `json:"exact"`   // −ln Z_cont/N, the optimum of ℓ
	Gap         float64 `json:"gap"`     // ℓ − exact
	GapRel      float64 `json:"gap_rel"` // gap/|exact|
	FBound      float64 `json:"f_bound"` // implied upper bound on the discrete free energy per site
	FExact      float64 `json:"f_exact"`
	FRelErr     float64 `json:"f_rel_err"`
	Energy      float64 `json:"energy"` // energy per site from spins
	EnergySE    float64 `json:"energy_se"`
	EnergyExact float64 `json:"energy_exact"`
	AbsM        float64 `json:"abs_m"`
	AbsMSE      float64 `json:"abs_m_se"`
	M2          float64 `json:"m2"`
	M2SE        float64 `json:"m2_se"`
	Seconds     float64 `json:"seconds"`
	PaperLoss   float64 `json:"paper_loss,omitempty"`
	PaperGapRel float64 `json:"paper_gap_rel,omitempty"`
	// Random lists the groups drawn at random per integration step
	// (ir.ByRandom); ℓ is then averaged over the draws.
	Random []string `json:"random,omitempty"`
	// Unbiased holds the importance-sampling and Metropolis–Hastings
	// estimates from the same samples (see isingUnbiased).
	Unbiased *Unbiased `json:"unbiased,omitempty"`
}

// isingEval samples n configurations from the model and estimates ℓ, the
// free-energy bound and spin statistics.
func isingEval(ctx context.Context, comm train.Comm, pot mafcrt.Potential, p *ir.Program, rel *ising.Relaxation, n int, seed uint64, workers int) (*IsingReport, error) {
	start := time.Now()
	oc, err := ode.ConfigFor(p)
	if err != nil {
		return nil, err
	}
	D := pot.Dim()
	rng := rand.New(rand.NewPCG(seed, 0x6576616c))
	x, a := make([]float64, n*D), make([]float64, n)
	for i := range x {
		x[i] = rng.NormFloat64()
	}
	for b := range a {
		a[b] = ode.LogNormal(x[b*D : (b+1)*D])
	}
	if err := flowSpread(ctx, comm, pot, oc, x, a, +1, workers, max(1, p.Train.Batch/2)); err != nil {
		return nil, err
	}
	lat := rel.Lattice()
	N := float64(lat.N())
	losses := make([]float64, n)
	st := ising.NewStats(lat.L1, lat.L2)
	buf := make([]int8, lat.N())
	for b := 0; b < n; b++ {
		xb := x[b*D : (b+1)*D]
		losses[b] = (a[b] - rel.LogTarget(xb)) / N
		st.AddContinuous(xb, buf, rng)
	}
	u, err := isingUnbiased(rel, x, a, rng)
	if err != nil {
		return nil, err
	}
	mean, se := train.MeanStdErr(losses)
	r := &IsingReport{L1: lat.L1, L2: lat.L2, T: rel.T(), Samples: n, Loss: mean, LossSE: se, Unbiased: u}
	bd := rel.Bound(mean)
	r.Exact, r.Gap, r.GapRel = bd.OptimalLossPerSite, mean-bd.OptimalLossPerSite, bd.LossRelErr
	r.FBound, r.FExact, r.FRelErr = bd.FBound, bd.FExact, bd.FRelErr
	r.Energy, r.EnergySE = st.EnergyPerSite()
	r.EnergyExact = ising.EnergyPerSite(lat.L1, lat.L2, rel.T())
	r.AbsM, r.AbsMSE = st.AbsMagnetisation()
	r.M2, r.M2SE = st.Magnetisation2()
	if lat.L1 == 16 && lat.L2 == 16 && math.Abs(rel.T()-ising.Tc) < 1e-12 {
		r.PaperLoss = PaperIsingLoss
		r.PaperGapRel = (PaperIsingLoss - r.Exact) / math.Abs(r.Exact)
	}
	for _, s := range p.Randomized() {
		r.Random = append(r.Random, string(s.Group))
	}
	r.Seconds = time.Since(start).Seconds()
	return r, nil
}

// Print writes the report as aligned lines.
func (r *IsingReport) Print(w io.Writer) {
	fmt.Fprintf(w, "Ising %d×%d at T = %.6f (%d fresh samples, %.1fs)\n", r.L1, r.L2, r.T, r.Samples, r.Seconds)
	fmt.Fprintf(w, "  variational loss per site ℓ   %.6f ± %.6f\n", r.Loss, r.LossSE)
	if len(r.Random) > 0 {
		fmt.Fprintf(w, "  (averaged over random %s elements per integration step: still an upper bound)\n", strings.Join(r.Random, " × "))
	}
	fmt.Fprintf(w, "  exact optimum −ln Z_cont/N    %.6f\n", r.Exact)
	fmt.Fprintf(w, "  gap                           %.6f (%.3f%%)\n", r.Gap, 100*r.GapRel)
	if r.PaperLoss != 0 {
		fmt.Fprintf(w, "  paper (step 2000)             %.6f (%.3f%% above the optimum)\n", r.PaperLoss, 100*r.PaperGapRel)
	}
	fmt.Fprintf(w, "  free energy per site: bound   %.6f, exact %.6f (relative error %.3f%%)\n", r.FBound, r.FExact, 100*r.FRelErr)
	if r.Unbiased != nil {
		r.Unbiased.print(w, r)
		return
	}
	fmt.Fprintf(w, "  energy per site from spins    %.5f ± %.5f (exact %.5f)\n", r.Energy, r.EnergySE, r.EnergyExact)
	fmt.Fprintf(w, "  ⟨|m|⟩ = %.4f ± %.4f, ⟨m²⟩ = %.4f ± %.4f\n", r.AbsM, r.AbsMSE, r.M2, r.M2SE)
}

func (r *reporter) isingFinal(tr *train.Trainer, obj *train.Variational) error {
	n := r.f.evalN
	if n == 0 {
		n = 16 * tr.Cfg.Batch
	}
	rep, err := isingEval(r.ctx, r.comm, r.pot, r.m.Prog, obj.Target, n, uint64(r.f.seed)+1, r.f.workers)
	if err != nil {
		return err
	}
	if !r.lead() {
		return nil
	}
	rep.Print(r.out)
	report := r.newReport(tr)
	report.Ising = rep
	fig := r.figurePath()
	d := figures.IsingData{
		Title: fmt.Sprintf("%s: variational free energy, %d×%d Ising at T = %.4f", r.m.Prog.Name, rep.L1, rep.L2, rep.T),
		Exact: rep.Exact,
	}
	if rep.PaperLoss != 0 {
		d.Reference, d.RefLabel = rep.PaperLoss, "paper, step 2000"
	}
	if a := obj.Anneal; a != nil {
		d.AnnealEnd = float64(a.End())
		d.AnnealLabel = fmt.Sprintf("end of the anneal from T = %s (losses before it: hotter targets)", fmtG(a.From))
	}
	for _, h := range tr.History {
		d.Steps = append(d.Steps, float64(h.Step))
		d.Loss = append(d.Loss, h.Loss)
		d.StdErr = append(d.StdErr, h.StdErr)
	}
	for _, t := range r.s.Tiles {
		d.Tiles = append(d.Tiles, figures.SpinTiles{Step: int(t.Step), L1: rep.L1, L2: rep.L2, Spins: t.Spins})
	}
	if len(d.Steps) >= 2 {
		if err := figures.IsingFigure(fig, d); err != nil {
			return err
		}
		fmt.Fprintf(r.out, "figure: %s\n", fig)
		report.Figures = append(report.Figures, fig)
	}
	return r.writeReport(report)
}

func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(path, append(b, '\n'), 0o644)
}
