// Package codegen turns a checked .maf program into a Go package: the
// model file (<model>.maf.go) with specialised, allocation-free kernels for
// φ, ∇φ, Δφ, their Hutchinson variants and their reverse modes, and a test
// file (<model>.maf_test.go) that runs the shared suite in
// runtime/potentialtest. Subpackages: plan (Jacobian strategies per node and
// mode, with the cost model) and emit (jennifer emission).
package codegen
