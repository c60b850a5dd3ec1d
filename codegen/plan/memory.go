package plan

import "github.com/mafc-dev/mafc/ir"

// The memory model: every allocation of the generated Model (New and what
// Sync packs) and Workspace (NewWorkspace, and for a time-dependent spec
// its kernel model), as Buffers. The commands' memory limits
// (limits.Resources) read it, so that the estimate that refuses a run and
// the code that runs are one model.

// TimeState is what the time map needs of a time-dependent spec: the
// length of θ (the kernels' θ′ is Prog's NumParams) and of the map's
// scratch (ir.TimeMap), and whether θ′ is split into a part formed once per
// θ and a part formed per time, with the gates of the Scaled layers
// (NumScaled of them) applied by the kernels (float64 specs; float32 specs
// form all of θ′ per time).
type TimeState struct {
	NumParams, Scratch int
	Split              bool
	// Gates maps each Scaled layer (see Model.gates) to its offset in the
	// gate vector of NumScaled entries.
	Gates     map[int]int
	NumScaled int
}

// intBytes is the size of an index of a convolution geometry's tables.
const intBytes = 8

// packPanel returns the columns of a packed GEMM operand's micro-panel for
// reals of elem bytes (runtime/gemm: NR = 8 for float64, 16 for float32);
// a packed k×n operand holds k·⌈n/NR⌉·NR reals.
func packPanel(elem int) int {
	if elem == 4 {
		return 16
	}
	return 8
}

// packed returns the reals of a packed k×n GEMM operand of reals of elem
// bytes (an upper bound: without the assembly kernels it is k·n).
func packed(k, n, elem int) int {
	nr := packPanel(elem)
	return k * ((n + nr - 1) / nr * nr)
}

// convGeomLen returns the length of the neighbour table of a K1×K2
// convolution on the input shape in (kern.NewConvGeom).
func convGeomLen(in ir.Shape, n *ir.Node) int { return in.Sites() * n.K1 * n.K2 }

// directGeomLen returns the indices of a direct geometry
// (kern.NewDirectGeom) beyond its ConvGeom: the orbit tables, the row sums'
// offsets (int32, two to an index) both ways and their starts.
func directGeomLen(in ir.Shape, n *ir.Node) int {
	_, T := KernelOrbits(n)
	S, K := in.Sites(), n.K1*n.K2
	return T + K + S*K + S + 1 + S*T + 1
}

// gatherScratch is kern's gatherScratch: GatherOrbits keeps padded-row
// tables for lattices whose padded field and orbit sums fit it.
const gatherScratch = 4096

// gatherGeomLen returns the indices of a gather geometry
// (kern.NewGatherGeom) beyond its ConvGeom: the representative tap and the
// size of each orbit, the orbit of each tap, and the gather and scatter
// tables (int32, two to an index); and, where they fit kern's buffer, the
// padded-row tables: the padded field's sites and the rows' offsets
// (int32) and the windows' starts.
func gatherGeomLen(in ir.Shape, n *ir.Node) int {
	_, T := KernelOrbits(n)
	K := n.K1 * n.K2
	l := 2*T + K + in.Sites()*K
	if pad := (in.L1 + n.K1 - 1) * (in.L2 + n.K2 - 1); pad+T*in.Sites() <= gatherScratch {
		l += (pad+1)/2 + (in.L1*K+1)/2 + T*in.L1 + 1
	}
	return l
}

// rfGeomLen returns the length of the tap table of the receptive-field
// geometry of n on input in whose Jacobian lives on win (kern.NewRFGeom).
func rfGeomLen(in ir.Shape, n *ir.Node, win ir.Window) int {
	return win.Grow(n.K1, n.K2, in.L1, in.L2).Size() * n.K1 * n.K2
}

// matrix returns the rows and columns of the weight matrix of a dense or
// convolution node as its GEMMs use it (a circulant convolution's is its
// circulant matrix).
func (m *Model) matrix(n *ir.Node) (rows, cols int) {
	in := m.Prog.Nodes[n.Inputs[0]].Shape
	switch {
	case n.Op == ir.OpDense:
		return n.Out, in.Size()
	case m.Lowering[n.ID] == Circulant:
		return n.Shape.Size(), in.Size()
	}
	return n.Out, in.C * n.K1 * n.K2
}

// modelBuffers lists the generated Model's allocations, θ first, in the
// order the Model declares them; prefix names them (the kernel model of a
// workspace). The packed weights are allocated by the first Sync (Lazy).
func (m *Model) modelBuffers(prefix string) []Buffer {
	p := m.Prog
	names, _ := ir.GoNames(p.Nodes)
	T := elemBytes(p)
	params := p.NumParams()
	if m.Time != nil {
		params = m.Time.NumParams
	}
	var out []Buffer
	add := func(name string, n, bytes int, lazy bool) {
		out = append(out, Buffer{Name: prefix + name, Fixed: n, Bytes: bytes, Lazy: lazy})
	}
	add("theta", params, 8, false)
	if T == 4 {
		add("p", params, 4, false)
	}
	ws := m.Workspace
	for i, n := range p.Nodes {
		name := names[i]
		if n.Op == ir.OpDense || n.Op == ir.OpConv {
			r, c := m.matrix(n)
			add(name+"Fwd", packed(c, r, T), T, true)
			add(name+"Bwd", packed(r, c, T), T, true)
		}
		in := ir.Shape{}
		if len(n.Inputs) > 0 {
			in = p.Nodes[n.Inputs[0]].Shape
		}
		if m.Lowering[i] == Circulant {
			add(name+"Circ", in.Size()*n.Shape.Size(), T, false)
			add(name+"Geom", convGeomLen(in, n), intBytes, false)
		}
		if n.Op == ir.OpConv && n.Tie != "" {
			add(name+"Full", n.Out*in.C*n.K1*n.K2, T, false)
		}
		if m.Lowering[i] == Direct {
			W := DirectWidth(n)
			add(name+"Direct", W*in.C, T, false)
			add(name+"DirFwd", packed(in.C, W, T), T, true)
			add(name+"DirBwd", packed(W, in.C, T), T, true)
			add(name+"DirGeom", convGeomLen(in, n)+directGeomLen(in, n), intBytes, false)
		}
		if m.Lowering[i] == Gather {
			_, To := KernelOrbits(n)
			add(name+"Gather", To*n.Out, T, false)
			add(name+"GatFwd", packed(To, n.Out, T), T, true)
			add(name+"GatBwd", packed(n.Out, To, T), T, true)
			add(name+"GatGeom", convGeomLen(in, n)+gatherGeomLen(in, n), intBytes, false)
		}
		if ws.SharedQ[i] {
			k := n.Out
			if n.Op == ir.OpConv {
				k = n.Shape.Size() // tiled over the sites, one per output element
			}
			add(name+"Norm2", k, T, false)
		}
		if ws.Shift[i] {
			h, _, _, ck, nn := m.ShiftDims(n)
			add(name+"ShiftM", ck*nn, T, false)
			add(name+"Shift", packed(ck, nn, T), T, true)
			add(name+"ShiftT", packed(nn, ck, T), T, true)
			add(name+"ShiftGeom", convGeomLen(h.Shape, n)+rfGeomLen(h.Shape, n, m.Modes[Laplacian].Nodes[h.ID].Window), intBytes, false)
		}
		if ws.Factor[i] {
			f := m.FactorShape(n)
			add(name+"FactorM", f.Cin*f.Width(), T, false)
			add(name+"Factor", packed(f.Cin, f.Width(), T), T, true)
			add(name+"FactorT", packed(f.Width(), f.Cin, T), T, true)
			// in int32 halves of an index, exactly; the taps' orbit table is the direct geometry's when n has one
			idx := convGeomLen(f.H.Shape, n) + rfGeomLen(f.H.Shape, n, f.InWindow)
			add(name+"FactorGeom", 2*idx+f.factorGeomHalves(m.Lowering[i] == Direct), intBytes/2, false)
		}
		if ws.GramBase[i] {
			add(name+"Gram", n.Out*n.Out, T, false)
		}
	}
	return out
}

// ModelBytes returns the bytes of the generated Model: θ and what New and
// Sync derive from it (views, circulant, shifted-kernel and orbit-factored
// matrices, row norms, Gram bases, packed weights, geometry tables).
func (m *Model) ModelBytes() float64 {
	var total float64
	for _, b := range m.modelBuffers("") {
		total += b.bytes(1, 1)
	}
	return total
}

// timeBuffers lists the time state of a workspace of a time-dependent
// spec: its kernel model, ∂G/∂θ′ (of θ's length) and the time map's
// scratch.
func (m *Model) timeBuffers() []Buffer {
	if m.Time == nil {
		return nil
	}
	out := m.modelBuffers("timeModel.")
	out = append(out,
		Buffer{Name: "timeGrad", Fixed: m.Time.NumParams, Bytes: 8},
		Buffer{Name: "timeScratch", Fixed: m.Time.Scratch, Bytes: 8})
	if m.Time.Split {
		out = append(out,
			Buffer{Name: "timeGS", Fixed: m.Time.NumScaled, Bytes: 8},
			Buffer{Name: "timeModel.timeS", Fixed: m.Time.NumScaled, Bytes: 8},
			Buffer{Name: "timeModel.timeS2", Fixed: m.Time.NumScaled, Bytes: 8})
	}
	return out
}

// SaveSize returns the outputs per sample of the saved node (SaveNode)
// that an integrator keeps for every stored stage (runtime.Saver's
// SaveSize; 0 when none).
func (m *Model) SaveSize() int {
	if m.SaveNode == 0 {
		return 0
	}
	return m.Prog.Nodes[m.SaveNode].Out
}
