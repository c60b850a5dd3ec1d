// Package limits is the one place that states the limits mafc enforces: on
// the size of a spec and its names, on the range of every setting (shared by
// the spec's checker and the command-line flags that override a setting),
// and on the resources a command may use, which it estimates from the IR.
//
// The front end ([github.com/mafc-dev/mafc/dsl]) checks a spec against
// [Default] with the spec's own settings, so that check, gen, train, sample
// and eval all reject the same specs with a positioned error; the command
// layer ([github.com/mafc-dev/mafc/cli]) checks the flags with the
// same ranges and the same estimate at the values the flags give. Nothing is
// read or allocated past a limit. Generated code does not import this
// package.
package limits

import (
	"fmt"
	"math"
	"strconv"
)

// MaxSpecBytes is the largest spec mafc reads (1 MiB): a reader stops one
// byte past it.
const MaxSpecBytes = 1 << 20

// MaxNameBytes bounds every name of a spec: the model's (it becomes the Go
// package, file and directory names) and those of the input and values
// (each is repeated in the generated code for every node derived from its
// statement).
const MaxNameBytes = 64

// Limits bounds the models and runs mafc accepts.
type Limits struct {
	MaxDim    int // largest input dimension D
	MaxWidth  int // largest dense width or channel count
	MaxParams int // largest parameter count
	MaxBatch  int // largest batch size
	// MaxNodes bounds the nodes of the potential's graph (each costs the
	// checker, the IR and the code generator).
	MaxNodes int
	// MaxMemory bounds the estimated memory of a command (see Resources):
	// workspaces, trajectories, parameters and optimiser state, the
	// target, and sample buffers, in bytes.
	MaxMemory int64
	// MaxGenerated bounds the estimated size of the generated Go file in
	// bytes (see GeneratedBytes); printing and formatting it takes about
	// 70 times as much memory.
	MaxGenerated int64
}

// Default is the set of limits every command uses: D ≤ 2²⁰, widths ≤
// 65,536, at most 2²⁸ parameters (2 GiB in float64), batches of at most
// 2²⁰, at most 16,384 nodes, 16 GiB of estimated memory and 16 MiB of
// generated code.
var Default = Limits{
	MaxDim:       1 << 20,
	MaxWidth:     1 << 16,
	MaxParams:    1 << 28,
	MaxBatch:     1 << 20,
	MaxNodes:     1 << 14,
	MaxMemory:    16 << 30,
	MaxGenerated: 16 << 20,
}

// Int is the closed range [Lo, Hi] of an integer setting.
type Int struct {
	Name   string // how errors name the setting, e.g. "batch" or "learning rate"
	Lo, Hi int
}

// Contains reports whether v is in the range.
func (r Int) Contains(v int) bool { return v >= r.Lo && v <= r.Hi }

// String formats the range as [Lo, Hi].
func (r Int) String() string { return fmt.Sprintf("[%d, %d]", r.Lo, r.Hi) }

// Float is the range of a real setting: [Lo, Hi], or (Lo, Hi] with OpenLo.
type Float struct {
	Name   string
	Lo, Hi float64
	OpenLo bool
}

// Contains reports whether v is in the range (never for NaN).
func (r Float) Contains(v float64) bool {
	return v >= r.Lo && v <= r.Hi && !(r.OpenLo && v == r.Lo)
}

// String formats the range as [Lo, Hi] or (Lo, Hi].
func (r Float) String() string {
	lb := "["
	if r.OpenLo {
		lb = "("
	}
	return lb + fmtNum(r.Lo) + ", " + fmtNum(r.Hi) + "]"
}

func fmtNum(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }

// The ranges of the settings. The checker uses them for the spec's settings
// and the commands for the flags that override them (-steps, -batch, -lr,
// …), so that a flag cannot reach a value the spec could not.
var (
	// input and potential
	LatticeSide = Int{"lattice size", 2, 4096}
	KernelSide  = Int{"kernel size", 1, 4096}
	InitStd     = Float{"std", 0, 1e6, true}
	Seed        = Int{"seed", 0, math.MaxInt32}

	// flow
	FlowSteps = Int{"steps", 1, 1 << 20}
	Dt        = Float{"dt", 0, 1e3, true}
	FlowTime  = Float{"time", 0, 1e6, true}

	// train
	Batch           = Int{"batch", 1, 1 << 20}
	TrainSteps      = Int{"steps", 1, 1 << 30}
	Epochs          = Int{"epochs", 1, 1 << 20}
	Probes          = Int{"probes", 1, 1024}
	CheckpointEvery = Int{"checkpoint_every", 1, 1 << 30}
	Workers         = Int{"workers", 1, 1024}
	RecomputeEvery  = Int{"every", 1, 1 << 20}
	IsingSide       = Int{"L", 3, 4096}
	// Temperature bounds the Ising temperature T. Below T = 1e-6 (β = 1/T
	// above 10⁶) the relaxation's shift α = 0.1 − β·λ_min(A) starts to
	// lose its 0.1 to rounding (all of it near β = 10¹⁵, where K = βA + αI
	// becomes singular: ln det K = −∞ and the loss is NaN); at T = 1e-6 the
	// smallest eigenvalue of K is still exact to about 10⁻⁸.
	Temperature = Float{"temperature", 1e-6, 1e6, false}
	// AnnealSteps bounds the steps over which an anneal lowers the
	// temperature.
	AnnealSteps = Int{"anneal steps", 1, 1 << 30}
	// AnnealHold bounds the steps an anneal holds its start temperature.
	AnnealHold  = Int{"anneal hold", 0, 1 << 30}
	LR          = Float{"learning rate", 0, 10, true}
	Beta1       = Float{"beta1", 0, 1, false}
	Beta2       = Float{"beta2", 0, 1, false}
	Eps         = Float{"eps", 0, 1, true}
	WeightDecay = Float{"weight_decay", 0, 10, false}
	Momentum    = Float{"momentum", 0, 1, false}
	Warmup      = Int{"warmup", 0, 1 << 30}
	// ForceMatching bounds δ, the weight of the force-matching term (0:
	// off).
	ForceMatching = Float{"force_matching", 0, 1e6, false}

	// Command settings without a spec counterpart.

	// Shards bounds the micro-batches of a training batch (each keeps its
	// own gradient of the parameters).
	Shards = Int{"shards", 1, 1024}
	// Samples bounds the points a command samples or evaluates at once
	// (the memory limit usually binds first).
	Samples = Int{"samples", 1, 1 << 30}
	// EvalImages bounds the images per split of the periodic MNIST
	// evaluations (a split has at most 60,000).
	EvalImages = Int{"eval images", 1, 1 << 20}
)

// MaxAverageOrder bounds the group elements an orbit average sums over
// (each multiplies the cost of every evaluation).
const MaxAverageOrder = 4096

// MaxIsingSites bounds the sites of an Ising target, whose relaxation keeps
// K⁻¹ as a dense N×N matrix (2 GiB at the limit, a 128×128 lattice).
const MaxIsingSites = 1 << 14

// MaxDecayProduct bounds lr·weight_decay for AdamW, whose decoupled decay
// multiplies θ by 1 − lr·weight_decay every step: beyond 1 the factor is
// negative, beyond 2 larger than 1 in magnitude, and θ grows geometrically
// until it overflows.
const MaxDecayProduct = 1.0
