package dsl

import (
	"math"
	"path/filepath"
	"sort"
	"strings"

	"github.com/alecthomas/participle/v2/lexer"

	"github.com/mafc-dev/mafc/ir"
	"github.com/mafc-dev/mafc/limits"
)

// settings collects the key = value statements of a block, reporting
// unknown, repeated and valueless keys.
func (c *checker) settings(b *Block, keys ...string) map[string]*value {
	out := map[string]*value{}
	if b == nil {
		return out
	}
	first := map[string]lexer.Position{}
	c.setPos[b.Kind] = b.Pos
	for _, s := range b.Stmts {
		known := false
		for _, k := range keys {
			known = known || k == s.Name
		}
		if !known {
			c.errs.Add(s.Pos, "unknown %s setting %q (want one of: %s)", b.Kind, s.Name, strings.Join(keys, ", "))
			continue
		}
		if p, dup := first[s.Name]; dup {
			c.errs.Add(s.Pos, "duplicate %s setting %q, first set at %s", b.Kind, s.Name, posString(p))
			continue
		}
		first[s.Name] = s.Pos
		c.setPos[b.Kind+"."+s.Name] = s.Pos
		if s.Value == nil {
			c.errs.Add(s.Pos, "setting %q has no value: write `%s = …`", s.Name, s.Name)
			continue
		}
		v := c.constValue(s.Value)
		if v.kind != vBad {
			out[s.Name] = v
		}
	}
	return out
}

func (c *checker) initBlock(b *Block) {
	c.initScheme = ir.Init{Scheme: "uniform"}
	c.p.InitSeed = 1
	s := c.settings(b, "scheme", "seed")
	if v := s["scheme"]; v != nil {
		if in, ok := c.layerInit(v); ok && in != nil {
			c.initScheme = *in
		}
	}
	if v := s["seed"]; v != nil {
		if n, ok := c.intR(v, limits.Seed); ok {
			c.p.InitSeed = uint64(n)
		}
	}
}

var integrators = []string{"rk4", "euler", "midpoint"}

func (c *checker) flowBlock(b *Block) {
	f := ir.Flow{Integrator: "rk4", Steps: 50, Dt: 0.1}
	if b != nil {
		f.Pos = irPos(b.Pos)
	}
	s := c.settings(b, "integrator", "steps", "dt", "time")
	if v := s["integrator"]; v != nil {
		if w, ok := c.bareWord(v, "integrator", integrators); ok {
			f.Integrator = w
		}
	}
	steps, dt, tm := s["steps"], s["dt"], s["time"]
	if steps != nil && dt != nil && tm != nil {
		c.errs.Add(tm.pos, "give two of steps, dt and time, not all three")
	}
	var okS, okD, okT bool
	if steps != nil {
		f.Steps, okS = c.intR(steps, limits.FlowSteps)
	}
	if dt != nil {
		f.Dt, okD = c.floatR(dt, limits.Dt)
	}
	var T float64
	if tm != nil {
		T, okT = c.floatR(tm, limits.FlowTime)
	}
	switch {
	case tm != nil && steps != nil && dt == nil && okT && okS:
		f.Dt = T / float64(f.Steps)
	case tm != nil && dt != nil && steps == nil && okT && okD:
		n := math.Round(T / f.Dt)
		if n < 1 || math.Abs(n*f.Dt-T) > 1e-9*T {
			c.errs.Add(tm.pos, "time %s is not a whole number of steps of dt = %s: give steps instead", tm.text, dt.text)
		} else {
			f.Steps = int(n)
		}
	case tm != nil && steps == nil && dt == nil && okT:
		f.Steps = int(math.Max(1, math.Round(T/f.Dt)))
		f.Dt = T / float64(f.Steps)
	}
	c.p.Flow = f
}

var datasets = map[string]int{"mnist": 784, "moons": 2, "gaussian": 0}

func datasetNames() string {
	var s []string
	for k := range datasets {
		s = append(s, k)
	}
	sort.Strings(s)
	return strings.Join(s, ", ")
}

// trainBlock checks the train block b (nil when absent) and sets the
// program's training settings, with their defaults, and its precision.
func (c *checker) trainBlock(b *Block) {
	t := ir.Train{
		Batch:           64,
		Laplacian:       "exact",
		Seed:            1,
		CheckpointEvery: 100,
		Memory:          "store",
		Optimizer:       ir.Optimizer{Name: "adam", LR: 1e-3, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, Schedule: "constant"},
	}
	defer func() { c.p.Train = t }()
	if b == nil {
		return
	}
	t.Pos = irPos(b.Pos)
	s := c.settings(b, "objective", "batch", "steps", "epochs", "optimizer", "laplacian", "precision", "seed", "checkpoint_every", "memory", "workers", "anneal", "force_matching")
	if v := s["objective"]; v != nil {
		t.Objective = c.objective(v)
	} else {
		c.errs.Add(b.Pos, "train block needs an objective: objective = likelihood(mnist) or objective = variational(ising(L = 16, T = critical))")
	}
	if v := s["batch"]; v != nil {
		t.Batch, _ = c.intIn(v, limits.Batch.Name, limits.Batch.Lo, min(limits.Batch.Hi, c.lim.MaxBatch))
	}
	if s["steps"] != nil && s["epochs"] != nil {
		c.errs.Add(s["epochs"].pos, "give steps or epochs, not both")
	}
	if v := s["steps"]; v != nil {
		t.Steps, _ = c.intR(v, limits.TrainSteps)
	}
	if v := s["epochs"]; v != nil {
		t.Epochs, _ = c.intR(v, limits.Epochs)
		if t.Objective.Kind == "variational" {
			c.errs.Add(v.pos, "epochs need a dataset; a variational objective draws fresh samples every step: use steps")
		}
	}
	if t.Steps == 0 && t.Epochs == 0 {
		t.Steps = 1000
	}
	if v := s["optimizer"]; v != nil {
		t.Optimizer = c.optimizer(v)
		if o := t.Optimizer; (o.Name == "adamw" || o.Name == "sgd") && o.LR*o.WeightDecay > limits.MaxDecayProduct {
			c.errs.Add(v.pos, "%s's weight decay multiplies θ by 1 − lr·weight_decay = %s every step, so lr·weight_decay must be at most %g (else θ diverges): lower lr or weight_decay",
				o.Name, fmtNum(1-o.LR*o.WeightDecay), limits.MaxDecayProduct)
		}
	}
	if v := s["laplacian"]; v != nil {
		c.laplacianMode(v, &t)
	}
	if v := s["precision"]; v != nil {
		if w, ok := c.bareWord(v, "precision", []string{"float64", "float32"}); ok {
			c.p.Precision = w
		}
	}
	if v := s["seed"]; v != nil {
		n, _ := c.intR(v, limits.Seed)
		t.Seed = uint64(n)
	}
	if v := s["checkpoint_every"]; v != nil {
		t.CheckpointEvery, _ = c.intR(v, limits.CheckpointEvery)
	}
	if v := s["workers"]; v != nil {
		t.Workers, _ = c.intR(v, limits.Workers)
	}
	if v := s["anneal"]; v != nil {
		t.Anneal = c.anneal(v, &t)
	}
	if v := s["memory"]; v != nil {
		c.memoryMode(v, &t)
	}
	if v := s["force_matching"]; v != nil {
		c.forceMatching(v, &t)
	}
}

// forceMatching sets δ of the force-matching term from the setting
// force_matching = δ and checks that the run can compute it: the score
// flow behind it needs a variational objective, the exact Laplacian and
// float64 kernels.
func (c *checker) forceMatching(v *value, t *ir.Train) {
	d, ok := c.floatR(v, limits.ForceMatching)
	if !ok || d == 0 {
		return
	}
	switch {
	case t.Objective.Kind != "" && t.Objective.Kind != "variational":
		c.errs.Add(v.pos, "force_matching compares ∇ₓ ln p with the target's ∇ₓ ln π̃: it needs a variational objective, not %s", t.Objective.Kind)
	case t.Laplacian != "exact":
		c.errs.Add(v.pos, "force_matching needs laplacian = exact (the score's ∇Δφ is that of the exact Laplacian)")
	case c.p.Precision == "float32":
		c.errs.Add(v.pos, "force_matching needs float64 kernels (its gradient takes differences of the reverse mode that float32 rounding would swamp): remove precision = float32")
	}
	t.ForceMatching = d
}

// laplacianMode sets t's Laplacian (and Hutchinson probes) from the
// setting laplacian = exact | hutchinson[(probes = N)].
func (c *checker) laplacianMode(v *value, t *ir.Train) {
	if w, ok := c.word(v, "laplacian mode", []string{"exact", "hutchinson"}); ok {
		t.Laplacian = w
		if w == "hutchinson" {
			t.Probes = 1
			if v.kind == vCall {
				a := c.bindArgs(v, "probes")
				if a["probes"] != nil {
					t.Probes, _ = c.intR(a["probes"], limits.Probes)
				}
			}
		} else if v.kind == vCall {
			c.errs.Add(v.pos, "laplacian mode exact takes no arguments: write exact")
		}
	}
}

// memoryMode sets t's memory mode (and recomputation interval) from the
// setting memory = store | recompute[(every = N)].
func (c *checker) memoryMode(v *value, t *ir.Train) {
	if w, ok := c.word(v, "memory mode", []string{"store", "recompute"}); ok {
		t.Memory = w
		if w == "store" && v.kind == vCall {
			c.errs.Add(v.pos, "memory mode store takes no arguments: write store")
		}
		if w == "recompute" {
			t.RecomputeEvery = 10
			if v.kind == vCall {
				a := c.bindArgs(v, "every")
				if a["every"] != nil {
					t.RecomputeEvery, _ = c.intR(a["every"], limits.RecomputeEvery)
				}
			}
		}
	}
}

func (c *checker) objective(v *value) ir.Objective {
	o := ir.Objective{Pos: irPos(v.pos)}
	w, ok := c.word(v, "objective", []string{"likelihood", "variational"})
	if !ok {
		return o
	}
	o.Kind = w
	if v.kind != vCall {
		c.errs.Add(v.pos, "%s needs its %s: %s", w, map[string]string{"likelihood": "dataset", "variational": "target"}[w],
			map[string]string{"likelihood": "likelihood(mnist) or likelihood(file = \"points.npy\")", "variational": "variational(ising(L = 16, T = critical))"}[w])
		return o
	}
	switch w {
	case "likelihood":
		c.likelihood(v, &o)
	case "variational":
		a := c.bindArgs(v, "target")
		tv := a["target"]
		if tv == nil {
			c.errs.Add(v.pos, "variational needs a target: variational(ising(L = 16, T = critical))")
			return o
		}
		name, ok := c.word(tv, "target", []string{"ising"})
		if !ok {
			return o
		}
		o.Target.Name = name
		if tv.kind != vCall {
			c.errs.Add(tv.pos, "ising needs its temperature: ising(T = critical) or ising(L = 16, T = 2.5)")
			return o
		}
		ta := c.bindArgs(tv, "L", "T", "L1", "L2")
		if ta["L"] != nil && (ta["L1"] != nil || ta["L2"] != nil) {
			c.errs.Add(tv.pos, "give L, or L1 and L2, not both")
		}
		if ta["L"] != nil {
			l, _ := c.intR(ta["L"], limits.IsingSide)
			o.Target.L1, o.Target.L2 = l, l
		}
		if ta["L1"] != nil {
			o.Target.L1, _ = c.intIn(ta["L1"], "L1", limits.IsingSide.Lo, limits.IsingSide.Hi)
			o.Target.L2 = o.Target.L1
		}
		if ta["L2"] != nil {
			o.Target.L2, _ = c.intIn(ta["L2"], "L2", limits.IsingSide.Lo, limits.IsingSide.Hi)
		}
		switch T := ta["T"]; {
		case T == nil:
			c.errs.Add(tv.pos, "ising needs its temperature: T = critical or a positive number")
		case T.kind == vIdent && T.text == "critical":
			o.Target.Critical = true
			o.Target.T = 2 / math.Log(1+math.Sqrt2)
		case T.kind == vIdent || T.kind == vStr:
			c.errs.Add(T.pos, "temperature must be a positive number or critical, got %s", T.describe())
		default:
			o.Target.T, _ = c.floatR(T, limits.Temperature)
		}
	}
	return o
}

// likelihood checks likelihood(DATASET) and likelihood(file = "…",
// validation = F).
func (c *checker) likelihood(v *value, o *ir.Objective) {
	a := c.bindArgs(v, "dataset", "file", "validation")
	d, f := a["dataset"], a["file"]
	switch {
	case d != nil && f != nil:
		c.errs.Add(f.pos, "give a dataset or file, not both")
		return
	case d == nil && f == nil:
		c.errs.Add(v.pos, "likelihood needs a dataset or a data file: likelihood(mnist) or likelihood(file = \"points.npy\")")
		return
	case d != nil:
		if d.kind != vIdent && d.kind != vStr {
			c.errs.Add(d.pos, "dataset must be a name (one of: %s), got %s", datasetNames(), d.describe())
			return
		}
		if _, ok := datasets[d.text]; !ok {
			if d.kind == vStr && isDataFile(d.text) {
				c.errs.Add(d.pos, "unknown dataset %q: a data file is given by name: likelihood(file = %q)", d.text, d.text)
				return
			}
			c.errs.Add(d.pos, "unknown dataset %q (want one of: %s, or file = \"points.npy\")", d.text, datasetNames())
			return
		}
		o.Dataset = d.text
		if vv := a["validation"]; vv != nil {
			c.errs.Add(vv.pos, "validation applies to a data file: likelihood(file = \"points.npy\", validation = 0.1); %s has its own split or fresh samples", d.text)
		}
		return
	}
	if f.kind != vStr {
		c.errs.Add(f.pos, "file must be a quoted path such as \"points.npy\", got %s", f.describe())
		return
	}
	switch {
	case f.text == "":
		c.errs.Add(f.pos, "file is empty: give a .npy or .csv file such as \"points.npy\"")
		return
	case !isDataFile(f.text):
		c.errs.Add(f.pos, "data file %q: want a .npy (float32 or float64, N×D) or .csv file", f.text)
		return
	case strings.ContainsRune(f.text, 0):
		c.errs.Add(f.pos, "data file %q contains a NUL byte", f.text)
		return
	}
	o.File = f.text
	if vv := a["validation"]; vv != nil {
		o.Validation, _ = c.floatIn(vv, "validation fraction", 0, 0.9, false)
	}
}

// isDataFile reports whether name ends in .npy or .csv (in any case).
func isDataFile(name string) bool {
	ext := strings.ToLower(filepath.Ext(name))
	return ext == ".npy" || ext == ".csv"
}

func (c *checker) optimizer(v *value) ir.Optimizer {
	o := ir.Optimizer{Name: "adam", LR: 1e-3, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, Schedule: "constant"}
	w, ok := c.word(v, "optimizer", []string{"adam", "adamw", "sgd"})
	if !ok {
		return o
	}
	o.Name = w
	if w == "sgd" {
		o.Beta1, o.Beta2, o.Eps = 0, 0, 0
	}
	if w == "adamw" {
		o.WeightDecay = 0.01
	}
	if v.kind != vCall {
		return o
	}
	var a map[string]*value
	if w == "sgd" {
		a = c.bindArgs(v, "lr", "momentum", "weight_decay", "schedule", "warmup")
	} else {
		a = c.bindArgs(v, "lr", "betas", "eps", "weight_decay", "schedule", "warmup")
	}
	if x := a["lr"]; x != nil {
		o.LR, _ = c.floatR(x, limits.LR)
	}
	if x := a["betas"]; x != nil {
		if x.kind != vTuple || len(x.elems) != 2 {
			c.errs.Add(x.pos, "betas must be a pair such as (0.9, 0.999), got %s", x.describe())
		} else {
			o.Beta1, _ = c.floatR(x.elems[0], limits.Beta1)
			o.Beta2, _ = c.floatR(x.elems[1], limits.Beta2)
			if o.Beta1 == 1 || o.Beta2 == 1 {
				c.errs.Add(x.pos, "betas must be below 1")
			}
		}
	}
	if x := a["eps"]; x != nil {
		o.Eps, _ = c.floatR(x, limits.Eps)
	}
	if x := a["weight_decay"]; x != nil {
		o.WeightDecay, _ = c.floatR(x, limits.WeightDecay)
	}
	if x := a["momentum"]; x != nil {
		o.Momentum, _ = c.floatR(x, limits.Momentum)
	}
	if x := a["schedule"]; x != nil {
		if w, ok := c.bareWord(x, "schedule", []string{"constant", "cosine"}); ok {
			o.Schedule = w
		}
	}
	if x := a["warmup"]; x != nil {
		o.Warmup, _ = c.intR(x, limits.Warmup)
	}
	return o
}

// checkTrainAgainstInput checks that the objective fits the input.
func (c *checker) checkTrainAgainstInput() {
	t := &c.p.Train
	in := c.p.InputShape()
	pos := lexer.Position{Filename: c.f.Name, Line: t.Objective.Pos.Line, Column: t.Objective.Pos.Col}
	switch t.Objective.Kind {
	case "likelihood":
		if d := datasets[t.Objective.Dataset]; d != 0 && d != in.Size() {
			c.errs.Add(pos, "dataset %s has dimension %d, but the input %q has dimension %d", t.Objective.Dataset, d, c.p.InputName, in.Size())
		}
	case "variational":
		tg := &t.Objective.Target
		if tg.L1 == 0 {
			switch {
			case in.IsGrid():
				tg.L1, tg.L2 = in.L1, in.L2
			default:
				l := int(math.Round(math.Sqrt(float64(in.Size()))))
				if l*l != in.Size() {
					c.errs.Add(pos, "cannot infer the Ising lattice from input vector(%d): give ising(L = …)", in.Size())
					return
				}
				tg.L1, tg.L2 = l, l
			}
		}
		if tg.L1 < 3 || tg.L2 < 3 {
			c.errs.Add(pos, "the Ising lattice must be at least 3×3, got %d×%d", tg.L1, tg.L2)
			return
		}
		if in.IsGrid() && (in.L1 != tg.L1 || in.L2 != tg.L2) || !in.IsGrid() && in.Size() != tg.L1*tg.L2 {
			c.errs.Add(pos, "Ising target is %d×%d (%d sites) but the input %q is %v", tg.L1, tg.L2, tg.L1*tg.L2, c.p.InputName, in)
		}
	}
}
