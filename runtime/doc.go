// Package runtime is what mafc's generated packages plug into: the
// [Potential] interface every generated model satisfies, and the version
// guard that keeps generated code and runtime in step. Its subpackages are
// the rest of what generated code and its tests import: the kernel helpers
// (kern), the BLAS (gemm), the reference evaluator (refeval) and the shared
// test suite (potentialtest).
//
// Generated packages import only runtime/…, ir, gonum and the standard
// library. The integrators, training and the commands live above this
// package (ode, train, cli), never below it.
package runtime
