package app

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"time"

	mafcrt "github.com/mafc-dev/mafc/runtime"
	"github.com/mafc-dev/mafc/runtime/atomicfile"
	"github.com/mafc-dev/mafc/runtime/figures"
	"github.com/mafc-dev/mafc/runtime/ir"
	"github.com/mafc-dev/mafc/runtime/ising"
	"github.com/mafc-dev/mafc/runtime/ode"
	"github.com/mafc-dev/mafc/runtime/train"
)

// PaperIsingLoss is the paper's variational loss per site at L = 16, T_c
// after 2000 steps (Zhang, E, Wang 2018, Fig. 4).
const PaperIsingLoss = -2.294

// IsingReport is the result of evaluating a model against the Ising
// relaxation with fresh samples.
type IsingReport struct {
	L1, L2        int
	T             float64
	Samples       int
	Loss          float64 // ℓ, mean over samples
	LossSE        float64
	Exact         float64 // −ln Z_cont/N, the optimum of ℓ
	Gap           float64 // ℓ − exact
	GapRel        float64 // gap/|exact|
	FBound        float64 // implied upper bound on the discrete free energy per site
	FExact        float64
	FRelErr       float64
	Energy        float64 // energy per site from spins
	EnergySE      float64
	EnergyExact   float64
	AbsM, AbsMSE  float64
	M2, M2SE      float64
	Seconds       float64
	PaperLoss     float64 `json:",omitempty"`
	PaperGapRel   float64 `json:",omitempty"`
	RoundTripMaxZ float64 `json:",omitempty"`
	// Random lists the groups drawn at random per integration step
	// (ir.ByRandom); ℓ is then averaged over the draws.
	Random []string `json:",omitempty"`
}

// isingEval samples n configurations from the model and estimates ℓ, the
// free-energy bound and spin statistics.
func isingEval(ctx context.Context, pot mafcrt.Potential, p *ir.Program, rel *ising.Relaxation, n int, seed uint64, workers int) (*IsingReport, error) {
	start := time.Now()
	tab, err := ode.TableauFor(p.Flow.Integrator)
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
	if err := flowMany(ctx, pot, tab, p.Flow.Steps, p.Flow.Dt, x, a, +1, workers, max(1, p.Train.Batch/2)); err != nil {
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
	mean, se := train.MeanStdErr(losses)
	r := &IsingReport{L1: lat.L1, L2: lat.L2, T: rel.T(), Samples: n, Loss: mean, LossSE: se}
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
	fmt.Fprintf(w, "  energy per site from spins    %.5f ± %.5f (exact %.5f)\n", r.Energy, r.EnergySE, r.EnergyExact)
	fmt.Fprintf(w, "  ⟨|m|⟩ = %.4f ± %.4f, ⟨m²⟩ = %.4f ± %.4f\n", r.AbsM, r.AbsMSE, r.M2, r.M2SE)
}

func (r *reporter) isingFinal(tr *train.Trainer, obj *train.Variational) error {
	n := r.f.evalN
	if n == 0 {
		n = 16 * tr.Cfg.Batch
	}
	rep, err := isingEval(r.ctx, r.pot, r.m.Prog, obj.Target, n, uint64(r.f.seed)+1, r.f.workers)
	if err != nil {
		return err
	}
	rep.Print(r.out)
	if err := writeJSON(filepath.Join(r.f.out, "report.json"), rep); err != nil {
		return err
	}
	fig := r.f.figure
	if fig == "" {
		fig = filepath.Join(r.f.out, "figure.png")
	}
	d := figures.IsingData{
		Title: fmt.Sprintf("%s: variational free energy, %d×%d Ising at T = %.4f", r.m.Prog.Name, rep.L1, rep.L2, rep.T),
		Exact: rep.Exact,
	}
	if rep.PaperLoss != 0 {
		d.Reference, d.RefLabel = rep.PaperLoss, "paper, step 2000"
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
	}
	return nil
}

func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(path, append(b, '\n'), 0o644)
}
