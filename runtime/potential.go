package runtime

import "github.com/mafc-dev/mafc/ir"

// GenVersion is the version of the generated-code contract this runtime
// implements. Generated files guard against a mismatch at compile time:
//
//	const _ = runtime.EnforceVersion(GenVersion - runtime.MinGenVersion)
//	const _ = runtime.EnforceVersion(runtime.MaxGenVersion - GenVersion)
//
// One of the constants overflows (a compile error) when the file is older
// than MinGenVersion (regenerate it) or newer than MaxGenVersion (update the
// runtime).
const (
	MinGenVersion = 1
	MaxGenVersion = 1
)

// EnforceVersion is used in constant expressions by generated code; a
// negative argument does not compile.
type EnforceVersion uint

// Workspace holds every buffer one goroutine needs to evaluate a potential
// on batches of up to MaxBatch inputs. A Workspace must not be shared between
// goroutines.
type Workspace interface {
	MaxBatch() int
}

// Potential is a compiled scalar potential φ_θ : R^D → R together with its
// exact derivatives, evaluated on batches. Inputs and outputs are row-major:
// x holds B inputs of length D, grad and u hold B gradients, and phi, lap, c
// and s hold one number per input; B = len(x)/D and must not exceed the
// workspace's MaxBatch. Inputs are never modified. No method allocates, and
// each is safe for concurrent use with distinct Workspaces as long as the
// parameters are not being changed.
type Potential interface {
	// Name returns the model name from the spec.
	Name() string
	// Dim returns the input dimension D.
	Dim() int
	// NumParams returns the length of the flat parameter vector.
	NumParams() int
	// Params returns the live flat parameter vector θ (float64, whatever the
	// kernels' precision). After changing it, call Sync.
	Params() []float64
	// Sync refreshes everything derived from θ (row norms, Gram matrices,
	// float32 copies). Trainers call it once after every update.
	Sync()
	// Program returns the IR the package was generated from.
	Program() *ir.Program
	// NewWorkspace allocates a workspace for batches of up to maxBatch inputs.
	NewWorkspace(maxBatch int) Workspace

	// Phi writes φ(x_b) to phi[b].
	Phi(ws Workspace, phi, x []float64)
	// Grad writes φ(x_b) to phi[b] and ∇φ(x_b) to grad[b·D:(b+1)·D].
	// phi may be nil.
	Grad(ws Workspace, phi, grad, x []float64)
	// Laplacian writes φ, ∇φ and the exact Laplacian Δφ. phi and grad may be
	// nil.
	Laplacian(ws Workspace, phi, grad, lap, x []float64)
	// Reverse computes, for G_b = c_b·φ(x_b) + u_bᵀ∇φ(x_b) + s_b·Δφ(x_b),
	// ∂G_b/∂x_b into dx and adds Σ_b ∂G_b/∂θ to dtheta. c and s may be nil
	// (zero).
	Reverse(ws Workspace, dx, dtheta, x, c, u, s []float64)
	// Hutchinson writes φ, ∇φ and the Hutchinson estimate
	// Δ̂φ = (1/P) Σ_p v_pᵀ ∇²φ v_p for the probes v (B·P·D numbers: P probes
	// of length D for each input), with P = Probes().
	Hutchinson(ws Workspace, phi, grad, lap, x, probes []float64)
	// ReverseHutchinson is Reverse with Δφ replaced by the Hutchinson
	// estimate for the given probes.
	ReverseHutchinson(ws Workspace, dx, dtheta, x, c, u, s, probes []float64)
	// Probes returns the number of Hutchinson probes per input.
	Probes() int
}

// Chunker is implemented by generated potentials. Their methods split a
// batch into chunks (Phi and Grad, which keep no Jacobian rows, into larger
// ones); NewWorkspaceChunks makes a workspace with chosen chunk sizes, so
// that tests can cross chunk boundaries with small batches. NewWorkspace
// uses the sizes derived from the memory budget at generation time.
type Chunker interface {
	NewWorkspaceChunks(maxBatch, chunk, valueChunk int) Workspace
}

// Saver is implemented by generated potentials with a dense layer of the
// input (W·x + b, more than one output) that average no symmetry orbit.
// LaplacianSave is Laplacian that also keeps that layer's outputs, SaveSize()
// numbers per input, in save; ReverseSaved is Reverse at the same inputs and
// parameters, taking them from save instead of recomputing the product. The
// integrator (ode) keeps them for every stored stage (Store) or every
// recomputed stage of a segment (Recompute), so its adjoint does one product
// fewer per stage; Hutchinson training does not use them.
type Saver interface {
	SaveSize() int
	LaplacianSave(ws Workspace, phi, grad, lap, x, save []float64)
	ReverseSaved(ws Workspace, dx, dtheta, x, c, u, s, save []float64)
}

// DensityReverser is implemented by generated potentials: their reverse
// modes also return the Laplacian (exact, or the Hutchinson estimate for
// the given probes) that their forward pass computes: what Laplacian
// (Hutchinson) writes for the same inputs and parameters, to rounding
// (bitwise where both sum it alike, as the convolutional strategies do);
// lap may be nil. An integrator that trains can then leave the density out of its
// forward integration and take each stage's Δφ from the adjoint's reverse
// mode at that stage (ode.Config.DeferDensity).
type DensityReverser interface {
	ReverseLap(ws Workspace, dx, dtheta, lap, x, c, u, s []float64)
	ReverseHutchinsonLap(ws Workspace, dx, dtheta, lap, x, c, u, s, probes []float64)
}

// GradDeferrer is implemented by generated potentials. With deferral on,
// Reverse and ReverseHutchinson keep the parameter-gradient terms that do
// not depend on the samples' Jacobians (the closed-form terms diag(e)·W of
// first layers, which would otherwise stream the whole weight matrix on
// every call) as sums in the workspace; FlushGrad adds them to dtheta and
// resets them. Reverse followed by FlushGrad gives exactly what Reverse
// gives with deferral off. Integrators that call Reverse many times per
// gradient turn it on.
type GradDeferrer interface {
	DeferGrad(ws Workspace, on bool)
	FlushGrad(ws Workspace, dtheta []float64)
}
