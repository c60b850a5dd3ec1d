// Package runtime is what mafc's generated packages plug into: the
// [Potential] interface every generated model satisfies, and the version
// guard that keeps generated code and runtime in step. The subpackages hold
// the integrators (ode), training (train), optimisers (optim), data, the
// kernel helpers generated code calls (kern), the IR and the reference
// evaluator (ir, refeval) and the shared test suite (potentialtest).
//
// Generated packages import only runtime/…, gonum and the standard library.
package runtime
