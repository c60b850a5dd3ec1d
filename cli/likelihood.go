package cli

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"time"

	"github.com/mafc-dev/mafc/cli/figures"
	"github.com/mafc-dev/mafc/cli/progress"
	"github.com/mafc-dev/mafc/data/mnist"
	"github.com/mafc-dev/mafc/ir"
	"github.com/mafc-dev/mafc/ode"
	mafcrt "github.com/mafc-dev/mafc/runtime"
	"github.com/mafc-dev/mafc/train"
)

// mnistBaselines are the reference NLLs (nats, logit space) of the MAF
// paper's Table 2 that the paper's Figure 3 draws, drawn on the NLL figure
// beside the paper's own curve (paperLog).
var mnistBaselines = map[string]float64{"MADE": 1380.8, "Real NVP": 1323.2, "MAF": 1300.5}

// NLLResult is an exact negative log-likelihood estimate on a data split.
type NLLResult struct {
	Split   string  `json:"split"`         // "fresh", "train", "valid", "test" or "data" (mafc eval -data)
	N       int     `json:"n"`             // points evaluated
	NLL     float64 `json:"nll"`           // mean −ln p, nats, in the data space of the model (logit space for MNIST)
	SE      float64 `json:"se"`            // its standard error
	BPD     float64 `json:"bpd,omitempty"` // bits per dimension in pixel space (MNIST only)
	Seconds float64 `json:"seconds"`
}

// densityNLL runs the density flow (exact Laplacian) from the points x (n×D)
// and returns −ln p for each. The points are integrated evalChunk at a time
// whatever the number of workers, so each point's −ln p does not depend on
// workers.
func densityNLL(ctx context.Context, comm train.Comm, pot mafcrt.Potential, p *ir.Program, x []float64, workers int) ([]float64, error) {
	oc, err := ode.ConfigFor(p)
	if err != nil {
		return nil, err
	}
	D := pot.Dim()
	n := len(x) / D
	z := append([]float64(nil), x...)
	a := make([]float64, n)
	if err := flowSpread(ctx, comm, pot, oc, z, a, -1, workers, evalChunk(pot.Program())); err != nil {
		return nil, err
	}
	nll := make([]float64, n)
	for b := range nll {
		nll[b] = a[b] - ode.LogNormal(z[b*D:(b+1)*D])
	}
	return nll, nil
}

// mnistSplit returns a split's images and the indices of its images in
// them; "validation" is "valid".
func mnistSplit(ds *train.MNIST, split string) (string, []uint8, []int, error) {
	switch split {
	case "train":
		return split, ds.Set.TrainImages, ds.Split.Train, nil
	case "valid", "validation":
		return "valid", ds.Set.TrainImages, ds.Split.Valid, nil
	case "test":
		return split, ds.Set.TestImages, mnist.Indices(ds.Set.NumTest()), nil
	}
	return "", nil, nil, usagef("unknown split %q (want train, valid or test)", split)
}

// mnistNLL evaluates the exact NLL of n images of a split (taken in a
// seeded random order) with deterministic dequantisation noise.
func mnistNLL(ctx context.Context, comm train.Comm, pot mafcrt.Potential, p *ir.Program, ds *train.MNIST, split string, n int, seed uint64, workers int) (*NLLResult, error) {
	res, err := mnistNLLs(ctx, comm, pot, p, ds, []string{split}, n, seed, workers)
	if err != nil {
		return nil, err
	}
	return res[0], nil
}

// mnistNLLs is mnistNLL for several splits, integrated together: the
// images of all splits go through the density flow in one pass of
// evalChunk-image batches, and each image's −ln p is what mnistNLL gives it
// alone. Each result's Seconds is its share of the pass (by images).
func mnistNLLs(ctx context.Context, comm train.Comm, pot mafcrt.Potential, p *ir.Program, ds *train.MNIST, splits []string, n int, seed uint64, workers int) ([]*NLLResult, error) {
	start := time.Now()
	D := mnist.D
	var x []float64
	res := make([]*NLLResult, len(splits))
	for i, split := range splits {
		name, images, idx, err := mnistSplit(ds, split)
		if err != nil {
			return nil, err
		}
		k := min(n, len(idx))
		if k < len(idx) {
			rng := rand.New(rand.NewPCG(seed, 0x73706c6974))
			perm := rng.Perm(len(idx))[:k]
			sub := make([]int, k)
			for j, v := range perm {
				sub[j] = idx[v]
			}
			idx = sub
		}
		off := len(x)
		x = append(x, make([]float64, k*D)...)
		for j, v := range idx {
			mnist.PreprocessAt(x[off+j*D:off+(j+1)*D], images[v*D:(v+1)*D], seed, uint64(v))
		}
		res[i] = &NLLResult{Split: name, N: k}
	}
	nll, err := densityNLL(ctx, comm, pot, p, x, workers)
	if err != nil {
		return nil, err
	}
	secs := time.Since(start).Seconds()
	off := 0
	for _, r := range res {
		part := nll[off : off+r.N]
		bpd := make([]float64, r.N)
		for j := range part {
			bpd[j] = mnist.BitsPerDim(part[j], x[(off+j)*D:(off+j+1)*D])
		}
		r.NLL, r.SE = train.MeanStdErr(part)
		r.BPD, _ = train.MeanStdErr(bpd)
		r.Seconds = secs * float64(r.N) / float64(max(1, len(nll)))
		off += r.N
	}
	return res, nil
}

// syntheticNLL evaluates the NLL on n fresh samples of a synthetic dataset.
func syntheticNLL(ctx context.Context, comm train.Comm, pot mafcrt.Potential, p *ir.Program, d train.Dataset, n, workers int) (*NLLResult, error) {
	start := time.Now()
	x := make([]float64, n*pot.Dim())
	d.Next(x)
	nll, err := densityNLL(ctx, comm, pot, p, x, workers)
	if err != nil {
		return nil, err
	}
	m, se := train.MeanStdErr(nll)
	return &NLLResult{Split: "fresh", N: n, NLL: m, SE: se, Seconds: time.Since(start).Seconds()}, nil
}

func (r *reporter) epochEval(tr *train.Trainer, rec train.Record, bar *progress.Bar) error {
	l := r.obj.(*train.Likelihood)
	if d, ok := l.Data.(*train.Points); ok {
		return r.pointsEval(tr, rec, d, bar.Printf)
	}
	ds, ok := l.Data.(*train.MNIST)
	if !ok {
		return nil
	}
	all, err := mnistNLLs(r.ctx, r.comm, r.pot, r.m.Prog, ds, []string{"train", "valid", "test"}, r.f.evalSub, uint64(r.f.seed)+7, r.f.workers)
	if err != nil {
		return err
	}
	for _, res := range all {
		split := res.Split
		r.s.Evals = append(r.s.Evals, evalPoint{Step: rec.Step, Epoch: rec.Epoch, Split: split, NLL: res.NLL, SE: res.SE, BPD: res.BPD})
		bar.Printf("step %d (epoch %.3f)  %-5s NLL %.1f ± %.1f nats (%.3f bits/dim, %d images, %.0fs)", rec.Step, rec.Epoch, split, res.NLL, res.SE, res.BPD, res.N, res.Seconds)
	}
	return nil
}

// likelihoodFinal evaluates a likelihood run at the end of training (the
// test NLL for MNIST, the training and validation NLL for a data file, the
// NLL of fresh samples otherwise), prints it, draws the figures and writes
// the report.
func (r *reporter) likelihoodFinal(tr *train.Trainer, l *train.Likelihood) error {
	report := r.newReport(tr)
	switch ds := l.Data.(type) {
	case *train.MNIST:
		n := r.f.evalN
		if n == 0 {
			n = 2000
		}
		res, err := mnistNLL(r.ctx, r.comm, r.pot, r.m.Prog, ds, "test", n, uint64(r.f.seed)+7, r.f.workers)
		if err != nil {
			return err
		}
		if !r.lead() {
			return nil
		}
		fmt.Fprintf(r.out, "MNIST test NLL after %d steps (epoch %.2f): %.2f ± %.2f nats in logit space, %.4f bits/dim (%d test images, %.0fs)\n",
			tr.StepsDone(), l.Epoch(), res.NLL, res.SE, res.BPD, res.N, res.Seconds)
		fmt.Fprintf(r.out, "paper (test, after epochs of training): 1447.7 (1), 1412.6 (2), 1404.2 (3), 1370.6 (11), 1273.2 (101), 1255.6 (final); MADE 1380.8, Real NVP 1323.2, MAF 1300.5\n")
		report.NLL = []*NLLResult{res}
		for _, e := range paperLog() {
			report.PaperNLL = append(report.PaperNLL, paperPoint{Epoch: e.Trained(), NLL: e.Test})
		}
		report.Baselines = map[string]float64{}
		for k, v := range mnistBaselines {
			report.Baselines[strings.ReplaceAll(strings.ToLower(k), " ", "_")] = v
		}
		figs, err := r.mnistFigures(tr, ds, res)
		if err != nil {
			return err
		}
		report.Figures = figs
	case *train.Points:
		if err := r.pointsFinal(ds, report); err != nil {
			return err
		}
	default:
		n := r.f.evalN
		if n == 0 {
			n = 16 * tr.Cfg.Batch
		}
		res, err := syntheticNLL(r.ctx, r.comm, r.pot, r.m.Prog, l.Data, n, r.f.workers)
		if err != nil {
			return err
		}
		fmt.Fprintf(r.out, "NLL on %d fresh samples: %.4f ± %.4f nats", res.N, res.NLL, res.SE)
		if g, ok := l.Data.(*train.Gaussian); ok {
			report.OptimumNLL = g.Entropy()
			fmt.Fprintf(r.out, " (optimum: the entropy %.4f)", g.Entropy())
		}
		fmt.Fprintln(r.out)
		report.NLL = []*NLLResult{res}
	}
	if !r.lead() {
		return nil
	}
	fig, err := r.likelihoodFigure(tr, l, report.OptimumNLL)
	if err != nil {
		return err
	}
	if fig != "" {
		fmt.Fprintf(r.out, "figure: %s\n", fig)
		report.Figures = append([]string{fig}, report.Figures...)
	}
	return r.writeReport(report)
}

// pointsFinal evaluates the NLL of the training points and, if any are
// held out, of the validation points of a data file at the end of
// training, prints each and adds it to report.
func (r *reporter) pointsFinal(ds *train.Points, report *Report) error {
	n := r.f.evalN
	if n == 0 {
		n = 2000
	}
	for _, split := range []string{"train", "valid"} {
		if split == "valid" && len(ds.Valid) == 0 {
			continue
		}
		idx, split, err := pointsSplit(ds, split, n)
		if err != nil {
			return err
		}
		res, _, err := pointsNLL(r.ctx, r.comm, r.pot, r.m.Prog, ds.Set, idx, split, r.f.workers)
		if err != nil {
			return err
		}
		name := map[string]string{"train": "training", "valid": "validation"}[split]
		fmt.Fprintf(r.out, "NLL on %d %s points of %s: %.4f ± %.4f nats (%.1fs)\n", res.N, name, ds.Set.Path, res.NLL, res.SE, res.Seconds)
		report.NLL = append(report.NLL, res)
	}
	return nil
}

// likelihoodFigure draws the loss curves of a likelihood run (the batch
// NLL per step, the validation NLL evaluations, the optimum if known) and,
// for 2-D data, the target's points beside 2000 flow samples. It returns
// the file written, or "" when there is nothing to draw.
func (r *reporter) likelihoodFigure(tr *train.Trainer, l *train.Likelihood, optimum float64) (string, error) {
	p := r.m.Prog
	d := figures.LikelihoodData{Title: fmt.Sprintf("%s: maximum likelihood", p.Name), Optimum: optimum, HasOptimum: optimum != 0}
	for _, h := range tr.History {
		d.Loss.X = append(d.Loss.X, float64(h.Step))
		d.Loss.Y = append(d.Loss.Y, h.Loss)
	}
	if len(d.Loss.X) == 0 {
		return "", nil
	}
	bySplit := map[string]*figures.Series{}
	var order []string
	for _, e := range r.s.Evals {
		s := bySplit[e.Split]
		if s == nil {
			s = &figures.Series{Name: e.Split + " NLL"}
			bySplit[e.Split] = s
			order = append(order, e.Split)
		}
		s.X, s.Y = append(s.X, float64(e.Step)), append(s.Y, e.NLL)
	}
	for _, k := range order {
		d.Evals = append(d.Evals, *bySplit[k])
	}
	if r.pot.Dim() == 2 {
		const n = 2000
		switch ds := l.Data.(type) {
		case *train.Points:
			for i := 0; i < min(n, ds.Set.N); i++ {
				d.DataX, d.DataY = append(d.DataX, ds.Set.X[2*i]), append(d.DataY, ds.Set.X[2*i+1])
			}
		default:
			x := make([]float64, 2*n)
			l.Data.Next(x)
			for i := 0; i < n; i++ {
				d.DataX, d.DataY = append(d.DataX, x[2*i]), append(d.DataY, x[2*i+1])
			}
		}
		oc, err := ode.ConfigFor(p)
		if err != nil {
			return "", err
		}
		rng := rand.New(rand.NewPCG(uint64(r.f.seed), 0x73616d706c65))
		x, a := make([]float64, 2*n), make([]float64, n)
		for i := range x {
			x[i] = rng.NormFloat64()
		}
		if err := flowMany(r.ctx, r.pot, oc, x, a, +1, r.f.workers, 64); err != nil {
			return "", err
		}
		for i := 0; i < n; i++ {
			if isFinite(x[2*i]) && isFinite(x[2*i+1]) {
				d.SampleX, d.SampleY = append(d.SampleX, x[2*i]), append(d.SampleY, x[2*i+1])
			}
		}
		if len(d.SampleX) == 0 {
			d.DataX, d.DataY = nil, nil
		}
	}
	path := r.figurePath()
	if err := figures.LikelihoodFigure(path, d); err != nil {
		return "", err
	}
	return path, nil
}

func isFinite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// mnistFigures draws the NLL curves, a grid of samples and the
// Gaussianisation of test images (the density flow shown in five chunks).
func (r *reporter) mnistFigures(tr *train.Trainer, ds *train.MNIST, final *NLLResult) ([]string, error) {
	p := r.m.Prog
	dir := r.f.out
	d := figures.NLLData{Title: fmt.Sprintf("%s: MNIST negative log-likelihood (nats, logit space)", p.Name),
		Baselines: mnistBaselines, Paper: paperCurve(paperLog())}
	for _, e := range r.s.Evals {
		switch e.Split {
		case "test":
			d.Test.X, d.Test.Y = append(d.Test.X, e.Epoch), append(d.Test.Y, e.NLL)
		case "train":
			d.Train.X, d.Train.Y = append(d.Train.X, e.Epoch), append(d.Train.Y, e.NLL)
		case "valid":
			d.Validation.X, d.Validation.Y = append(d.Validation.X, e.Epoch), append(d.Validation.Y, e.NLL)
		}
	}
	d.Test.X = append(d.Test.X, ds.Epoch())
	d.Test.Y = append(d.Test.Y, final.NLL)
	if err := figures.NLLCurves(filepath.Join(dir, "nll.png"), d); err != nil {
		return nil, err
	}
	oc, err := ode.ConfigFor(p)
	if err != nil {
		return nil, err
	}
	D := mnist.D
	// Samples.
	const nS = 36
	rng := rand.New(rand.NewPCG(uint64(r.f.seed), 0x73616d706c65))
	x, a := make([]float64, nS*D), make([]float64, nS)
	for i := range x {
		x[i] = rng.NormFloat64()
	}
	if err := flowMany(r.ctx, r.pot, oc, x, a, +1, r.f.workers, 12); err != nil {
		return nil, err
	}
	var imgs [][]float64
	for b := 0; b < nS; b++ {
		img := make([]float64, D)
		for i := range img {
			img[i] = mnist.InverseLogit(x[b*D+i])
		}
		imgs = append(imgs, img)
	}
	if err := figures.ImageGrid(filepath.Join(dir, "samples.png"), imgs, 28, 28, 6, p.Name+": samples"); err != nil {
		return nil, err
	}
	// Gaussianisation: 6 test images through the density flow in 5 chunks.
	const nG, chunks = 6, 5
	g := make([]float64, nG*D)
	for i := 0; i < nG; i++ {
		mnist.PreprocessAt(g[i*D:(i+1)*D], ds.Set.TestImage(i), 1, uint64(i))
	}
	rows := make([][][]float64, nG)
	times := []float64{0}
	snap := func() {
		for i := 0; i < nG; i++ {
			rows[i] = append(rows[i], append([]float64(nil), g[i*D:(i+1)*D]...))
		}
	}
	snap()
	ag := make([]float64, nG)
	per := max(1, oc.Steps/chunks)
	perChunk := oc
	perChunk.Steps = per
	for c := 0; c < chunks; c++ {
		if err := flowMany(r.ctx, r.pot, perChunk, g, ag, -1, r.f.workers, nG); err != nil {
			return nil, err
		}
		snap()
		times = append(times, float64((c+1)*per)*oc.Dt)
	}
	if err := figures.Gaussianisation(filepath.Join(dir, "gaussianisation.png"), rows, 28, 28, times); err != nil {
		return nil, err
	}
	figs := []string{filepath.Join(dir, "nll.png"), filepath.Join(dir, "samples.png"), filepath.Join(dir, "gaussianisation.png")}
	fmt.Fprintf(r.out, "figures: %s\n", strings.Join(figs, ", "))
	return figs, nil
}
