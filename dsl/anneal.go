package dsl

import (
	"github.com/mafc-dev/mafc/ir"
	"github.com/mafc-dev/mafc/limits"
)

// anneal checks the train setting anneal = none or
// anneal = linear(from = T₀, steps = S, hold = H) against the train settings t (its
// objective and steps, already checked): the schedule applies to a
// variational objective only and starts at a valid temperature other than
// the target's. A run may end inside the anneal (mafc train -steps 10): it
// is then the start of the longer run, which resuming continues.
func (c *checker) anneal(v *value, t *ir.Train) *ir.Anneal {
	w, ok := c.word(v, "anneal", []string{"none", "linear"})
	if !ok {
		return nil
	}
	if w == "none" {
		if v.kind == vCall {
			c.errs.Add(v.pos, "anneal none takes no arguments: write none")
		}
		return nil
	}
	if v.kind != vCall {
		c.errs.Add(v.pos, "linear needs its start temperature and length: anneal = linear(from = 4, steps = 300, hold = 300)")
		return nil
	}
	a := c.bindArgs(v, "from", "steps", "hold")
	from, steps := a["from"], a["steps"]
	if from == nil || steps == nil {
		c.errs.Add(v.pos, "linear needs both from (the start temperature) and steps: anneal = linear(from = 4, steps = 300, hold = 300)")
		return nil
	}
	an := &ir.Anneal{}
	okF, okS := false, false
	an.From, okF = c.floatR(from, limits.Temperature)
	an.Steps, okS = c.intR(steps, limits.AnnealSteps)
	okH := true
	if h := a["hold"]; h != nil {
		an.Hold, okH = c.intR(h, limits.AnnealHold)
	}
	if !okF || !okS || !okH {
		return nil
	}
	if t.Objective.Kind != "" && t.Objective.Kind != "variational" {
		c.errs.Add(v.pos, "anneal applies to a variational objective (it changes the target's temperature); %s has none: remove anneal", t.Objective.Kind)
		return nil
	}
	if tg := t.Objective.Target; tg.T > 0 && an.From == tg.T {
		c.errs.Add(from.pos, "anneal starts at the target's temperature %s, so it changes nothing: start hotter (from > T) or remove anneal", from.text)
		return nil
	}
	return an
}
