package dsl

import (
	"fmt"

	"github.com/alecthomas/participle/v2/lexer"

	"github.com/mafc-dev/mafc/ir"
	"github.com/mafc-dev/mafc/limits"
)

// SpecRun returns how the commands use p with its own settings and their
// default flags: a training run (two gradient shards, the spec's workers,
// the final evaluation of 16 batches) when p has a train block, otherwise
// sampling 64 points. The checker estimates its resources with
// [limits.Resources]; the commands do the same at the values their flags
// give.
func SpecRun(p *ir.Program) limits.Run {
	t := p.Train
	if t.Objective.Kind == "" {
		return limits.Run{Batch: min(64, max(t.Batch, 1)), Samples: 64}
	}
	return limits.Run{
		Train: true, Batch: t.Batch, Shards: 2, Workers: t.Workers,
		Memory: t.Memory, Every: t.RecomputeEvery,
		Hutchinson: t.Laplacian == "hutchinson", Probes: t.Probes,
		Samples: 16 * t.Batch,
	}
}

// checkMemory estimates the memory of a run of the spec with its own
// settings ([SpecRun], [limits.Resources]) and rejects a spec that would
// exceed the limit before anything is allocated, at the setting that drives
// the largest part of the estimate. It also bounds the Ising target, whose
// relaxation is kept as a dense matrix.
func (c *checker) checkMemory() {
	if len(c.errs) > 0 {
		return
	}
	t := c.p.Train
	if tg := t.Objective.Target; t.Objective.Kind == "variational" && tg.L1*tg.L2 > limits.MaxIsingSites {
		c.errs.Add(c.knobPos(limits.KnobTarget), "the Ising target has %d×%d = %d sites, more than the limit of %d (its relaxation keeps a dense N×N matrix): use a smaller lattice",
			tg.L1, tg.L2, tg.L1*tg.L2, limits.MaxIsingSites)
		return
	}
	run := SpecRun(c.p)
	e := limits.Resources(c.p, run)
	if !c.lim.Exceeds(e) {
		return
	}
	big := e.Largest()
	what := "a training run with a batch of " + fmt.Sprint(t.Batch)
	if !run.Train {
		what = "sampling"
	}
	c.errs.Add(c.knobPos(big.Knob), "%s would need about %s (%s), more than the %s limit: %s",
		what, limits.FormatBytes(e.Total()), e, limits.FormatBytes(float64(c.lim.MaxMemory)), knobHint(big.Knob, t))
}

// knobHint says what to change to reduce a part driven by k.
func knobHint(k limits.Knob, t ir.Train) string {
	switch k {
	case limits.KnobMemory:
		if t.Memory == "recompute" {
			return "use a smaller recompute(every = K), fewer flow steps or a smaller batch"
		}
		return "write memory = recompute(every = 10), or use fewer flow steps or a smaller batch"
	case limits.KnobBatch, limits.KnobSamples:
		return "reduce the batch size"
	case limits.KnobTarget:
		return "use a smaller lattice"
	case limits.KnobWorkers:
		return "use fewer workers"
	}
	return "reduce the batch size, the widths, or the orbit averages"
}

// knobPos returns the position of the setting that drives the parts of an
// estimate with knob k: the setting when the spec writes it, else its
// block, else the potential's output.
func (c *checker) knobPos(k limits.Knob) lexer.Position {
	var keys []string
	switch k {
	case limits.KnobBatch, limits.KnobSamples:
		keys = []string{"train.batch", "train"}
	case limits.KnobMemory:
		keys = []string{"train.memory", "flow.steps", "flow.time", "train.batch", "train"}
	case limits.KnobFlowSteps:
		keys = []string{"flow.steps", "flow.time", "flow"}
	case limits.KnobWorkers:
		keys = []string{"train.workers", "train"}
	case limits.KnobTarget:
		keys = []string{"train.objective", "train"}
	}
	for _, k := range keys {
		if p, ok := c.setPos[k]; ok {
			return p
		}
	}
	out := c.p.Nodes[c.p.Output].Pos
	return lexer.Position{Filename: c.f.Name, Line: out.Line, Column: out.Col}
}

// checkGenerated bounds the size of the code gen would write
// ([limits.GeneratedBytes]), at the node by which the estimate crosses the
// limit, so that gen cannot exhaust memory printing it.
func (c *checker) checkGenerated() {
	if len(c.errs) > 0 {
		return
	}
	base, per := limits.GeneratedBytes(c.p)
	total := base
	for i, b := range per {
		total += b
		if total > float64(c.lim.MaxGenerated) {
			n := c.p.Nodes[i]
			c.errs.Add(lexer.Position{Filename: c.f.Name, Line: n.Pos.Line, Column: n.Pos.Col},
				"the generated code would be about %s (%d nodes), more than the %s limit, which this operation crosses: use fewer layers or terms, or smaller tied kernels",
				limits.FormatBytes(limits.GeneratedTotal(c.p)), len(c.p.Nodes), limits.FormatBytes(float64(c.lim.MaxGenerated)))
			return
		}
	}
}
