package plan

import (
	"fmt"
	"strings"

	"github.com/mafc-dev/mafc/ir"
)

// Dump returns the plan as text, the same for the same program and
// configuration: nodes in order, buffers in the Workspace's order, no map
// order, paths or times (mafc gen -dump=plan).
func (m *Model) Dump() string {
	var b strings.Builder
	p := m.Prog
	fmt.Fprintf(&b, "plan %s\n", p.Name)
	fmt.Fprintf(&b, "dim %d, probes %d, orbit average over %d, %s\n", p.Dim(), m.Probes, m.Group, precision(p))
	fmt.Fprintf(&b, "chunk %d samples (Jacobian buffers %.0f bytes per sample, budget %d bytes), value chunk %d samples (%.0f bytes per sample)\n",
		m.Chunk, m.Workspace.JacobianPerSample, m.Budget, m.ValueChunk, m.Workspace.ValuePerSample)
	if convSites(p) > 0 {
		fmt.Fprintf(&b, "convolutional: chunks within a cache budget of %d bytes of per-sample buffers (at least %d rows of samples × sites)\n", CacheBudget, MinChunkRows)
	}
	fmt.Fprintf(&b, "saved node: %s\n", m.nodeName(m.SaveNode))
	fmt.Fprintf(&b, "lite activation: %s\n", m.nodeName(m.LiteAct))
	for i, l := range m.Lowering {
		if l != NotConv {
			fmt.Fprintf(&b, "conv %s: %s\n", p.Nodes[i].Name, l)
		}
	}
	for _, md := range Modes {
		m.dumpMode(&b, m.Modes[md])
	}
	b.WriteString("workspace (reals of each buffer for chunks of c and cv samples):\n")
	for _, buf := range m.Workspace.Buffers {
		fmt.Fprintf(&b, "  %-20s %s\n", buf.Name, buf.expr(elemBytes(p)))
	}
	fmt.Fprintf(&b, "memory: %.0f bytes for 1 sample, %.0f bytes for a full chunk; the model %.0f bytes\n", m.Bytes(1), m.Bytes(max(m.Chunk, m.ValueChunk)), m.ModelBytes())
	return b.String()
}

func (m *Model) dumpMode(b *strings.Builder, pl *Plan) {
	if pl.Mode == Values {
		b.WriteString("mode values: φ, and ∇φ by backpropagation, without Jacobians\n")
		return
	}
	fmt.Fprintf(b, "mode %s: %d Jacobian rows per sample, %.0f flops per sample in Jacobian products\n", pl.Mode, pl.Width, pl.Flops())
	for _, n := range pl.Nodes {
		var f []string
		if n.LZero {
			f = append(f, "ℓ=0")
		}
		if n.Rows {
			f = append(f, "rows")
		}
		if n.RowsFromScaled {
			f = append(f, "rows-from-scaled")
		}
		if n.Window.R1 > 0 {
			f = append(f, fmt.Sprintf("window %dx%d", n.Window.R1, n.Window.R2))
		}
		if n.Kind == Scaled {
			f = append(f, "base "+pl.Nodes[n.Base].Name)
		}
		var cot []string
		for _, c := range []struct {
			on   bool
			name string
		}{{n.JBRows, "rows"}, {n.JBRF, "receptive-field"}, {n.JBCoef, "coefficients"}, {n.JBShift, "shift"}} {
			if c.on {
				cot = append(cot, c.name)
			}
		}
		if len(cot) > 0 {
			f = append(f, "cotangent "+strings.Join(cot, "+"))
		}
		line := fmt.Sprintf("  %-14s %-6s %-16v %-16s %s", n.Name, n.Op, n.Shape, n.Kind, strings.Join(f, ", "))
		b.WriteString(strings.TrimRight(line, " ") + "\n")
	}
}

// expr writes a buffer's length as max(c·PerChunk, cv·PerValue) + Fixed
// without the terms that are zero, and its reals' size where it is not
// the program's (elem bytes).
func (b Buffer) expr(elem int) string {
	var terms []string
	switch {
	case b.PerChunk > 0 && b.PerValue > 0:
		terms = append(terms, fmt.Sprintf("max(c·%d, cv·%d)", b.PerChunk, b.PerValue))
	case b.PerChunk > 0:
		terms = append(terms, fmt.Sprintf("c·%d", b.PerChunk))
	case b.PerValue > 0:
		terms = append(terms, fmt.Sprintf("cv·%d", b.PerValue))
	}
	if b.Fixed > 0 || len(terms) == 0 {
		terms = append(terms, fmt.Sprint(b.Fixed))
	}
	s := strings.Join(terms, " + ")
	if b.Bytes != elem {
		s += fmt.Sprintf(" (%d-byte reals)", b.Bytes)
	}
	if b.Lazy {
		s += " (packed by the first evaluation)"
	}
	return s
}

func (m *Model) nodeName(id int) string {
	if id == 0 {
		return "none"
	}
	return m.Prog.Nodes[id].Name
}

func precision(p *ir.Program) string {
	if p.Precision == "float32" {
		return "float32"
	}
	return "float64"
}

// elemBytes returns the bytes of one of the kernels' reals.
func elemBytes(p *ir.Program) int {
	if p.Precision == "float32" {
		return 4
	}
	return 8
}
