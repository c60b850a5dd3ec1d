package plan

import (
	"slices"

	"github.com/mafc-dev/mafc/ir"
)

// gates chooses the Scaled layers of a time-dependent float64 spec full
// (ir.TimeLayer.Scaled): the gated dense layers whose weight the kernels
// read only through their products, row norms and Jacobian coefficients,
// so that they keep W and apply the gate s(t) as a per-output scale. It
// returns each one's offset in the gate vector, and the vector's length.
func (m *Model) gates(full *ir.Program) (map[int]int, int) {
	off, at := map[int]int{}, 0
	for _, n := range full.Nodes {
		if n.Op != ir.OpDense || n.Gate == nil || !m.gateScalable(n.ID) {
			continue
		}
		off[n.ID] = at
		at += n.Out
	}
	return off, at
}

// gateScalable reports whether, in every mode, dense node i's weight is
// read only by its products, its shared row norms and its Jacobian
// coefficients (no materialised Jacobian rows built from W, no Gram
// matrices, no scaled consumers reading W).
func (m *Model) gateScalable(i int) bool {
	if m.Workspace.GramBase[i] || m.Workspace.Shift[i] || m.Workspace.Factor[i] {
		return false
	}
	for _, md := range Modes {
		pl := m.Modes[md]
		n, in := pl.Nodes[i], pl.Nodes[pl.Nodes[i].Inputs[0]]
		switch {
		case n.Kind == None, n.Kind == Shared && !n.Rows, n.Kind == Rows && !n.RowsFromScaled:
		default:
			return false
		}
		if n.JBRF || n.JBRows && !in.Rows {
			return false
		}
		for _, p := range pl.Nodes {
			if p.Kind == Scaled && p.Base == i {
				return false
			}
			if slices.Contains(p.Inputs, i) && (p.JBRows || p.JBRF) && n.Kind == Shared {
				return false
			}
		}
	}
	return true
}
