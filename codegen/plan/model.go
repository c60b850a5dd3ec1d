package plan

import (
	"slices"

	"github.com/mafc-dev/mafc/ir"
)

// Modes lists the evaluation modes in the order the emitter writes them.
var Modes = [...]Mode{Values, Laplacian, Reverse, Hutch, HutchRev}

// Config selects what New plans; the zero value is the compiler's choice
// for the spec.
type Config struct {
	// Probes is the number of Hutchinson probes per sample (default: the
	// spec's, or 1).
	Probes int
	// MemoryBudget bounds the Jacobian buffers of one chunk in bytes
	// (default DefaultMemoryBudget); the chunk size is derived from it.
	MemoryBudget int
	// Dense keeps every Jacobian as D rows per sample in the Laplacian and
	// reverse modes (a baseline for benchmarks; see BuildWith).
	Dense bool
	// NoShift keeps receptive-field Jacobians of a convolution of a
	// convolution on the im2col path (see Options).
	NoShift bool
	// NoFactor keeps the shifted-kernel GEMMs instead of the orbit-factored
	// Jacobian (see Options).
	NoFactor bool
}

// DefaultMemoryBudget is the default bound of one chunk's Jacobian
// buffers: 256 MiB.
const DefaultMemoryBudget = 256 << 20

// MaxChunk is the largest chunk of samples in any mode.
const MaxChunk = 256

// CacheBudget bounds the bytes of one chunk's per-sample buffers of a
// convolutional potential: 512 KiB, so that a chunk's activations, their
// cotangents and the im2col or orbit scratch stay in a core's L2 cache
// (512 KiB to 2 MiB on the machines we measure) from one kernel to the
// next. A convolution's products are tall already for one sample (a row
// per site), so a small chunk loses nothing in the GEMMs, while a chunk of
// the memory budget (up to MaxChunk samples, tens of MiB) streams every
// buffer through the L3 cache several times per evaluation: measured on
// ising16_cnn (2-core Intel Xeon, AVX-512), one sample per chunk instead
// of 32 makes the exact training step 1.7× and the Hutchinson step 1.4×
// as fast, and Grad 1.5×.
const CacheBudget = 512 << 10

// MinChunkRows is the fewest rows, samples × sites, that the cache bound
// leaves a convolutional potential's chunk (ising8-sized lattices keep
// four samples per chunk).
const MinChunkRows = 256

// Model is the complete plan of a program: the plan of every mode and the
// decisions shared by all of them (how each convolution is lowered, the
// saved node, the lite activation, the chunk sizes and the workspace
// layout). The emitter prints a Model and decides nothing.
type Model struct {
	// Prog is the program the kernels evaluate (the kernel program of a
	// time-dependent spec, see ir.Program.KernelProgram).
	Prog *ir.Program
	// Modes holds the plan of each mode, indexed by Mode.
	Modes [len(Modes)]*Plan
	// Probes is the number of Hutchinson probes per sample.
	Probes int
	// Group is the order of the orbit average (1: none).
	Group int
	// Lowering is, per node, how a convolution's values are computed
	// (NotConv for other nodes).
	Lowering []Lowering
	// SaveNode is the dense layer of the input whose outputs
	// LaplacianSave keeps for the reverse mode (0: none; see saveNode).
	SaveNode int
	// LiteAct is the activation whose values only φ needs (0: none; see
	// liteAct).
	LiteAct int
	// Budget is the memory budget of one chunk's Jacobian buffers, bytes.
	Budget int
	// Chunk is the number of samples per chunk in the Laplacian,
	// Hutchinson and reverse modes; ValueChunk in the value-only modes
	// (Phi, Grad). Both keep one chunk's Jacobian buffers within Budget
	// and, for a convolutional potential, its per-sample buffers within
	// CacheBudget (see there).
	Chunk, ValueChunk int
	// Workspace is the layout of the generated Workspace.
	Workspace *Workspace
	// Time is the time map's state of a time-dependent spec (nil
	// otherwise).
	Time *TimeState
}

// New plans every mode of p and derives the shared decisions. A
// time-dependent p is planned as the kernels evaluate it: its kernel
// program (ir.Program.KernelProgram).
func New(p *ir.Program, c Config) *Model {
	full := p
	if p.TimeDependent() {
		p = p.KernelProgram()
	}
	m := &Model{Prog: p, Probes: c.Probes, Group: 1, Budget: c.MemoryBudget}
	if m.Probes == 0 {
		m.Probes = max(p.Train.Probes, 1)
	}
	for _, s := range p.Averaged() {
		m.Group *= s.Group.Order(p.InputShape())
	}
	for _, md := range Modes {
		m.Modes[md] = BuildOptions(p, md, m.Probes, Options{Dense: c.Dense && (md == Laplacian || md == Reverse), NoShift: c.NoShift, NoFactor: c.NoFactor})
	}
	m.Lowering = lowerings(p)
	m.SaveNode = saveNode(p, m.Group)
	m.LiteAct = liteAct(p)
	m.Workspace = m.layout()
	if full.TimeDependent() {
		m.Time = m.timeState(full)
	}
	m.Workspace.Buffers = append(m.Workspace.Buffers, m.timeBuffers()...)
	if m.Budget == 0 {
		m.Budget = DefaultMemoryBudget
	}
	m.Chunk, m.ValueChunk = m.Workspace.chunks(m.Budget)
	if sites := convSites(p); sites > 0 {
		// A convolutional potential: chunks sized for the cache.
		var perChunk, perValue int
		for _, b := range m.Workspace.Buffers {
			perChunk += b.PerChunk * b.Bytes
			perValue += b.PerValue * b.Bytes
		}
		m.Chunk = min(m.Chunk, cacheChunk(perChunk, sites))
		m.ValueChunk = max(m.Chunk, min(m.ValueChunk, cacheChunk(perValue, sites)))
	}
	return m
}

// convSites returns the most sites of a convolution's output in p, where
// every convolution is lowered site by site (a GEMM row per site and
// sample); 0 where p has no convolution, or one that is a product with its
// circulant matrix (a GEMM row per sample, which needs the chunk's samples
// to be tall).
func convSites(p *ir.Program) int {
	sites := 0
	for i, l := range lowerings(p) {
		switch l {
		case Circulant:
			return 0
		case Im2col, Direct, Gather:
			sites = max(sites, p.Nodes[i].Shape.Sites())
		}
	}
	return sites
}

// cacheChunk returns the samples of a chunk whose per-sample buffers of
// perSample bytes fit CacheBudget, but at least MinChunkRows/sites
// samples and at least one.
func cacheChunk(perSample, sites int) int {
	c := CacheBudget / max(perSample, 1)
	return max(c, (MinChunkRows+sites-1)/sites, 1)
}

// timeState plans the time map of the time-dependent spec full: float64
// kernels keep the part of θ′ that does not depend on t and apply the
// gates they can as scales (gates); float32 kernels form all of θ′ per time.
func (m *Model) timeState(full *ir.Program) *TimeState {
	ts := &TimeState{Split: full.Precision != "float32", Gates: map[int]int{}}
	if ts.Split {
		ts.Gates, ts.NumScaled = m.gates(full)
	}
	var scaled []int
	for id := range ts.Gates {
		scaled = append(scaled, id)
	}
	slices.Sort(scaled)
	tm := full.TimeMap(m.Prog, scaled...)
	ts.NumParams, ts.Scratch = tm.NumParams, tm.Scratch
	return ts
}

// Plan returns the plan of mode md.
func (m *Model) Plan(md Mode) *Plan { return m.Modes[md] }

// Circulant reports whether node n is a convolution computed as a dense
// product with its circulant matrix.
func (m *Model) Circulant(n *ir.Node) bool { return m.Lowering[n.ID] == Circulant }

// Direct reports whether node n is a convolution computed by its tap
// orbits (see Lowering).
func (m *Model) Direct(n *ir.Node) bool { return m.Lowering[n.ID] == Direct }

// Gather reports whether node n is a convolution of a one-channel field
// computed by the orbit sums of its input.
func (m *Model) Gather(n *ir.Node) bool { return m.Lowering[n.ID] == Gather }
