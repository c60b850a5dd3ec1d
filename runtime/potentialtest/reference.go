package potentialtest

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/floats/scalar"

	"github.com/mafc-dev/mafc/runtime"
	"github.com/mafc-dev/mafc/runtime/refeval"
)

// checkReference compares φ, ∇φ and Δφ of Laplacian, Grad and Phi on the
// batch x (B samples) with the reference evaluator's, within tol.
func checkReference(t *testing.T, m runtime.Potential, ws runtime.Workspace, ref *refeval.Evaluator, theta, x []float64, tol float64) {
	D := m.Dim()
	B := len(x) / D
	eq := func(got, want, tol float64) bool { return scalar.EqualWithinAbsOrRel(got, want, tol, tol) }
	phi, grad, lap := make([]float64, B), make([]float64, B*D), make([]float64, B)
	m.Laplacian(ws, phi, grad, lap, x)
	phi2, grad2 := make([]float64, B), make([]float64, B*D)
	m.Grad(ws, phi2, grad2, x)
	phi3 := make([]float64, B)
	m.Phi(ws, phi3, x)
	rg := make([]float64, D)
	for b := 0; b < B; b++ {
		xb := x[b*D : (b+1)*D]
		wphi, wlap := ref.Eval(theta, xb, rg)
		for name, got := range map[string]float64{"Laplacian φ": phi[b], "Grad φ": phi2[b], "Phi": phi3[b]} {
			if !eq(got, wphi, tol) {
				t.Errorf("%s(x_%d) = %v, want (reference) %v", name, b, got, wphi)
			}
		}
		if !eq(lap[b], wlap, tol) {
			t.Errorf("Laplacian Δφ(x_%d) = %v, want (reference) %v", b, lap[b], wlap)
		}
		for i := 0; i < D; i++ {
			if !eq(grad[b*D+i], rg[i], tol) || !eq(grad2[b*D+i], rg[i], tol) {
				t.Fatalf("∇φ(x_%d)[%d] = %v (Laplacian), %v (Grad), want (reference) %v", b, i, grad[b*D+i], grad2[b*D+i], rg[i])
			}
		}
	}
}

// checkReverseReference compares Reverse's ∂G/∂x and ∂G/∂θ on the batch x
// (B samples) and random cotangents with the reference evaluator's, within
// tol (∂G/∂θ relative to its largest entry).
func checkReverseReference(t *testing.T, m runtime.Potential, ws runtime.Workspace, ref *refeval.Evaluator, rng *rand.Rand, theta, x []float64, tol float64) {
	D, P := m.Dim(), m.NumParams()
	B := len(x) / D
	eq := func(got, want, tol float64) bool { return scalar.EqualWithinAbsOrRel(got, want, tol, tol) }
	c, s := randVec(rng, B, 1), randVec(rng, B, 1)
	u := randVec(rng, B*D, 1)
	dx, dth := make([]float64, B*D), make([]float64, P)
	m.Reverse(ws, dx, dth, x, c, u, s)
	wdx, wdth, tmp := make([]float64, D), make([]float64, P), make([]float64, D)
	for b := 0; b < B; b++ {
		ref.Reverse(theta, x[b*D:(b+1)*D], c[b], u[b*D:(b+1)*D], s[b], tmp, wdth)
		for i := range tmp {
			wdx[i] = tmp[i]
			if !eq(dx[b*D+i], wdx[i], tol) {
				t.Fatalf("Reverse ∂G/∂x(x_%d)[%d] = %v, want (reference) %v", b, i, dx[b*D+i], wdx[i])
			}
		}
	}
	scale := 0.0
	for _, v := range wdth {
		scale = math.Max(scale, math.Abs(v))
	}
	for i := range dth {
		if !scalar.EqualWithinAbsOrRel(dth[i], wdth[i], tol*(1+scale), tol) {
			t.Fatalf("Reverse ∂G/∂θ[%d] = %v, want (reference) %v", i, dth[i], wdth[i])
		}
	}
}
