package cli

// The run directory of mafc train (-o): one process at a time (a lock that
// names its holder), cleaned of the temporary files of killed writes, its
// checkpoints recording the settings that decide the results so that a
// resume with other flags is refused unless -override, its metrics file
// rebuilt from the checkpoint's history when missing, and, after a
// non-finite step, no checkpoint left that would fail the same way.

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/mafc-dev/mafc/cli/progress"
	"github.com/mafc-dev/mafc/cli/rundir"
	"github.com/mafc-dev/mafc/ir"
	"github.com/mafc-dev/mafc/train"
	"github.com/mafc-dev/mafc/train/ckpt"
)

// Names in a run directory beyond the checkpoint pair.
const (
	metricsName   = "metrics.csv"               // default metrics file
	nonFiniteName = "checkpoint.nonfinite.ckpt" // a checkpoint whose parameters gave a non-finite step
	runBlob       = "run"                       // checkpoint blob: the runSettings, JSON
)

// lockRun takes the lock of the run directory dir for this process (the
// lock file records its command line), then removes the temporary files
// that killed writes left there (none can belong to a live writer once the
// lock is held). Call the returned function to release the lock.
func lockRun(dir string, stderr io.Writer) (release func(), err error) {
	cmdline := []string{"mafc", "train"}
	if len(os.Args) > 0 {
		cmdline = append([]string{filepath.Base(os.Args[0])}, os.Args[1:]...)
	}
	l, err := rundir.Acquire(dir, rundir.Holder(cmdline))
	var he *rundir.HeldError
	if errors.As(err, &he) {
		return nil, fmt.Errorf("-o: %w", err)
	}
	if err != nil {
		return nil, err
	}
	removed, err := rundir.RemoveTemps(dir)
	if err != nil {
		l.Release()
		return nil, err
	}
	if len(removed) > 0 {
		fmt.Fprintf(stderr, "mafc: removed %d temporary file(s) left in %s by an interrupted write: %s\n", len(removed), dir, strings.Join(removed, ", "))
	}
	return func() { l.Release() }, nil
}

// runSettings are the settings that decide a run's results, by name as
// shown to the user ("-batch", "flow (spec)"), with their values as text.
// Checkpoints record them (blob "run") so that resuming with different
// flags can be refused. -workers, -memory and -recompute-every do not
// change the results and are left out; -steps changes them only through a
// cosine schedule.
type runSettings map[string]string

// settingsOf returns the run settings of train flags f with the spec p,
// the trainer's effective shard count and the total steps.
func settingsOf(f *trainFlags, p *ir.Program, shards, steps int) runSettings {
	t := p.Train
	o := t.Optimizer
	g := func(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }
	s := runSettings{
		"-batch":       strconv.Itoa(f.batch),
		"-lr":          g(f.lr),
		"-seed":        strconv.FormatInt(f.seed, 10),
		"-shards":      strconv.Itoa(shards),
		"-laplacian":   f.laplacian,
		"-input-space": strconv.FormatBool(f.inputSpace),
		"optimizer (spec)": fmt.Sprintf("%s beta1=%s beta2=%s eps=%s weight_decay=%s momentum=%s schedule=%q warmup=%d",
			o.Name, g(o.Beta1), g(o.Beta2), g(o.Eps), g(o.WeightDecay), g(o.Momentum), o.Schedule, o.Warmup),
		"flow (spec)": fmt.Sprintf("%s steps=%d dt=%s", p.Flow.Integrator, p.Flow.Steps, g(p.Flow.Dt)),
		"objective (spec)": fmt.Sprintf("%s dataset=%q file=%q validation=%s target=%q %dx%d T=%s", t.Objective.Kind, t.Objective.Dataset,
			t.Objective.File, g(t.Objective.Validation), t.Objective.Target.Name, t.Objective.Target.L1, t.Objective.Target.L2, g(t.Objective.Target.T)),
	}
	s["anneal (spec)"] = "none"
	if a := t.Anneal; a != nil {
		s["anneal (spec)"] = fmt.Sprintf("linear from=%s steps=%d hold=%d", g(a.From), a.Steps, a.Hold)
	}
	if f.laplacian == "hutchinson" {
		s["probes (spec)"] = strconv.Itoa(t.Probes)
	}
	if f.forceMatching > 0 {
		s["-force-matching"] = g(f.forceMatching)
	}
	if o.Schedule == "cosine" {
		s["-steps"] = strconv.Itoa(steps) // the decay's length
	}
	return s
}

// overridesOf returns the blob [ckpt.OverridesBlob]: the settings changed
// on the command line, as a JSON array of PATH=VALUE strings.
func overridesOf(p *ir.Program) []byte {
	b, err := json.Marshal(p.Overrides)
	if err != nil {
		panic("app: " + err.Error())
	}
	return b
}

// blob returns s as a checkpoint blob.
func (s runSettings) blob() []byte {
	b, err := json.Marshal(s) // a map[string]string always marshals, keys sorted
	if err != nil {
		panic("app: " + err.Error())
	}
	return b
}

// changes lists, sorted by name, how now differs from the settings was
// recorded in a checkpoint: "-batch: checkpoint 64, now 32". Settings that
// was does not record (written by an older mafc) are not compared.
func (was runSettings) changes(now runSettings) []string {
	var out []string
	for name, v := range was {
		if w, ok := now[name]; ok && w != v {
			out = append(out, fmt.Sprintf("%s: checkpoint %s, now %s", name, v, w))
		} else if !ok {
			out = append(out, fmt.Sprintf("%s: checkpoint %s, now not set", name, v))
		}
	}
	slices.Sort(out)
	return out
}

// recordedSettings returns the run settings the checkpoint st records,
// whether it records any (an older mafc wrote none), and an error if the
// record cannot be read.
func recordedSettings(st *ckpt.State) (runSettings, bool, error) {
	b, ok := st.Blobs[runBlob]
	if !ok {
		return nil, false, nil
	}
	var s runSettings
	err := json.Unmarshal(b, &s)
	return s, true, err
}

// checkResume refuses to resume the checkpoint st with settings now and
// steps in total, unless they are those it records or override is set (then
// it warns). A checkpoint without a record (an older mafc) resumes with a
// note. Steps below the checkpoint's step are always refused.
func checkResume(st *ckpt.State, now runSettings, steps int, override bool, stderr io.Writer) error {
	if st.Step > int64(steps) {
		return usagef("-steps %d is below the step of the checkpoint %s (%d): pass -steps %d or more to continue it, or choose another -o",
			steps, st.Path(), st.Step, st.Step)
	}
	was, ok, err := recordedSettings(st)
	if !ok {
		fmt.Fprintf(stderr, "mafc: note: %s records no run settings (an older mafc wrote it): resuming without comparing them with the flags\n", st.Path())
		return nil
	}
	if err != nil {
		return fmt.Errorf("%s: unreadable run settings (%v): pass -resume=false with another -o to start afresh", st.Path(), err)
	}
	diff := was.changes(now)
	switch {
	case len(diff) == 0:
		return nil
	case override:
		fmt.Fprintf(stderr, "mafc: warning: -override: continuing %s with changed settings (%s)\n", st.Path(), strings.Join(diff, "; "))
		return nil
	}
	return fmt.Errorf("resuming %s would change the run (%s): pass the checkpoint's values to continue it, add -override to continue with the new ones, or choose another -o",
		st.Path(), strings.Join(diff, "; "))
}

// metricsRow is the metrics file's row for a training record with the given
// batch size.
func metricsRow(rec train.Record, cfg train.Config) progress.Row {
	row := progress.Row{{Name: "step", Value: float64(rec.Step)}, {Name: "epoch", Value: rec.Epoch}, {Name: "loss", Value: rec.Loss},
		{Name: "stderr", Value: rec.StdErr}, {Name: "lr", Value: rec.LR}, {Name: "grad_norm", Value: rec.GNorm}, {Name: "seconds", Value: rec.Seconds},
		{Name: "samples_per_s", Value: float64(cfg.Batch) / rec.Seconds}}
	if cfg.ForceMatching > 0 {
		row = append(row, progress.Field{Name: "force", Value: rec.Force})
	}
	return row
}

// resumeMetrics opens the metrics file at path for a run resumed at the
// trainer's step: rows after that step are dropped; a missing or empty file
// is rebuilt from the checkpoint's history instead of silently starting
// over.
func resumeMetrics(path string, tr *train.Trainer, stderr io.Writer) (*progress.Metrics, error) {
	fi, err := os.Stat(path)
	missing := errors.Is(err, fs.ErrNotExist)
	if err != nil && !missing {
		return nil, fmt.Errorf("progress: %w", err)
	}
	if !missing && fi.Size() > 0 || tr.StepsDone() == 0 {
		m, err := progress.OpenMetrics(path)
		if err != nil {
			return nil, err
		}
		if err := m.TruncateAfter(tr.StepsDone()); err != nil {
			m.Close()
			return nil, err
		}
		return m, nil
	}
	m, err := progress.CreateMetrics(path)
	if err != nil {
		return nil, err
	}
	n := 0
	for _, rec := range tr.History {
		if rec.Step > tr.StepsDone() {
			break
		}
		if err := m.Write(metricsRow(rec, tr.Cfg)); err != nil {
			m.Close()
			return nil, err
		}
		n++
	}
	what := "missing"
	if !missing {
		what = "empty"
	}
	fmt.Fprintf(stderr, "mafc: note: %s was %s: rebuilt it from the checkpoint's history (%d rows)\n", path, what, n)
	return m, nil
}

// nonFinite completes the error of a non-finite step. The loss and
// gradient of step n are computed from the parameters after step n−1, so
// unless the update itself failed, a checkpoint of step n−1 would fail the
// same way when resumed: it is moved aside to checkpoint.nonfinite.ckpt.
// The message then names the checkpoint to resume from, or says there is
// none.
func nonFinite(dir string, nf *train.NonFiniteError) error {
	var moved string
	for !nf.AfterUpdate {
		found, ok, err := ckpt.LoadLatest(dir)
		if err != nil || !ok || found.State.Step < nf.Step-1 {
			break
		}
		aside := filepath.Join(dir, nonFiniteName)
		if err := os.Rename(found.Path, aside); err != nil {
			return fmt.Errorf("%w; the parameters of step %d caused it, but moving their checkpoint %s aside failed (%v): do not resume from it", nf, found.State.Step, found.Path, err)
		}
		moved = fmt.Sprintf("the parameters of step %d caused it, so their checkpoint was moved to %s; ", found.State.Step, aside)
	}
	found, ok, err := ckpt.LoadLatest(dir)
	switch {
	case err != nil:
		return fmt.Errorf("%w; %sno checkpoint to resume from: %v", nf, moved, err)
	case !ok:
		return fmt.Errorf("%w; %sno checkpoint to resume from in %s: start again with a lower -lr", nf, moved, dir)
	}
	return fmt.Errorf("%w; %sthe last good checkpoint is %s (step %d): run again to resume from it, with a lower -lr and -override if the step fails again", nf, moved, found.Path, found.State.Step)
}

// checkOutput refuses an output path (of flag name) that would replace a
// file of a training run: sample and eval only read a run directory, even
// while it trains.
func checkOutput(name, path string) error {
	switch filepath.Base(path) {
	case ckpt.FileName, ckpt.PrevFileName, nonFiniteName, metricsName, rundir.LockName, "report.json":
	default:
		return nil
	}
	dir := filepath.Dir(path)
	for _, f := range []string{rundir.LockName, ckpt.FileName, ckpt.PrevFileName} {
		if _, err := os.Lstat(filepath.Join(dir, f)); err == nil {
			return usagef("%s %s would replace a file of the training run in %s: choose another file name", name, path, dir)
		}
	}
	return nil
}
