package cli

import (
	"context"
	"flag"
	"fmt"
	"path/filepath"
	"time"

	"github.com/mafc-dev/mafc/data/points"
	"github.com/mafc-dev/mafc/ir"
	mafcrt "github.com/mafc-dev/mafc/runtime"
	"github.com/mafc-dev/mafc/train"
)

// dataFlags are mafc train's -data and -validation: train on a data file
// instead of the spec's objective.
type dataFlags struct {
	file       string
	validation float64
}

func (d *dataFlags) register(fs *flag.FlagSet, m Model) {
	o := m.Prog.Train.Objective
	fs.StringVar(&d.file, "data", "", "train by maximum likelihood on the points in this .npy (float32/float64, N×D) or .csv `file` (replaces the spec's objective; relative to the working directory)")
	fs.Float64Var(&d.validation, "validation", o.Validation, "with a data file: the `fraction` of points held out for validation (0 ≤ f ≤ 0.9; default the spec's)")
}

// apply replaces m's objective by likelihood on the data file, if one was
// given. The file's path is made absolute, so that it is not read relative
// to the spec's directory as a spec's own file is.
func (d *dataFlags) apply(m *Model) error {
	if !(d.validation >= 0 && d.validation <= 0.9) {
		return usagef("-validation must be in [0, 0.9], got %v", d.validation)
	}
	if d.file == "" {
		if d.validation != m.Prog.Train.Objective.Validation {
			if m.Prog.Train.Objective.File == "" {
				return usagef("-validation needs a data file: give -data FILE or likelihood(file = …) in the spec")
			}
			q := *m.Prog
			q.Train.Objective.Validation = d.validation
			m.Prog = &q
		}
		return nil
	}
	if m.Prog.Train.Objective.Kind == "" {
		return fmt.Errorf("%s has no train block: add `train { objective = likelihood(file = %q) }` to the spec (or any objective, which -data replaces)", m.Prog.File, d.file)
	}
	abs, err := filepath.Abs(d.file)
	if err != nil {
		return usagef("-data %q: %v", d.file, err)
	}
	q := *m.Prog
	q.Train.Objective = ir.Objective{Kind: "likelihood", File: abs, Validation: d.validation, Pos: q.Train.Objective.Pos}
	q.Train.Anneal = nil // a temperature schedule belongs to the replaced (Ising) objective
	m.Prog = &q
	return nil
}

// loadData reads the points of a -data flag for a model of dimension dim.
func loadData(path string, dim int) (*points.Set, error) {
	return points.Load(path, dim, points.DefaultLimits)
}

// pointsNLL evaluates −ln p of the points idx of s (all of them when idx is
// nil) and returns the summary and the NLL of each point.
func pointsNLL(ctx context.Context, comm train.Comm, pot mafcrt.Potential, p *ir.Program, s *points.Set, idx []int, split string, workers int) (*NLLResult, []float64, error) {
	start := time.Now()
	var x []float64
	if idx == nil {
		x = s.X
	} else {
		x = make([]float64, 0, len(idx)*s.D)
		for _, i := range idx {
			x = append(x, s.Row(i)...)
		}
	}
	nll, err := densityNLL(ctx, comm, pot, p, x, workers)
	if err != nil {
		return nil, nil, err
	}
	m, se := train.MeanStdErr(nll)
	return &NLLResult{Split: split, N: len(nll), NLL: m, SE: se, Seconds: time.Since(start).Seconds()}, nll, nil
}

// pointsSplit returns the indices of a split of a data file's points
// ("train" or "valid"; "" for the validation points if there are any,
// else the training points) and the split's name, at most n of them (n ≤ 0:
// all).
func pointsSplit(d *train.Points, split string, n int) ([]int, string, error) {
	var idx []int
	switch split {
	case "":
		split = "valid"
		idx = d.Valid
		if len(idx) == 0 {
			split, idx = "train", d.Train
		}
	case "train":
		idx = d.Train
	case "valid", "validation":
		split, idx = "valid", d.Valid
		if len(idx) == 0 {
			return nil, "", usagef("-split valid: the spec holds no points out (add validation = 0.1 to likelihood(file = …))")
		}
	default:
		return nil, "", usagef("unknown split %q for a data file (want train or valid)", split)
	}
	if n > 0 && n < len(idx) {
		idx = idx[:n]
	}
	return idx, split, nil
}

// pointsEval evaluates the validation NLL during training: at step 1 and
// then after whole epochs, at least a twentieth of the run apart (or
// every -eval-every steps).
func (r *reporter) pointsEval(tr *train.Trainer, rec train.Record, d *train.Points, printf func(string, ...any)) error {
	if len(d.Valid) == 0 {
		return nil
	}
	gap := int64(max(1, tr.Cfg.Steps/20))
	if r.f.evalEvery > 0 {
		gap = int64(r.f.evalEvery)
	}
	var last int64
	if n := len(r.s.Evals); n > 0 {
		last = r.s.Evals[n-1].Step
	}
	if rec.Step != 1 && rec.Step != int64(tr.Cfg.Steps) && rec.Step-last < gap {
		return nil
	}
	idx, split, err := pointsSplit(d, "valid", r.f.evalSub)
	if err != nil {
		return err
	}
	res, _, err := pointsNLL(r.ctx, r.comm, r.pot, r.m.Prog, d.Set, idx, split, r.f.workers)
	if err != nil {
		return err
	}
	r.s.Evals = append(r.s.Evals, evalPoint{Step: rec.Step, Epoch: rec.Epoch, Split: split, NLL: res.NLL, SE: res.SE})
	printf("step %d (epoch %.2f)  validation NLL %.4f ± %.4f nats (%d points, %.1fs)", rec.Step, rec.Epoch, res.NLL, res.SE, res.N, res.Seconds)
	return nil
}
