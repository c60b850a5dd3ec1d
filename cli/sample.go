package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"strings"

	"github.com/mafc-dev/mafc/data/mnist"
	"github.com/mafc-dev/mafc/data/npy"
	"github.com/mafc-dev/mafc/internal/atomicfile"
	"github.com/mafc-dev/mafc/ir"
	"github.com/mafc-dev/mafc/ode"
	"github.com/mafc-dev/mafc/physics/ising"
	mafcrt "github.com/mafc-dev/mafc/runtime"
	"github.com/mafc-dev/mafc/train"
	"github.com/mafc-dev/mafc/train/ckpt"
)

func sampleCmd(ctx context.Context, m Model, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("sample", flag.ContinueOnError)
	ck := fs.String("ckpt", "", "checkpoint `file` (or an output directory holding checkpoint.ckpt); MNIST: a comma-separated list of them, evaluated in turn, one line each")
	n := fs.Int("n", 64, "number of samples")
	out := fs.String("o", "samples.npy", "output `file` for x(T): .npy (numpy) or .csv")
	logp := fs.String("logp", "", "optional output `file` for ln p(x(T)) (.npy or .csv)")
	spins := fs.String("spins", "", "Ising targets: optional .npy `file` of sampled spins s = ±1 (int8)")
	seed := fs.Int64("seed", 1, "random seed")
	workers := fs.Int("workers", defaultWorkers(), "goroutines")
	mcmc := fs.Bool("mcmc", false, "Ising targets: write the independence Metropolis–Hastings chain over the n flow samples (flow as proposal; exact target asymptotically, correlated) instead of the samples")
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	if *ck == "" {
		return usagef("-ckpt is required (a checkpoint written by mafc train)")
	}
	if *mcmc && m.Prog.Train.Objective.Kind != "variational" {
		return usagef("-mcmc needs an Ising target in the spec (its weights π̃/p make the chain)")
	}
	if err := checkFlags(fs, sampleRules); err != nil {
		return err
	}
	if err := checkFlowResources(m.Prog, "sampling", *n, max(1, min(64, m.Prog.Train.Batch)), *workers); err != nil {
		return err
	}
	if *n < 1 {
		return usagef("-n must be positive")
	}
	for name, path := range map[string]string{"-o": *out, "-logp": *logp, "-spins": *spins} {
		if err := checkOutput(name, path); err != nil {
			return err
		}
	}
	pot := m.New()
	if _, err := loadParams(*ck, pot); err != nil {
		return err
	}
	p := m.Prog
	oc, err := ode.ConfigFor(p)
	if err != nil {
		return err
	}
	D := pot.Dim()
	rng := rand.New(rand.NewPCG(uint64(*seed), 0x73616d70))
	x, a := make([]float64, *n*D), make([]float64, *n)
	for i := range x {
		x[i] = rng.NormFloat64()
	}
	for b := range a {
		a[b] = ode.LogNormal(x[b*D : (b+1)*D])
	}
	if err := flowMany(ctx, pot, oc, x, a, +1, *workers, max(1, min(64, p.Train.Batch))); err != nil {
		return err
	}
	xw, aw := x, a // what is written: the samples, or the chain's states
	if *mcmc {
		if xw, aw, err = chainStates(ctx, p, x, a, *seed, stdout); err != nil {
			return err
		}
	}
	if err := writeArray(*out, xw, *n, D); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %d samples of dimension %d to %s\n", *n, D, *out)
	if *logp != "" {
		if err := writeArray(*logp, aw, *n, 1); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "wrote ln p to %s\n", *logp)
	}
	if *spins != "" {
		if err := writeSpins(*spins, p, xw, *n, rng, stdout); err != nil {
			return err
		}
	}
	return roundTrip(ctx, pot, oc, x, a, *n, *seed, *workers, max(1, min(64, p.Train.Batch)), stdout)
}

// writeSpins writes the spins s = ±1 sampled from the n flow samples xw of
// an Ising spec p to path as .npy (int8, n×L1×L2), drawing from rng.
func writeSpins(path string, p *ir.Program, xw []float64, n int, rng *rand.Rand, stdout io.Writer) error {
	if p.Train.Objective.Kind != "variational" {
		return usagef("-spins needs an Ising target in the spec")
	}
	tg := p.Train.Objective.Target
	D := len(xw) / n
	s := make([]int8, n*D)
	ising.Spins(s, xw, rng)
	if err := npy.WriteFileInt8(path, s, n, tg.L1, tg.L2); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote spins to %s\n", path)
	return nil
}

// roundTrip checks the first min(n, 64) samples x (drawn with seed, ln p
// in a) by the density flow backwards and prints how far it lands from z
// and from −ln p(x(T)). RK4 backwards is not the exact inverse of RK4
// forwards.
func roundTrip(ctx context.Context, pot mafcrt.Potential, oc ode.Config, x, a []float64, n int, seed int64, workers, chunk int, stdout io.Writer) error {
	D := pot.Dim()
	k := min(n, 64)
	rng := rand.New(rand.NewPCG(uint64(seed), 0x73616d70))
	z := make([]float64, k*D)
	for i := range z {
		z[i] = rng.NormFloat64()
	}
	back := append([]float64(nil), x[:k*D]...)
	acc := make([]float64, k)
	if err := flowMany(ctx, pot, oc, back, acc, -1, workers, chunk); err != nil {
		return err
	}
	var dz, dl float64
	for i := range back {
		dz = math.Max(dz, math.Abs(back[i]-z[i]))
	}
	for b := 0; b < k; b++ {
		nll := acc[b] - ode.LogNormal(back[b*D:(b+1)*D])
		dl = math.Max(dl, math.Abs(nll+a[b]))
	}
	fmt.Fprintf(stdout, "round trip (forward then backward, %d samples): max |z − z'| = %.3g, max |ln p + NLL| = %.3g\n", k, dz, dl)
	return nil
}

// chainStates runs the independence Metropolis–Hastings chain over the
// flow samples x (with ln p in a) against the spec's Ising relaxation and
// returns the chain's states in order (a state repeats while proposals are
// rejected) with their ln p, after printing the acceptance rate and the
// energy's integrated autocorrelation time.
func chainStates(ctx context.Context, p *ir.Program, x, a []float64, seed int64, stdout io.Writer) ([]float64, []float64, error) {
	tg := p.Train.Objective.Target
	rel, err := ising.NewRelaxation(tg.L1, tg.L2, tg.T)
	if err != nil {
		return nil, nil, err
	}
	rng := rand.New(rand.NewPCG(uint64(seed), 0x6d636d63)) // "mcmc"
	obs, err := rel.Observe(x, a, rng)
	if err != nil {
		return nil, nil, err
	}
	ch := obs.IndependenceMH(rand.New(rand.NewPCG(uint64(seed), 0x6d636d63)))
	state, _ := ising.IndependenceMHStates(obs.LogW, rand.New(rand.NewPCG(uint64(seed), 0x6d636d63)))
	D := rel.N()
	xs, as := make([]float64, len(x)), make([]float64, len(a))
	for k, s := range state {
		copy(xs[k*D:(k+1)*D], x[s*D:(s+1)*D])
		as[k] = a[s]
	}
	fmt.Fprintf(stdout, "independence Metropolis–Hastings over %d flow samples: acceptance %.1f%%, integrated autocorrelation time of the energy %.2f steps (about %.0f independent states)\n",
		len(a), 100*ch.Acceptance, ch.Tau, float64(len(a))/ch.Tau)
	return xs, as, ctx.Err()
}

// writeArray writes an n×d array as .npy or .csv (by extension).
func writeArray(path string, data []float64, n, d int) error {
	switch {
	case strings.HasSuffix(path, ".npy"):
		if d == 1 {
			return npy.WriteFile(path, data, n)
		}
		return npy.WriteFile(path, data, n, d)
	case strings.HasSuffix(path, ".csv"):
		var b strings.Builder
		for r := 0; r < n; r++ {
			for c := 0; c < d; c++ {
				if c > 0 {
					b.WriteByte(',')
				}
				fmt.Fprintf(&b, "%.17g", data[r*d+c])
			}
			b.WriteByte('\n')
		}
		return atomicfile.WriteFile(path, []byte(b.String()), 0o644)
	}
	return usagef("output %q: want a .npy or .csv file", path)
}

func evalCmd(ctx context.Context, m Model, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("eval", flag.ContinueOnError)
	ck := fs.String("ckpt", "", "checkpoint `file` (or an output directory holding checkpoint.ckpt); MNIST: a comma-separated list of them, evaluated in turn, one line each")
	n := fs.Int("n", 0, "samples (Ising, synthetic data) or data points (MNIST: images per split, default all: 50,000 train, 10,000 valid, 10,000 test; data files: default all points of the split)")
	split := fs.String("split", "", "MNIST: train, valid or test, or a comma-separated list of them evaluated in one pass (default test); a data file: train or valid (default valid when the spec holds points out, else train)")
	report := fs.String("report", "", "MNIST: write the results as JSON to this `file` (report.json names: checkpoints, each checkpoint, step, epoch, nll, seconds)")
	mnistDir := fs.String("mnist-dir", "", "`dir`ectory with the MNIST IDX files")
	data := fs.String("data", "", "evaluate ln p of the points in this .npy (float32/float64, N×D) or .csv `file`, for any spec")
	out := fs.String("o", "", "write ln p of every evaluated point to this `file` (.npy or .csv; needs -data or a spec with likelihood(file = …))")
	seed := fs.Int64("seed", int64(m.Prog.Train.Seed), "random seed (and, for data files and MNIST, of the train/validation split: use the training seed)")
	workers := fs.Int("workers", defaultWorkers(), "goroutines")
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	if *ck == "" {
		return usagef("-ckpt is required (a checkpoint written by mafc train)")
	}
	if err := checkFlags(fs, evalRules); err != nil {
		return err
	}
	ckpts, err := checkpointList(*ck)
	if err != nil {
		return err
	}
	isMNIST := m.Prog.Train.Objective.Dataset == "mnist" && *data == ""
	var splits []string
	if isMNIST {
		if splits, err = mnistSplits(*split); err != nil {
			return err
		}
	} else {
		switch {
		case len(ckpts) > 1:
			return usagef("-ckpt: a list of checkpoints is for MNIST specs; give one")
		case strings.Contains(*split, ","):
			return usagef("-split: a list of splits is for MNIST specs; give one")
		case *report != "":
			return usagef("-report is for MNIST specs")
		case *split != "" && *split != "train" && *split != "valid" && *split != "test":
			return usagef("-split must be train, valid or test, got %q", *split)
		}
	}
	points, chunk := evalPoints(m.Prog, *n)
	if isMNIST {
		points = mnistEvalImages(splits, *n)
	}
	if err := checkFlowResources(m.Prog, "evaluation", points, chunk, *workers); err != nil {
		return err
	}
	if *out != "" && !strings.HasSuffix(*out, ".npy") && !strings.HasSuffix(*out, ".csv") {
		return usagef("-o %q: want a .npy or .csv file", *out)
	}
	pot := m.New()
	p := m.Prog
	if *out != "" && *data == "" && p.Train.Objective.File == "" {
		return usagef("-o writes ln p of data points: give -data FILE (or use a spec with likelihood(file = …))")
	}
	a := evalArgs{ck: *ck, n: *n, split: *split, report: *report, data: *data, out: *out, seed: *seed, workers: *workers, ckpts: ckpts, splits: splits}
	if *data != "" {
		return evalDataFile(ctx, stdout, pot, p, a)
	}
	st, err := loadParams(ckpts[0], pot)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s: checkpoint at step %d\n", p.Name, st.Step)
	obj, err := train.ObjectiveFor(ctx, p, max(1, p.Train.Batch), uint64(*seed), *mnistDir)
	if err != nil {
		return err
	}
	return evalObjective(ctx, stdout, pot, p, obj, st, a)
}

// evalArgs are the flags of mafc eval, with the checkpoints and MNIST
// splits they name.
type evalArgs struct {
	ck, split, report, data, out string
	n, workers                   int
	seed                         int64
	ckpts, splits                []string
}

// evalDataFile evaluates ln p of the points of the data file a.data (the
// first a.n if positive) with the checkpoint a.ck and writes them to a.out
// if given.
func evalDataFile(ctx context.Context, stdout io.Writer, pot mafcrt.Potential, p *ir.Program, a evalArgs) error {
	// Read the points before the checkpoint: a bad file is the
	// likelier mistake, and this way it is reported first.
	set, err := loadData(a.data, pot.Dim())
	if err != nil {
		return err
	}
	st, err := loadParams(a.ck, pot)
	if err != nil {
		return err
	}
	var idx []int
	if a.n > 0 && a.n < set.N {
		idx = make([]int, a.n)
		for i := range idx {
			idx[i] = i
		}
	}
	res, nll, err := pointsNLL(ctx, nil, pot, p, set, idx, "data", a.workers)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s: checkpoint at step %d\n", p.Name, st.Step)
	fmt.Fprintf(stdout, "NLL on %d points of %s: %.4f ± %.4f nats (%.1fs)\n", res.N, a.data, res.NLL, res.SE, res.Seconds)
	return writeLogp(stdout, a.out, nll)
}

// evalObjective evaluates the checkpoint st for the spec's objective obj:
// the Ising report, the NLL of MNIST splits or of a data file's points, or
// the NLL of fresh samples of a synthetic data set.
func evalObjective(ctx context.Context, stdout io.Writer, pot mafcrt.Potential, p *ir.Program, obj train.Objective, st *ckpt.State, a evalArgs) error {
	switch o := obj.(type) {
	case *train.Variational:
		k := a.n
		if k == 0 {
			k = 16 * max(1, p.Train.Batch)
		}
		rep, err := isingEval(ctx, nil, pot, p, o.Target, k, uint64(a.seed), a.workers)
		if err != nil {
			return err
		}
		rep.Print(stdout)
	case *train.Likelihood:
		switch ds := o.Data.(type) {
		case *train.MNIST:
			k := a.n
			if k == 0 {
				k = mnist.TrainSize // every image of each split (the largest holds 50,000)
			}
			return evalMNIST(ctx, stdout, pot, p, ds, a.ckpts, st, a.splits, k, uint64(a.seed)+7, a.workers, a.report)
		case *train.Points:
			idx, sp, err := pointsSplit(ds, a.split, a.n)
			if err != nil {
				return err
			}
			res, nll, err := pointsNLL(ctx, nil, pot, p, ds.Set, idx, sp, a.workers)
			if err != nil {
				return err
			}
			name := map[string]string{"train": "training", "valid": "validation"}[sp]
			fmt.Fprintf(stdout, "NLL on %d %s points of %s: %.4f ± %.4f nats (%.1fs)\n", res.N, name, ds.Set.Path, res.NLL, res.SE, res.Seconds)
			return writeLogp(stdout, a.out, nll)
		default:
			k := a.n
			if k == 0 {
				k = 1024
			}
			res, err := syntheticNLL(ctx, nil, pot, p, o.Data, k, a.workers)
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "NLL on %d fresh samples: %.4f ± %.4f nats\n", res.N, res.NLL, res.SE)
		}
	}
	return nil
}

// writeLogp writes ln p = −NLL of each point to path (.npy or .csv), if
// path is not empty.
func writeLogp(stdout io.Writer, path string, nll []float64) error {
	if path == "" {
		return nil
	}
	logp := make([]float64, len(nll))
	for i, v := range nll {
		logp[i] = -v
	}
	if err := writeArray(path, logp, len(logp), 1); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote ln p of %d points to %s\n", len(logp), path)
	return nil
}
