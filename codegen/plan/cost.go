package plan

import "github.com/mafc-dev/mafc/ir"

// The cost model: the flops of a plan's Jacobian products. The memory of
// its buffers is the workspace's (see workspace.go).

// Flops returns the flop count per sample of the Jacobian products in this
// plan (Jacobian rows, receptive-field and Gram products; in a reverse mode
// the receptive-field products count three times: forward, input cotangent
// and weight gradient; an orbit-factored Jacobian counts its GEMMs and the
// adds of its sparse map, see FactorShape). Benchmarks divide it by the
// time of a call to report the rate.
func (pl *Plan) Flops() float64 {
	var c float64
	W := float64(pl.Width)
	for _, n := range pl.Nodes {
		if n.Kind == None || len(n.Inputs) == 0 {
			continue
		}
		in := float64(pl.Nodes[n.Inputs[0]].Size)
		out := float64(n.Size)
		switch n.Kind {
		case Rows:
			if n.Op == ir.OpDense || n.Op == ir.OpConv {
				k := in
				if n.Op == ir.OpConv {
					k = float64(pl.Nodes[n.Inputs[0]].Shape.C * n.K1 * n.K2)
				}
				c += 2 * out * k * W
			}
		case RF, ShiftRF:
			if n.Op == ir.OpConv {
				// RF: (sites·window) × (Cin·K²) by (Cin·K²) × Cout; ShiftRF:
				// sites × (Cin·K²) by (Cin·K²) × (Cout·window). The same
				// flops; the reverse sweep adds two products of that size
				// (the input cotangent and the weight gradient).
				f := 2 * out * float64(pl.Nodes[n.Inputs[0]].Shape.C*n.K1*n.K2) * float64(n.Window.Size())
				if pl.Mode.IsReverse() {
					f *= 3
				}
				c += f
			}
		case Factored:
			c += factorShape(pl.Prog, n.Node, n.Window).flops(pl.Mode.IsReverse())
		case Gram:
			if n.Op == ir.OpDense {
				c += 2 * (in*in*out + out*out*in)
			}
		}
	}
	return c
}
