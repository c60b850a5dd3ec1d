package ir

import (
	"fmt"
	"strconv"
	"strings"
)

// Dump returns a deterministic, human-readable listing of p: one line per
// node with its shape, parameters and source position, then the parameter
// layout, the symmetries and the settings. Golden tests keep it under review.
func (p *Program) Dump() string {
	var b strings.Builder
	fmt.Fprintf(&b, "program %s\n", p.Name)
	fmt.Fprintf(&b, "hash %s\n", p.Hash())
	fmt.Fprintf(&b, "input %s: %s %v\n", p.InputName, p.InputKind, p.InputShape())
	if p.TimeDependent() {
		fmt.Fprintf(&b, "time %s\n", p.TimeName)
	}
	for _, n := range p.Nodes {
		p.dumpNode(&b, n)
	}
	fmt.Fprintf(&b, "output %%%d\n", p.Output)
	p.dumpParams(&b)
	for _, s := range p.Symmetries {
		fmt.Fprintf(&b, "symmetry %s by %s: %s\n", s.Group, s.Strategy, s.Reason)
	}
	fmt.Fprintf(&b, "precision %s\n", p.Precision)
	f := p.Flow
	fmt.Fprintf(&b, "flow %s steps=%d dt=%s T=%s\n", f.Integrator, f.Steps, fmtF(f.Dt), fmtF(f.Time()))
	p.dumpTrain(&b)
	return b.String()
}

// dumpNode writes the line of node n: its operation with the operation's
// attributes, inputs, shape, parameters, time coupling and position.
func (p *Program) dumpNode(b *strings.Builder, n *Node) {
	fmt.Fprintf(b, "%%%d %s = %s", n.ID, n.Name, n.Op)
	switch n.Op {
	case OpAct:
		fmt.Fprintf(b, " %s", n.Act)
	case OpDense:
		fmt.Fprintf(b, " out=%d", n.Out)
	case OpConv:
		fmt.Fprintf(b, " out=%d kernel=%dx%d", n.Out, n.K1, n.K2)
		if n.Tie != "" {
			fmt.Fprintf(b, " tied=%s", n.Tie)
		}
	case OpScale:
		fmt.Fprintf(b, " by=%s", strconv.FormatFloat(n.Scale, 'g', -1, 64))
	case OpPool:
		if n.Mean {
			b.WriteString(" mean")
		} else {
			b.WriteString(" sum")
		}
	}
	if n.Op == OpDense || n.Op == OpConv {
		if n.Bias {
			b.WriteString(" bias")
		} else {
			b.WriteString(" nobias")
		}
	}
	for _, in := range n.Inputs {
		fmt.Fprintf(b, " %%%d", in)
	}
	fmt.Fprintf(b, " : %v", n.Shape)
	if n.W >= 0 {
		fmt.Fprintf(b, " W=p%d", n.W)
	}
	if n.B >= 0 {
		fmt.Fprintf(b, " b=p%d", n.B)
	}
	if n.Time != nil {
		fmt.Fprintf(b, " time=%s", n.Time.String(p.TimeName))
	}
	if n.Gate != nil {
		fmt.Fprintf(b, " gate=%s shift=%t", n.Gate.String(p.TimeName), n.GateShift)
	}
	fmt.Fprintf(b, " @%d:%d\n", n.Pos.Line, n.Pos.Col)
}

// dumpParams writes the parameter count, one line per parameter (name,
// role, shape, θ range, fan-in, initialisation) and the init seed.
func (p *Program) dumpParams(b *strings.Builder) {
	fmt.Fprintf(b, "params %d\n", p.NumParams())
	for i, pr := range p.Params {
		fmt.Fprintf(b, "  p%d %s %s %v [%d:%d] fanin=%d init=%s", i, pr.Name, pr.Role, pr.Shape, pr.Offset, pr.Offset+pr.Size, pr.FanIn, pr.Init.Scheme)
		if pr.Init.Scheme == "normal" {
			fmt.Fprintf(b, "(std=%s)", strconv.FormatFloat(pr.Init.Std, 'g', -1, 64))
		}
		if pr.Init.Scheme == "constant" {
			fmt.Fprintf(b, "(%s)", strconv.FormatFloat(pr.Init.Value, 'g', -1, 64))
		}
		b.WriteByte('\n')
	}
	fmt.Fprintf(b, "init seed=%d\n", p.InitSeed)
}

// dumpTrain writes the training settings and the optimizer's line.
func (p *Program) dumpTrain(b *strings.Builder) {
	t := p.Train
	fmt.Fprintf(b, "train objective=%s", t.Objective.Kind)
	if t.Objective.Dataset != "" {
		fmt.Fprintf(b, "(%s)", t.Objective.Dataset)
	}
	if t.Objective.File != "" {
		fmt.Fprintf(b, "(file=%q validation=%s)", t.Objective.File, fmtF(t.Objective.Validation))
	}
	if tg := t.Objective.Target; tg.Name != "" {
		fmt.Fprintf(b, "(%s %dx%d T=%s)", tg.Name, tg.L1, tg.L2, fmtF(tg.T))
	}
	fmt.Fprintf(b, " batch=%d steps=%d epochs=%d seed=%d laplacian=%s", t.Batch, t.Steps, t.Epochs, t.Seed, t.Laplacian)
	if t.Laplacian == "hutchinson" {
		fmt.Fprintf(b, "(probes=%d)", t.Probes)
	}
	fmt.Fprintf(b, " memory=%s", t.Memory)
	if t.Memory == "recompute" {
		fmt.Fprintf(b, "(every=%d)", t.RecomputeEvery)
	}
	if a := t.Anneal; a != nil {
		fmt.Fprintf(b, " anneal=linear(from=%s steps=%d hold=%d)", fmtF(a.From), a.Steps, a.Hold)
	}
	o := t.Optimizer
	fmt.Fprintf(b, "\noptimizer %s lr=%s beta1=%s beta2=%s eps=%s weight_decay=%s momentum=%s schedule=%s warmup=%d\n",
		o.Name, fmtF(o.LR), fmtF(o.Beta1), fmtF(o.Beta2), fmtF(o.Eps), fmtF(o.WeightDecay), fmtF(o.Momentum), o.Schedule, o.Warmup)
}

func fmtF(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }
