package cli

import (
	"flag"
	"fmt"
	"strings"

	"github.com/mafc-dev/mafc/ir"
	"github.com/mafc-dev/mafc/limits"
)

// flagRule is the range of one flag of train, sample or eval: the range of
// the spec setting it overrides where there is one (package limits states
// both), so that no flag reaches a value the spec could not.
type flagRule struct {
	name    string        // the flag, without its dash
	setting string        // the spec setting it overrides, "" for none
	ints    *limits.Int   // an integer range, or
	floats  *limits.Float // a real range, or
	words   []string      // the allowed words
	zeroOK  bool          // 0 is allowed too, meaning "the default"
}

// The rules of the flags that take numbers or words. Flags are checked
// only when given: their defaults come from the checked spec.
var (
	trainRules = []flagRule{
		{name: "steps", setting: "steps", ints: &limits.TrainSteps},
		{name: "epochs", setting: "epochs", ints: &limits.Epochs, zeroOK: true},
		{name: "batch", setting: "batch", ints: &limits.Batch},
		{name: "seed", setting: "seed", ints: &limits.Seed},
		{name: "workers", setting: "workers", ints: &limits.Workers},
		{name: "shards", ints: &limits.Shards},
		{name: "checkpoint-every", setting: "checkpoint_every", ints: &limits.CheckpointEvery},
		{name: "laplacian", setting: "laplacian", words: []string{"exact", "hutchinson"}},
		{name: "memory", setting: "memory", words: []string{"store", "recompute"}},
		{name: "recompute-every", setting: "memory = recompute(every = …)", ints: &limits.RecomputeEvery},
		{name: "progress", words: []string{"auto", "live", "lines"}},
		{name: "eval-samples", ints: &limits.Samples, zeroOK: true},
		{name: "eval-every", ints: &limits.TrainSteps, zeroOK: true},
		{name: "eval-images", ints: &limits.EvalImages},
		{name: "lr", setting: "learning rate", floats: &limits.LR},
		{name: "force-matching", setting: "force_matching", floats: &limits.ForceMatching},
	}
	sampleRules = []flagRule{
		{name: "n", ints: &limits.Samples},
		{name: "seed", ints: &limits.Seed},
		{name: "workers", ints: &limits.Workers},
	}
	evalRules = []flagRule{
		{name: "n", ints: &limits.Samples, zeroOK: true},
		{name: "seed", ints: &limits.Seed},
		{name: "workers", ints: &limits.Workers},
	}
)

// checkFlags checks every flag of fs that was given against its rule and
// returns a usage error naming the flag, its range and the spec setting it
// overrides.
func checkFlags(fs *flag.FlagSet, rules []flagRule) error {
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	for _, r := range rules {
		if !set[r.name] {
			continue
		}
		v := fs.Lookup(r.name).Value.(flag.Getter).Get()
		if err := r.check(v); err != nil {
			return err
		}
	}
	return nil
}

// check returns a usage error if v is outside the rule's range.
func (r flagRule) check(v any) error {
	over := ""
	if r.setting != "" {
		over = fmt.Sprintf(" (it overrides the spec's %s)", r.setting)
	}
	switch {
	case r.ints != nil:
		var n int64
		switch x := v.(type) {
		case int:
			n = int64(x)
		case int64:
			n = x
		}
		if (r.zeroOK && n == 0) || (n >= int64(r.ints.Lo) && n <= int64(r.ints.Hi)) {
			return nil
		}
		zero := ""
		if r.zeroOK {
			zero = " or 0 for the default"
		}
		return usagef("-%s must be in %v%s, got %d%s", r.name, r.ints, zero, n, over)
	case r.floats != nil:
		x, _ := v.(float64)
		if r.floats.Contains(x) {
			return nil
		}
		return usagef("-%s must be in %v, got %g%s", r.name, r.floats, x, over)
	case r.words != nil:
		s, _ := v.(string)
		for _, w := range r.words {
			if s == w {
				return nil
			}
		}
		n := len(r.words)
		list := strings.Join(r.words[:n-1], ", ") + " or " + r.words[n-1]
		return usagef("-%s must be %s, got %q%s", r.name, list, s, over)
	}
	return nil
}

// knobFlag is the flag that sets an estimate's knob in a command, with the
// setter MaxKnob varies to find the largest value that fits.
type knobFlag struct {
	flag string
	val  int
	set  func(*limits.Run, int)
	hi   int
}

// checkResources returns a usage error if the run r of p, as the flags
// give it, would need more memory than the limit: it names the flag that
// drives the largest part of the estimate and the largest value of it
// that fits, so that a command fails before it allocates anything.
func checkResources(p *ir.Program, r limits.Run, what string, flags map[limits.Knob]knobFlag, hint string) error {
	lim := limits.Default
	e := limits.Resources(p, r)
	if !lim.Exceeds(e) {
		return nil
	}
	msg := fmt.Sprintf("%s would need about %s (%s), more than the %s limit", what,
		limits.FormatBytes(e.Total()), e, limits.FormatBytes(float64(lim.MaxMemory)))
	k, ok := flags[e.Largest().Knob]
	if !ok {
		if hint == "" {
			hint = "reduce the model or the batch in the spec"
		}
		return usagef("%s: %s", msg, hint)
	}
	best := lim.MaxKnob(p, r, k.set, 1, k.hi)
	switch {
	case best >= 1 && hint != "":
		return usagef("-%s %d: %s: at most -%s %d fits, or %s", k.flag, k.val, msg, k.flag, best, hint)
	case best >= 1:
		return usagef("-%s %d: %s: at most -%s %d fits", k.flag, k.val, msg, k.flag, best)
	case hint != "":
		return usagef("-%s %d: %s, even at -%s 1: %s", k.flag, k.val, msg, k.flag, hint)
	}
	return usagef("-%s %d: %s, even at -%s 1: reduce the model or the batch in the spec", k.flag, k.val, msg, k.flag)
}

// checkTrainResources checks the memory of the training run the flags
// give (see checkResources).
func checkTrainResources(p *ir.Program, f *trainFlags) error {
	// The final evaluation: -eval-samples, by default 16 batches (2,000
	// test images for MNIST).
	evalSamples := func(batch int) int {
		switch {
		case f.evalN > 0:
			return f.evalN
		case p.Train.Objective.Dataset == "mnist":
			return 2000
		}
		return 16 * batch
	}
	samples := evalSamples(f.batch)
	r := limits.Run{Train: true, Batch: f.batch, Shards: f.shards, Workers: f.workers,
		Memory: f.memory, Every: f.every, Hutchinson: f.laplacian == "hutchinson", Probes: max(p.Train.Probes, 1), Samples: samples}
	hint := "use fewer -shards or -workers, or a smaller -recompute-every"
	if f.memory == "store" {
		hint = "train with -memory recompute"
	}
	batch := knobFlag{"batch", f.batch, func(r *limits.Run, v int) { r.Batch, r.Samples = v, evalSamples(v) }, limits.Batch.Hi}
	return checkResources(p, r, "training", map[limits.Knob]knobFlag{
		limits.KnobBatch:   batch,
		limits.KnobMemory:  batch,
		limits.KnobSamples: {"eval-samples", samples, func(r *limits.Run, v int) { r.Samples = v }, limits.Samples.Hi},
		limits.KnobShards:  {"shards", f.shards, func(r *limits.Run, v int) { r.Shards = v }, limits.Shards.Hi},
		limits.KnobWorkers: {"workers", f.workers, func(r *limits.Run, v int) { r.Workers = v }, limits.Workers.Hi},
	}, hint)
}

// check checks the flags of train that were given: their ranges, the
// decoupled weight decay's lr·weight_decay, and the memory of the run.
func (f *trainFlags) check(fs *flag.FlagSet, p *ir.Program) error {
	if err := checkFlags(fs, trainRules); err != nil {
		return err
	}
	if o := p.Train.Optimizer; (o.Name == "adamw" || o.Name == "sgd") && f.lr*o.WeightDecay > limits.MaxDecayProduct {
		return usagef("-lr %g: %s's weight decay multiplies θ by 1 − lr·weight_decay = %g every step, so lr·weight_decay must be at most %g (else θ diverges): at most -lr %g with the spec's weight_decay = %g",
			f.lr, o.Name, 1-f.lr*o.WeightDecay, limits.MaxDecayProduct, limits.MaxDecayProduct/o.WeightDecay, o.WeightDecay)
	}
	return checkTrainResources(p, f)
}

// evalPoints returns the points eval evaluates for -n n and the chunk of
// each integrator, as evalCmd chooses them: 16 batches of fresh samples for
// an Ising target (chunks of half a batch), the 10,000 MNIST test images or
// 1,024 fresh points of a synthetic dataset (chunks of evalChunk).
func evalPoints(p *ir.Program, n int) (points, chunk int) {
	batch := max(1, p.Train.Batch)
	switch {
	case p.Train.Objective.Kind == "variational":
		points, chunk = 16*batch, max(1, batch/2)
	case p.Train.Objective.Dataset == "mnist":
		points, chunk = 10000, evalChunk(p)
	default:
		points, chunk = 1024, evalChunk(p)
	}
	if n > 0 {
		points = n
	}
	if p.Train.Objective.Dataset == "mnist" {
		points = min(points, 70000) // mnistNLL takes at most the split
	}
	return points, chunk
}

// checkFlowResources checks the memory of sampling or evaluating n points
// with workers integrators of chunk points each.
func checkFlowResources(p *ir.Program, what string, n, chunk, workers int) error {
	r := limits.Run{Batch: chunk, Workers: workers, Samples: n}
	return checkResources(p, r, what, map[limits.Knob]knobFlag{
		limits.KnobSamples: {"n", n, func(r *limits.Run, v int) { r.Samples = v }, limits.Samples.Hi},
		limits.KnobWorkers: {"workers", workers, func(r *limits.Run, v int) { r.Workers = v }, limits.Workers.Hi},
		limits.KnobBatch:   {"workers", workers, func(r *limits.Run, v int) { r.Workers = v }, limits.Workers.Hi},
	}, "")
}
