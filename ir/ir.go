// Package ir is mafc's intermediate representation: a language-neutral op
// graph for the potential φ with resolved shapes, a flat parameter layout, the
// source position of every node, and the flow and training settings of the
// spec it came from.
//
// The IR lives under runtime/ (and not under codegen/) because the tests
// generated for every model evaluate it with the reference evaluator in
// [github.com/mafc-dev/mafc/runtime/refeval], and generated code may import
// only runtime packages. The front end ([github.com/mafc-dev/mafc/dsl]) builds
// it; the code generator consumes it; the runtime reads its settings.
//
// # Values and layouts
//
// Every node produces one real tensor with a [Shape]: a vector of N reals, or a
// lattice field of L1×L2 sites with C channels stored site-major
// (index (r·L2 + c)·C + ch, rows r and columns c both periodic). A 1-D periodic
// chain of L sites is the lattice L×1. The input node is a vector or a lattice
// field with one channel. The output node is a vector of length 1: φ.
//
// # Parameters
//
// All parameters live in one flat []float64. Nodes are visited in order; every
// dense node contributes its weight W (Out×In, row-major) and then, if it has
// one, its bias b (Out); every convolution contributes W (Cout×Cin×K1×K2,
// row-major) and then b (Cout). [Program.Params] lists the tensors with their
// offsets.
package ir

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"path/filepath"
)

// Version is the IR format version; it is part of every model hash.
const Version = 1

// Pos is a position in a .maf source file.
type Pos struct {
	File string `json:"file,omitempty"`
	Line int    `json:"line,omitempty"`
	Col  int    `json:"col,omitempty"`
}

// String formats p as file:line:col.
func (p Pos) String() string {
	if p.Line == 0 {
		return p.File
	}
	return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col)
}

// Shape is the shape of a node's value.
type Shape struct {
	// N is the length of a vector value; zero for lattice fields.
	N int `json:"n,omitempty"`
	// L1, L2 and C are the lattice extents and the channel count of a
	// lattice field; all zero for vectors.
	L1 int `json:"l1,omitempty"`
	L2 int `json:"l2,omitempty"`
	C  int `json:"c,omitempty"`
}

// Vec returns the shape of a vector of n reals.
func Vec(n int) Shape { return Shape{N: n} }

// Grid returns the shape of an L1×L2 lattice field with c channels.
func Grid(l1, l2, c int) Shape { return Shape{L1: l1, L2: l2, C: c} }

// IsGrid reports whether s is a lattice field.
func (s Shape) IsGrid() bool { return s.L1 > 0 }

// Sites returns the number of lattice sites (1 for a vector).
func (s Shape) Sites() int {
	if s.IsGrid() {
		return s.L1 * s.L2
	}
	return 1
}

// Size returns the number of reals in a value of shape s.
func (s Shape) Size() int {
	if s.IsGrid() {
		return s.L1 * s.L2 * s.C
	}
	return s.N
}

// String formats s as vec(N) or grid(L1×L2×C).
func (s Shape) String() string {
	if s.IsGrid() {
		return fmt.Sprintf("grid(%dx%dx%d)", s.L1, s.L2, s.C)
	}
	return fmt.Sprintf("vec(%d)", s.N)
}

// Op is the kind of a node.
type Op string

// The node kinds.
const (
	OpInput Op = "input" // the input x
	OpDense Op = "dense" // a = W·flatten(h) + b
	OpConv  Op = "conv"  // periodic 2-D cross-correlation with Cout kernels
	OpAct   Op = "act"   // y = σ(a) elementwise
	OpAdd   Op = "add"   // y = a + b (same shapes): residual connections
	OpScale Op = "scale" // y = c·a with a constant c
	OpSum   Op = "sum"   // y = Σ a (to a scalar)
	OpMean  Op = "mean"  // y = Σ a / size(a)
	OpPool  Op = "pool"  // lattice field → vector of channels: sum (or mean) over sites
)

// Act names a smooth (C³) activation function.
type Act string

// The activations. Each has σ, σ′, σ″ and σ‴ in [Act.Eval].
const (
	Softplus  Act = "softplus"  // ln(1 + eˣ)
	LnCosh    Act = "lncosh"    // ln cosh x
	Tanh      Act = "tanh"      // tanh x
	Sigmoid   Act = "sigmoid"   // 1/(1 + e⁻ˣ)
	Swish     Act = "swish"     // x·sigmoid(x), also called SiLU
	Quadratic Act = "quadratic" // x²/2
	Identity  Act = "identity"  // x
)

// Acts lists every activation, in the order the documentation gives them.
var Acts = []Act{Softplus, LnCosh, Tanh, Sigmoid, Swish, Quadratic, Identity}

// Even reports whether σ(−x) = σ(x).
func (a Act) Even() bool { return a == LnCosh || a == Quadratic }

// Node is one operation of the potential's graph. Nodes are in topological
// order: Inputs refer to earlier nodes by index.
type Node struct {
	ID     int    `json:"id"`
	Name   string `json:"name"` // the .maf name, or a derived one such as "h.dense"
	Op     Op     `json:"op"`
	Inputs []int  `json:"inputs,omitempty"`
	Shape  Shape  `json:"shape"`

	Act   Act     `json:"act,omitempty"`   // OpAct
	Out   int     `json:"out,omitempty"`   // OpDense: outputs; OpConv: output channels
	K1    int     `json:"k1,omitempty"`    // OpConv: kernel rows
	K2    int     `json:"k2,omitempty"`    // OpConv: kernel columns (1 on a chain)
	Bias  bool    `json:"bias,omitempty"`  // OpDense, OpConv
	Scale float64 `json:"scale,omitempty"` // OpScale
	Mean  bool    `json:"mean,omitempty"`  // OpPool: mean instead of sum
	// Tie (OpConv) ties the kernel's weights under the point group D4 or C4
	// acting on the kernel offsets: the weight tensor holds one number per
	// orbit of offsets (see KernelOrbits), so the convolution commutes with
	// rotations (and reflections) of the lattice.
	Tie Group `json:"tie,omitempty"`
	// Time (OpDense, OpConv) adds U·f(t) to the layer's output: the time
	// features concatenated to its input. Gate scales every output by
	// sigmoid(A·f(t) + c) and, with GateShift, adds V·f(t) (the
	// concat-squash layer). See TimeFeatures; nil when absent.
	Time      *TimeFeatures `json:"time,omitempty"`
	Gate      *TimeFeatures `json:"gate,omitempty"`
	GateShift bool          `json:"gate_shift,omitempty"`

	W int `json:"w"` // index into Program.Params of the weight, or -1
	B int `json:"b"` // index into Program.Params of the bias, or -1

	Pos Pos    `json:"pos"`
	Doc string `json:"doc,omitempty"`
	Src string `json:"src,omitempty"` // the .maf expression this node implements
}

// Param is one parameter tensor in the flat parameter vector.
type Param struct {
	Name   string `json:"name"` // e.g. "h.W", "h.b"
	Node   int    `json:"node"`
	Role   string `json:"role"` // "weight" or "bias"
	Offset int    `json:"offset"`
	Shape  []int  `json:"shape"`
	Size   int    `json:"size"`
	// FanIn is the number of inputs feeding each output of the owning layer,
	// used by initialisation schemes.
	FanIn int  `json:"fanin"`
	Init  Init `json:"init"`
}

// Init is a parameter initialisation scheme.
type Init struct {
	// Scheme is "uniform" (PyTorch's default for linear and convolution
	// layers: U(−1/√fanin, 1/√fanin)), "normal" (N(0, Std²)), "glorot"
	// (Glorot/Xavier uniform), "lecun" (N(0, 1/fanin)), "zero" or
	// "constant" (Value).
	Scheme string  `json:"scheme"`
	Std    float64 `json:"std,omitempty"`
	// Value is every element's value for the scheme "constant" (used
	// for the bias of time gates; not a scheme a spec can name).
	Value float64 `json:"value,omitempty"`
}

// Group names a symmetry group of the input.
type Group string

// The symmetry groups.
const (
	Z2           Group = "z2"           // x → −x
	Translations Group = "translations" // periodic lattice translations
	D4           Group = "d4"           // rotations and reflections of a square lattice
	C4           Group = "c4"           // rotations of a square lattice
)

// Strategy is how a symmetry is made exact.
type Strategy string

// The strategies.
const (
	ByConstruction Strategy = "construction" // the architecture is invariant as written
	ByAverage      Strategy = "average"      // orbit average (1/|G|) Σ_g f(g·x)
	// ByRandom is not exact for φ: the flow applies a uniformly random
	// group element g_n at each integration step n (it integrates φ∘g_n),
	// the stochastic symmetrisation of the paper's reference code. The
	// density is then a mixture over the draws, symmetric as a whole.
	ByRandom Strategy = "random"
)

// Symmetry is a declared symmetry with the strategy the checker chose.
type Symmetry struct {
	Group    Group    `json:"group"`
	Strategy Strategy `json:"strategy"`
	// Reason says why the strategy is exact (or was chosen).
	Reason string `json:"reason,omitempty"`
	Pos    Pos    `json:"pos"`
}

// Flow holds the integrator settings.
type Flow struct {
	Integrator string  `json:"integrator"` // "rk4", "euler", "midpoint"
	Steps      int     `json:"steps"`
	Dt         float64 `json:"dt"`
	Pos        Pos     `json:"pos"`
}

// Time returns the total integration time T = Steps·Dt.
func (f Flow) Time() float64 { return float64(f.Steps) * f.Dt }

// Objective is the training objective.
type Objective struct {
	// Kind is "likelihood" (maximum likelihood on Dataset) or "variational"
	// (reverse KL against Target).
	Kind    string `json:"kind"`
	Dataset string `json:"dataset,omitempty"`
	// File is the data file of likelihood(file = "…") (.npy or .csv), as
	// written in the spec; it is read relative to the spec's directory
	// (see [Program.DataFile]). It never enters the model hash.
	File string `json:"file,omitempty"`
	// Validation is the fraction of the file's points held out, by a
	// seeded shuffle, for validation.
	Validation float64 `json:"validation,omitempty"`
	Target     Target  `json:"target,omitempty"`
	Pos        Pos     `json:"pos"`
}

// Target is an unnormalised target density for variational training.
type Target struct {
	Name     string  `json:"name,omitempty"` // "ising"
	L1       int     `json:"l1,omitempty"`
	L2       int     `json:"l2,omitempty"`
	T        float64 `json:"t,omitempty"`
	Critical bool    `json:"critical,omitempty"`
}

// Optimizer holds the optimiser's settings.
type Optimizer struct {
	Name        string  `json:"name"` // "adam", "adamw", "sgd"
	LR          float64 `json:"lr"`
	Beta1       float64 `json:"beta1,omitempty"`
	Beta2       float64 `json:"beta2,omitempty"`
	Eps         float64 `json:"eps,omitempty"`
	WeightDecay float64 `json:"weight_decay,omitempty"`
	Momentum    float64 `json:"momentum,omitempty"`
	// Schedule is "constant" or "cosine" (decay to 0 over the run).
	Schedule string `json:"schedule,omitempty"`
	// Warmup is the number of linear warm-up steps.
	Warmup int `json:"warmup,omitempty"`
}

// Train holds the training settings.
type Train struct {
	Objective Objective `json:"objective"`
	Batch     int       `json:"batch"`
	Steps     int       `json:"steps,omitempty"`
	Epochs    int       `json:"epochs,omitempty"`
	Optimizer Optimizer `json:"optimizer"`
	// Laplacian is "exact" or "hutchinson"; Probes is the number of
	// Rademacher probes per sample for "hutchinson".
	Laplacian string `json:"laplacian"`
	Probes    int    `json:"probes,omitempty"`
	Seed      uint64 `json:"seed"`
	// CheckpointEvery is the number of steps between checkpoints.
	CheckpointEvery int `json:"checkpoint_every,omitempty"`
	// Memory is "store" (keep every stage state) or "recompute"
	// (checkpoint every RecomputeEvery steps and recompute).
	Memory         string `json:"memory"`
	RecomputeEvery int    `json:"recompute_every,omitempty"`
	Workers        int    `json:"workers,omitempty"`
	// Anneal, when set, trains a variational Ising objective at higher
	// temperatures first (see Anneal); nil trains at the target's T from
	// the first step.
	Anneal *Anneal `json:"anneal,omitempty"`
	// ForceMatching is δ of the force-matching term of a variational
	// objective (the paper's reference code's option -delta): training
	// minimises ℓ + δ·‖∇ₓ ln p(x) − ∇ₓ ln π̃(x)‖²/N per sample; 0 is off.
	ForceMatching float64 `json:"force_matching,omitempty"`
	Pos           Pos     `json:"pos"`
}

// Anneal is a temperature schedule for a variational Ising objective, the
// standard cure for the mode collapse of reverse-KL training: steps 1 to
// Hold of the run train against the relaxation at temperature From, and
// step n after them at inverse temperature
//
//	β_n = β₀ + (β − β₀)·min(1, (n − Hold − 1)/Steps),   β₀ = 1/From, β = 1/T,
//
// so every step from Hold + Steps + 1 on trains at the target's T.
type Anneal struct {
	From  float64 `json:"from"`
	Hold  int     `json:"hold,omitempty"`
	Steps int     `json:"steps"`
}

// End returns the last step of the schedule that is not at the target's
// temperature, Hold + Steps.
func (a *Anneal) End() int64 { return int64(a.Hold) + int64(a.Steps) }

// Temperature returns the temperature 1/β_n of step n (1-based) for a
// target temperature T: From up to step Hold + 1, and T itself (exactly)
// after step End.
func (a *Anneal) Temperature(step int64, T float64) float64 {
	if step > a.End() {
		return T
	}
	b0, b := 1/a.From, 1/T
	f := float64(max(step-int64(a.Hold)-1, 0)) / float64(a.Steps)
	return 1 / (b0 + (b-b0)*f)
}

// Program is a checked spec: the potential's graph, its parameters, its
// symmetries and the flow and training settings.
type Program struct {
	Name string `json:"name"`
	Doc  string `json:"doc,omitempty"`
	File string `json:"file,omitempty"`

	// InputName is the .maf name of the input; InputKind is "vector",
	// "lattice" or "chain".
	InputName string `json:"input_name"`
	InputKind string `json:"input_kind"`
	// TimeName is the .maf name of the time input (`time t`), or "" when φ
	// does not depend on time.
	TimeName string `json:"time_name,omitempty"`

	Nodes  []*Node  `json:"nodes"`
	Output int      `json:"output"`
	Params []*Param `json:"params"`

	Symmetries []Symmetry `json:"symmetries,omitempty"`
	InitSeed   uint64     `json:"init_seed"`
	Precision  string     `json:"precision"` // "float64" or "float32"

	Flow  Flow  `json:"flow"`
	Train Train `json:"train"`

	// Overrides lists the settings changed from the command line (mafc's
	// -set PATH=VALUE), as given, in order; Flow and Train already hold
	// their values. Empty for a spec as written.
	Overrides []string `json:"overrides,omitempty"`
}

// Dim returns the input dimension D.
func (p *Program) Dim() int { return p.Nodes[0].Shape.Size() }

// DataFile returns the path of the objective's data file: File itself when
// it is absolute, else File relative to the directory of the spec (File of
// the program). It returns "" when the objective reads no file.
func (p *Program) DataFile() string {
	f := p.Train.Objective.File
	if f == "" || filepath.IsAbs(f) {
		return f
	}
	return filepath.Join(filepath.Dir(p.File), f)
}

// InputShape returns the input's shape.
func (p *Program) InputShape() Shape { return p.Nodes[0].Shape }

// NumParams returns the length of the flat parameter vector.
func (p *Program) NumParams() int {
	if len(p.Params) == 0 {
		return 0
	}
	last := p.Params[len(p.Params)-1]
	return last.Offset + last.Size
}

// Averaged returns the symmetries implemented by orbit averaging.
func (p *Program) Averaged() []Symmetry {
	return p.symmetries(func(s Strategy) bool { return s == ByAverage })
}

// Randomized returns the symmetries applied by random group elements at
// each integration step (ByRandom).
func (p *Program) Randomized() []Symmetry {
	return p.symmetries(func(s Strategy) bool { return s == ByRandom })
}

// Exact returns the symmetries φ is exactly invariant under (by
// construction or by the orbit average).
func (p *Program) Exact() []Symmetry {
	return p.symmetries(func(s Strategy) bool { return s != ByRandom })
}

// symmetries returns the declared symmetries whose strategy satisfies keep.
func (p *Program) symmetries(keep func(Strategy) bool) []Symmetry {
	var out []Symmetry
	for _, s := range p.Symmetries {
		if keep(s.Strategy) {
			out = append(out, s)
		}
	}
	return out
}

// hashView is what a model hash covers: everything the compiled kernels
// depend on, and nothing else (not positions, docs or training settings).
type hashView struct {
	Version    int
	Input      Shape
	Nodes      []hashNode
	Params     []hashParam
	Symmetries []Symmetry
	Precision  string
}

type hashNode struct {
	Op     Op
	Inputs []int
	Shape  Shape
	Act    Act
	Out    int
	K1, K2 int
	Bias   bool
	Scale  float64
	Mean   bool
	Tie    Group
	// Time is nil for a node without time terms, so that the hash of a
	// time-independent program does not change.
	Time *hashTime `json:",omitempty"`
}

type hashTime struct {
	Time, Gate *TimeFeatures
	Shift      bool
}

type hashParam struct {
	Offset int
	Shape  []int
}

// Hash returns a hex SHA-256 of everything the generated kernels depend on:
// the graph, the parameter layout, the symmetries (with their strategies) and
// the precision; for a time-dependent φ, where and how the time enters. Two specs with the same Hash can share generated code and
// checkpoints; training settings, names and comments do not enter it.
func (p *Program) Hash() string {
	v := hashView{Version: Version, Input: p.InputShape(), Precision: p.Precision}
	for _, n := range p.Nodes {
		hn := hashNode{Op: n.Op, Inputs: n.Inputs, Shape: n.Shape, Act: n.Act, Out: n.Out, K1: n.K1, K2: n.K2, Bias: n.Bias, Scale: n.Scale, Mean: n.Mean, Tie: n.Tie}
		if n.Time != nil || n.Gate != nil {
			hn.Time = &hashTime{n.Time, n.Gate, n.GateShift}
		}
		v.Nodes = append(v.Nodes, hn)
	}
	for _, pr := range p.Params {
		v.Params = append(v.Params, hashParam{pr.Offset, pr.Shape})
	}
	for _, s := range p.Symmetries {
		v.Symmetries = append(v.Symmetries, Symmetry{Group: s.Group, Strategy: s.Strategy})
	}
	b, err := json.Marshal(v)
	if err != nil {
		panic("ir: " + err.Error())
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// MarshalJSON-based round trip: Encode and Decode.

// Encode returns the program as compact JSON (deterministic).
func (p *Program) Encode() ([]byte, error) { return json.Marshal(p) }

// Decode parses a program written by Encode and verifies it.
func Decode(b []byte) (*Program, error) {
	var p Program
	if err := json.Unmarshal(b, &p); err != nil {
		return nil, fmt.Errorf("ir: decode: %w", err)
	}
	if err := p.Verify(); err != nil {
		return nil, err
	}
	return &p, nil
}
