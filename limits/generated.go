package limits

import "github.com/mafc-dev/mafc/ir"

// Coefficients of GeneratedBytes, measured on codegen's output (see
// TestGeneratedBytesBoundsCodegen in codegen): every node costs about 5.5
// KiB of Go over the five modes (values, Laplacian, reverse and the two
// Hutchinson modes), plus about 125 bytes per byte of the name of the
// statement it comes from; a tied convolution lists the orbit of each of its
// K1·K2 kernel offsets (up to 7 bytes each); doc comments are copied about
// four times. The coefficients are rounded up.
const (
	genBase       = 48 << 10
	genPerNode    = 6 << 10
	genPerNameB   = 160
	genPerOffset  = 8
	genPerDocByte = 6
)

// GeneratedBytes estimates the size of the Go file codegen writes for p: a
// fixed part and each node's share, in node order (so that a checker can
// point at the node where a limit is crossed). The estimate is an upper
// bound of the real size for the bundled specs and grows linearly with the
// node count, the names' lengths and the tied kernels' sizes, which are what
// makes generated code large.
func GeneratedBytes(p *ir.Program) (base float64, perNode []float64) {
	base = genBase + genPerDocByte*float64(len(p.Doc))
	perNode = make([]float64, len(p.Nodes))
	for i, n := range p.Nodes {
		b := float64(genPerNode) + genPerNameB*float64(len(n.Name)) + genPerDocByte*float64(len(n.Doc))
		if n.Op == ir.OpConv && n.Tie != "" {
			b += genPerOffset * float64(n.K1) * float64(n.K2)
		}
		perNode[i] = b
	}
	return base, perNode
}

// GeneratedTotal returns the total of GeneratedBytes.
func GeneratedTotal(p *ir.Program) float64 {
	base, per := GeneratedBytes(p)
	for _, b := range per {
		base += b
	}
	return base
}
