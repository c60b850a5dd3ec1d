package plan

import (
	"fmt"

	"github.com/mafc-dev/mafc/ir"
)

// Workspace is the layout of the generated Workspace: which buffers every
// node needs over all modes, their sizes, and the scratch shared by all
// nodes. Per-node slices are indexed by node ID.
type Workspace struct {
	RowsW    []int  // Jacobian rows per sample in the forward stack
	JBRowsW  []int  // Jacobian-cotangent rows per sample in the cotangent stack
	NeedQ    []bool // per-sample squared row norms q
	NeedE    []bool // coefficients 2σ″ℓ̄ of the Jacobian cotangent
	JBCoef   []bool // a dense layer whose Jacobian cotangent is kept as coefficients (deferred sum)
	RFR      []int  // receptive-field window of the forward buffer (0: none)
	RFBR     []int  // receptive-field window of the cotangent buffer (0: none)
	Gram     []bool // per-sample Gram matrices
	Geom     []bool // a convolution: needs a ConvGeom
	RFGeom   []bool // a receptive-field convolution: needs an RFGeom
	Shift    []bool // a shifted-kernel convolution: its im2col of σ′
	ShiftRev []bool // ... whose reverse sweep runs (cotangent buffers)
	// Factor marks an orbit-factored convolution (R and the window
	// scratch), FactorRev one whose reverse sweep runs (R̄ and P̄).
	Factor, FactorRev []bool
	DB                []bool // a conv-scaled activation whose Jacobian cotangent is held as σ′'s cotangent
	SharedQ           []bool // the model holds the row norms of a closed-form Jacobian
	GramBase          []bool // the model holds W·Wᵀ
	// RFGeomWindow is, for an RFGeom convolution, the receptive field of
	// its input.
	RFGeomWindow []ir.Window
	// ColsChunk and ColsValue are the im2col scratch per sample of a chunk
	// and of a value chunk (reals).
	ColsChunk, ColsValue int
	// PanelMax is one sample's diag(d)·Wᵀ panel (reals; 0: none).
	PanelMax int
	// MaxSize is the largest node.
	MaxSize int
	// JacobianPerSample is the bytes per sample of the Jacobian buffers,
	// which the memory budget bounds (counted at 8 bytes a real).
	JacobianPerSample float64
	// ValuePerSample is the bytes per sample of the value-only modes'
	// buffers, which the memory budget bounds for ValueChunk.
	ValuePerSample float64
	// Buffers lists every buffer in the order of the Workspace's fields.
	Buffers []Buffer
}

// Buffer is one allocation of max(c·PerChunk, cv·PerValue) + Fixed
// elements of Bytes bytes each (reals, or the indices of a convolution
// geometry), for chunks of c samples and value chunks of cv.
type Buffer struct {
	Name               string // the field's name
	PerChunk, PerValue int
	Fixed              int
	Bytes              int
	// Lazy marks a packed weight, which the first Sync allocates (for a
	// workspace's kernel model: its first evaluation), not New or
	// NewWorkspace.
	Lazy bool
}

// Reals returns the buffer's length for chunks of c and cv samples.
func (b Buffer) Reals(c, cv int) int { return max(c*b.PerChunk, cv*b.PerValue) + b.Fixed }

// bytes returns the buffer's bytes for chunks of c and cv samples, in
// float64 so that no size overflows.
func (b Buffer) bytes(c, cv int) float64 {
	return float64(b.Bytes) * (max(float64(c)*float64(b.PerChunk), float64(cv)*float64(b.PerValue)) + float64(b.Fixed))
}

// Bytes returns the bytes of a workspace for a batch of at most maxBatch
// samples (the generated NewWorkspace(maxBatch) with the chunk sizes of
// m): every buffer, the convolution geometries' index tables and, for a
// time-dependent spec, the time state (kernel model with its packed
// weights, ∂G/∂θ′, the time map's scratch). Go's allocator rounds each
// allocation up to its size class, which is not counted.
func (m *Model) Bytes(maxBatch int) float64 {
	c, cv := min(maxBatch, m.Chunk), min(maxBatch, m.ValueChunk)
	var total float64
	for _, b := range m.Workspace.Buffers {
		total += b.bytes(c, cv)
	}
	return total
}

// layout collects the buffers every node needs over all modes.
func (m *Model) layout() *Workspace {
	p := m.Prog
	n := len(p.Nodes)
	w := &Workspace{
		RowsW: make([]int, n), JBRowsW: make([]int, n),
		NeedQ: make([]bool, n), NeedE: make([]bool, n), JBCoef: make([]bool, n),
		RFR: make([]int, n), RFBR: make([]int, n),
		Gram: make([]bool, n), Geom: make([]bool, n), RFGeom: make([]bool, n),
		Shift: make([]bool, n), ShiftRev: make([]bool, n), DB: make([]bool, n),
		Factor: make([]bool, n), FactorRev: make([]bool, n),
		SharedQ: make([]bool, n), GramBase: make([]bool, n),
		RFGeomWindow: make([]ir.Window, n),
	}
	for _, nd := range p.Nodes {
		w.MaxSize = max(w.MaxSize, nd.Shape.Size())
	}
	colsPerSample := 0
	for _, md := range Modes[1:] {
		colsPerSample = max(colsPerSample, m.collect(w, m.Modes[md]))
	}
	m.collectNodes(w)
	w.JacobianPerSample = m.jacobianPerSample(w)
	valCols := m.valueCols()
	w.ValuePerSample = m.valuePerSample(valCols)
	w.ColsChunk, w.ColsValue = max(m.colsRows(w), colsPerSample), valCols
	w.Buffers = m.buffers(w)
	return w
}

// collect records in w what the nodes of one mode's plan pl need, and
// returns the receptive-field im2col scratch per sample (reals) of its
// convolutions.
func (m *Model) collect(w *Workspace, pl *Plan) (colsPerSample int) {
	p := m.Prog
	D := p.Dim()
	for i, pn := range pl.Nodes {
		if pn.Rows {
			w.RowsW[i] = max(w.RowsW[i], pl.Width)
		}
		if pn.JBRows {
			w.JBRowsW[i] = max(w.JBRowsW[i], pl.Width)
		}
		if pn.NeedJ && pn.Kind != Identity {
			w.NeedQ[i] = true
			w.NeedE[i] = pn.ID != 0
		}
		w.collectKind(pl, i, pn)
		if pn.RowsFromScaled || pn.Kind == Gram {
			in := p.Nodes[pn.Inputs[0]].Shape.Size()
			w.PanelMax = max(w.PanelMax, in*pn.Size)
			if pn.RowsFromScaled {
				w.PanelMax = max(w.PanelMax, in*D) // diag(σ′_b)·W_prev
			}
		}
		if pn.Op == ir.OpConv {
			w.Geom[i] = true
			if pn.Kind == RF {
				w.RFGeom[i] = true
				in := p.Nodes[pn.Inputs[0]].Shape
				colsPerSample = max(colsPerSample, in.Sites()*pn.Window.Size()*in.C*pn.K1*pn.K2)
			}
		}
	}
	return colsPerSample
}

// collectKind records in w the buffers that node pn (node i) needs for its
// Jacobian form in the plan pl: receptive-field windows, shifted-kernel,
// orbit-factored and σ′-cotangent buffers, the model's row norms and Gram
// bases.
func (w *Workspace) collectKind(pl *Plan, i int, pn *Node) {
	switch pn.Kind {
	case RF:
		w.RFR[i] = max(w.RFR[i], pn.Window.Size())
		if pn.JBRF {
			w.RFBR[i] = max(w.RFBR[i], pn.Window.Size())
		}
	case ShiftRF:
		w.Shift[i] = true
		w.RFR[i] = max(w.RFR[i], pn.Window.Size())
		if pn.JBRF {
			w.RFBR[i] = max(w.RFBR[i], pn.Window.Size())
			w.ShiftRev[i] = true
		}
	case Factored:
		w.Factor[i] = true
		w.FactorRev[i] = w.FactorRev[i] || pn.JBCoef
	case ConvScaled:
		if pn.JBShift {
			w.DB[i] = true
		}
	case ConvShared:
		w.SharedQ[i] = true
		if pn.Rows || pn.JBRF {
			w.RFR[i] = max(w.RFR[i], pn.Window.Size())
		}
		if pn.JBRF {
			w.RFBR[i] = max(w.RFBR[i], pn.Window.Size())
		}
	case Shared:
		w.SharedQ[i] = true
	case Gram:
		w.Gram[i] = true
		if pn.Op == ir.OpDense {
			if in := pl.Nodes[pn.Inputs[0]]; in.Kind == Scaled {
				w.GramBase[in.Base] = true
			}
		}
	}
}

// collectNodes records in w what holds per node over the modes together:
// the convolution geometries, the dense layers whose Jacobian cotangent is
// kept as coefficients and the receptive field of each RFGeom's input.
func (m *Model) collectNodes(w *Workspace) {
	for i, nd := range m.Prog.Nodes {
		if nd.Op == ir.OpConv {
			w.Geom[i] = true
		}
		if nd.Op == ir.OpDense {
			// Convolution kernels are small: their cotangents are applied
			// at once.
			w.JBCoef[i] = m.Modes[Reverse].Nodes[i].JBCoef || m.Modes[HutchRev].Nodes[i].JBCoef
		}
		if w.RFGeom[i] {
			win := m.Modes[Reverse].Nodes[nd.Inputs[0]].Window
			if w2 := m.Modes[Laplacian].Nodes[nd.Inputs[0]].Window; w2.R1 > 0 {
				win = w2
			}
			w.RFGeomWindow[i] = win
		}
	}
}

// jacobianPerSample returns the bytes per sample of w's Jacobian buffers:
// rows, receptive fields, Gram matrices, shifted-kernel and orbit-factored
// buffers.
func (m *Model) jacobianPerSample(w *Workspace) float64 {
	var total float64
	for i, nd := range m.Prog.Nodes {
		total += float64(8 * nd.Shape.Size() * (w.RowsW[i] + w.JBRowsW[i]))
		total += float64(8 * nd.Shape.Sites() * nd.Shape.C * (w.RFR[i] + w.RFBR[i]))
		if w.Gram[i] {
			total += float64(8 * nd.Shape.Size() * nd.Shape.Size())
		}
		if w.Shift[i] {
			total += float64(8 * m.shiftPerSample(w, nd))
		}
		if w.Factor[i] {
			total += float64(8 * m.factorPerSample(w, nd))
		}
	}
	return total
}

// colsRows returns the im2col scratch per sample of a chunk for the
// convolutions' row stacks: the largest stack of rows times the patch
// width.
func (m *Model) colsRows(w *Workspace) int {
	p := m.Prog
	maxRows := 0
	for i, nd := range p.Nodes {
		if nd.Op != ir.OpConv {
			continue
		}
		in := p.Nodes[nd.Inputs[0]]
		k := in.Shape.Sites() * m.colsWidth(nd)
		maxRows = max(maxRows, k*(3+max(w.RowsW[in.ID], w.JBRowsW[in.ID], w.RowsW[i], w.JBRowsW[i])))
	}
	return maxRows
}

// valueCols returns the im2col scratch per sample of a value chunk (reals).
func (m *Model) valueCols() int {
	valCols := 0
	for _, nd := range m.Prog.Nodes {
		if nd.Op == ir.OpConv {
			valCols = max(valCols, m.Prog.Nodes[nd.Inputs[0]].Shape.Sites()*m.colsWidth(nd))
		}
	}
	return valCols
}

// colsWidth returns the scratch per site and row of the convolution n's
// value products: its im2col patch (Cin·K), a direct convolution's Z
// (T·Cout), or a gathered one's orbit sums G and their cotangent H (T).
func (m *Model) colsWidth(n *ir.Node) int {
	switch m.Lowering[n.ID] {
	case Direct:
		return DirectWidth(n)
	case Gather:
		_, T := KernelOrbits(n)
		return T
	}
	return m.Prog.Nodes[n.Inputs[0]].Shape.C * n.K1 * n.K2
}

// valuePerSample returns the bytes per sample of the value-only modes'
// buffers, with valCols reals of im2col scratch. The value-only modes (Phi,
// Grad) keep no Jacobian rows, so they take larger chunks: fewer, taller
// products run closer to the GEMM's peak.
func (m *Model) valuePerSample(valCols int) float64 {
	var total float64
	for _, nd := range m.Prog.Nodes {
		k := 2
		if nd.Op == ir.OpAct {
			k = 3
		}
		total += float64(8 * k * nd.Shape.Size())
	}
	return total + float64(8*valCols)
}

// chunks returns the samples per chunk that keep the Jacobian buffers
// within budget bytes (at most MaxChunk), and the larger chunk of the
// value-only modes.
func (w *Workspace) chunks(budget int) (chunk, valueChunk int) {
	chunk = MaxChunk
	if w.JacobianPerSample > 0 {
		chunk = max(1, min(MaxChunk, int(float64(budget)/w.JacobianPerSample)))
	}
	return chunk, max(chunk, min(MaxChunk, int(float64(budget)/w.ValuePerSample)))
}

// ShiftDims returns, for the shifted-kernel convolution n, its input h,
// h's input c (the first convolution), the sites, the width of the im2col
// X of σ′ (Cin·K²) and of the shifted-kernel matrix B (Cout·window).
func (m *Model) ShiftDims(n *ir.Node) (h, c *ir.Node, sites, ck, nn int) {
	h = m.Prog.Nodes[n.Inputs[0]]
	c = m.Prog.Nodes[h.Inputs[0]]
	s := h.Shape
	return h, c, s.Sites(), s.C * n.K1 * n.K2, n.Out * m.ShiftWindow(n).Size()
}

// ShiftWindow returns the shifted-kernel convolution n's receptive field
// (the same in every exact mode).
func (m *Model) ShiftWindow(n *ir.Node) ir.Window {
	for _, md := range []Mode{Laplacian, Reverse} {
		if pn := m.Modes[md].Nodes[n.ID]; pn.Kind == ShiftRF {
			return pn.Window
		}
	}
	panic(fmt.Sprintf("plan: node %d (%s): not a shifted-kernel convolution", n.ID, n.Name))
}

// shiftPerSample returns the reals per sample of n's shifted-kernel
// buffers: X, and its cotangent where the reverse sweep runs.
func (m *Model) shiftPerSample(w *Workspace, n *ir.Node) int {
	_, _, sites, ck, _ := m.ShiftDims(n)
	if w.ShiftRev[n.ID] {
		return 2 * sites * ck
	}
	return sites * ck
}

// factorPerSample returns the reals per sample of n's factored buffers: R,
// and R̄ where the reverse sweep runs.
func (m *Model) factorPerSample(w *Workspace, n *ir.Node) int {
	f := m.FactorShape(n)
	if w.FactorRev[n.ID] {
		return 2 * f.Sites * f.Width()
	}
	return f.Sites * f.Width()
}

// jacobianBuffers adds node i's (named name) receptive-field, shifted-kernel and
// orbit-factored buffers (in the order the Workspace declares them).
func (m *Model) jacobianBuffers(w *Workspace, i int, name string, add func(name string, perChunk, perValue, fixed int)) {
	n := m.Prog.Nodes[i]
	if w.RFR[i] > 0 {
		add(name+"RF", n.Shape.Sites()*w.RFR[i]*n.Shape.C, 0, 0)
	}
	if w.RFBR[i] > 0 {
		add(name+"RFB", n.Shape.Sites()*w.RFBR[i]*n.Shape.C, 0, 0)
	}
	if w.Shift[i] {
		_, _, sites, ck, nn := m.ShiftDims(n)
		add(name+"ShiftX", sites*ck, 0, 0)
		if w.ShiftRev[i] {
			add(name+"ShiftXB", sites*ck, 0, 0)
			add(name+"GS", 0, 0, ck*nn)
		}
	}
	if w.Factor[i] {
		f := m.FactorShape(n)
		add(name+"FR", f.Sites*f.Width(), 0, 0)
		add(name+"FJ", 0, 0, f.Ro*f.Cout)
		if w.FactorRev[i] {
			add(name+"FRB", f.Sites*f.Width(), 0, 0)
			add(name+"GP", 0, 0, f.Cin*f.Width())
		}
	}
}

// buffers lists the workspace buffers in the order the Workspace declares
// them (the names are the generated fields').
func (m *Model) buffers(w *Workspace) []Buffer {
	p := m.Prog
	names, _ := ir.GoNames(p.Nodes)
	T := elemBytes(p)
	var out []Buffer
	add := func(name string, perChunk, perValue, fixed int) {
		out = append(out, Buffer{Name: name, PerChunk: perChunk, PerValue: perValue, Fixed: fixed, Bytes: T})
	}
	for i, n := range p.Nodes {
		name, sz := names[i], n.Shape.Size()
		add(name, (3+w.RowsW[i])*sz, sz, 0)
		add(name+"B", (3+w.JBRowsW[i])*sz, sz, 0)
		if n.Op == ir.OpAct {
			add(name+"D1", sz, sz, 0)
			add(name+"D2", sz, 0, 0)
			add(name+"D3", sz, 0, 0)
		}
		if w.NeedQ[i] {
			add(name+"Q", sz, 0, 0)
		}
		if w.NeedE[i] {
			add(name+"E", sz, 0, 0)
		}
		if w.JBCoef[i] {
			out = append(out, Buffer{Name: name + "EAcc", Fixed: sz, Bytes: 8})
		}
		m.jacobianBuffers(w, i, name, add)
		if w.DB[i] {
			add(name+"DB", sz, 0, 0)
		}
		if w.Gram[i] {
			add(name+"G", sz*sz, 0, 0)
		}
		if m.Lowering[i] == Circulant {
			add(name+"GCirc", 0, 0, p.Nodes[n.Inputs[0]].Shape.Size()*sz)
		}
		if m.Lowering[i] == Direct {
			add(name+"GDir", 0, 0, DirectWidth(n)*p.Nodes[n.Inputs[0]].Shape.C)
		}
		if m.Lowering[i] == Gather {
			add(name+"GGat", 0, 0, DirectWidth(n))
		}
		if n.Op == ir.OpConv && n.Tie != "" {
			in := p.Nodes[n.Inputs[0]].Shape
			add(name+"GFull", 0, 0, n.Out*in.C*n.K1*n.K2)
		}
		if w.Geom[i] {
			in := p.Nodes[n.Inputs[0]].Shape
			out = append(out, Buffer{Name: name + "Geom", Fixed: convGeomLen(in, n), Bytes: intBytes})
		}
		if w.RFGeom[i] {
			in := p.Nodes[n.Inputs[0]].Shape
			out = append(out, Buffer{Name: name + "RFGeom", Fixed: rfGeomLen(in, n, w.RFGeomWindow[i]), Bytes: intBytes})
		}
	}
	add("cols", w.ColsChunk, w.ColsValue, 0)
	add("rd", w.MaxSize, w.MaxSize, 0)
	if w.PanelMax > 0 {
		add("panel", 0, 0, w.PanelMax)
		add("wtmp", 0, 0, w.PanelMax)
	}
	if T == 4 {
		n := p.NumParams()
		if m.Time != nil {
			n = m.Time.NumParams // the generated NumParams is θ's length
		}
		out = append(out, Buffer{Name: "g32", Fixed: n, Bytes: 4})
	}
	return out
}
