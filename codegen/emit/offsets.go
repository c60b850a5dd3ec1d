package emit

import (
	"fmt"

	"github.com/dave/jennifer/jen"
)

// Parameter offsets. Every parameter tensor k of the kernels' program has a
// named constant off<Node><W|B> for its first index in the flat vector
// (θ, or θ′(t) for a time-dependent spec), and the code slices θ, its
// gradient and its float32 copy through it, never through raw numbers.

// offName returns the name of parameter k's offset constant: "off" and the
// Go name of its local view, exported (hDenseW → offHDenseW).
func (g *gen) offName(k int) string {
	pr := g.p.Params[k]
	return "off" + exported(g.names[pr.Node]+exported(pr.Role[:1]))
}

// thetaSlice returns buf[off : off+size], parameter k's view of buf, a
// vector laid out as θ.
func (g *gen) thetaSlice(buf string, k int) string {
	off := g.offName(k)
	return fmt.Sprintf("%s[%s : %s+%d]", buf, off, off, g.p.Params[k].Size)
}

// genOffsets prints the offset constants:
//
//	// Offsets of the parameter tensors in θ.
//	const (
//		offHDenseW = 0 // h.dense.W [5 6] (weight)
//		…
//	)
func (g *gen) genOffsets() {
	var defs []jen.Code
	for k, pr := range g.p.Params {
		defs = append(defs, jen.Id(g.offName(k)).Op("=").Lit(pr.Offset).
			Comment(LineComment(fmt.Sprintf("%s %v (%s)", pr.Name, pr.Shape, pr.Role))))
	}
	if len(defs) == 0 {
		return
	}
	if g.timed() {
		g.f.Comment("Offsets of the parameter tensors in the kernels' parameters θ′(t).")
	} else {
		g.f.Comment("Offsets of the parameter tensors in θ.")
	}
	g.f.Const().Defs(defs...)
}
