package dsl

import (
	"github.com/alecthomas/participle/v2/lexer"

	"github.com/mafc-dev/mafc/ir"
)

// assignParams lays out the flat parameter vector in node order.
func (c *checker) assignParams() {
	off := 0
	total := 0
	for _, n := range c.p.Nodes {
		if n.Op != ir.OpDense && n.Op != ir.OpConv {
			continue
		}
		in := c.p.Nodes[n.Inputs[0]].Shape
		init := c.initScheme
		if li, ok := c.layerInits[n.ID]; ok {
			init = li
		}
		var wshape []int
		fanin := in.Size()
		if n.Op == ir.OpDense {
			wshape = []int{n.Out, in.Size()}
		} else {
			wshape = []int{n.Out, in.C, n.K1, n.K2}
			if n.Tie != "" {
				_, r := ir.KernelOrbits(n.Tie, n.K1)
				wshape = []int{n.Out, in.C, r}
			}
			fanin = in.C * n.K1 * n.K2
		}
		size := 1
		for _, d := range wshape {
			size *= d
		}
		n.W = len(c.p.Params)
		c.p.Params = append(c.p.Params, &ir.Param{Name: n.Name + ".W", Node: n.ID, Role: "weight", Offset: off, Shape: wshape, Size: size, FanIn: fanin, Init: init})
		off += size
		total += size
		n.B = -1
		if n.Bias {
			n.B = len(c.p.Params)
			binit := init
			if binit.Scheme == "glorot" || binit.Scheme == "lecun" {
				binit = ir.Init{Scheme: "zero"}
			}
			c.p.Params = append(c.p.Params, &ir.Param{Name: n.Name + ".b", Node: n.ID, Role: "bias", Offset: off, Shape: []int{n.Out}, Size: n.Out, FanIn: fanin, Init: binit})
			off += n.Out
			total += n.Out
		}
		if total > c.lim.MaxParams {
			c.errs.Add(lexer.Position{Filename: c.f.Name, Line: n.Pos.Line, Column: n.Pos.Col},
				"network has %d parameters (%.1f GiB in float64) by this layer, more than the limit of %d: reduce the widths",
				total, float64(total)*8/(1<<30), c.lim.MaxParams)
			c.p.Params = nil
			return
		}
	}
	c.assignTimeParams(off)
}
