package kern

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestGateKernels: a layer with W′ = diag(s)·W, evaluated with W and the
// gate kernels, gives the outputs, the gate gradient s⊙∂G/∂s and the
// coefficient terms of the W′ formulation.
func TestGateKernels(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	const rows, n, D = 4, 3, 5
	randv := func(k int) []float64 {
		v := make([]float64, k)
		for i := range v {
			v[i] = rng.NormFloat64()
		}
		return v
	}
	W, x, s, bias, cb := randv(n*D), randv(rows*D), randv(n), randv(n), randv(rows*n)
	Wp := make([]float64, n*D) // W′ = diag(s)·W
	for j := range n {
		for i := range D {
			Wp[j*D+i] = s[j] * W[j*D+i]
		}
	}
	prod := func(M []float64) []float64 { // x·Mᵀ
		out := make([]float64, rows*n)
		for r := range rows {
			for j := range n {
				for i := range D {
					out[r*n+j] += x[r*D+i] * M[j*D+i]
				}
			}
		}
		return out
	}
	near := func(what string, got, want float64) { t.Helper(); nearRel(t, what, got, want) }
	// Outputs: s⊙(W·x) + b = W′·x + b on the first row (a value row).
	a, want := prod(W), prod(Wp)
	MulCols(a, s, rows, n)
	for j := range n {
		a[j] += bias[j]
		want[j] += bias[j]
	}
	for k := range a {
		near("output", a[k], want[k])
	}
	// s_j·∂G/∂s_j = s_j·Σ_i (∂G/∂W′)_ji·W_ji with ∂G/∂W′ = h̄ᵀ·x.
	gs := make([]float64, n)
	GateGrad(gs, cb[:n], a[:n], bias, 1, n)
	GateGrad(gs, cb[n:], a[n:], nil, rows-1, n)
	for j := range n {
		var ds float64
		for i := range D {
			var dWp float64
			for r := range rows {
				dWp += cb[r*n+j] * x[r*D+i]
			}
			ds += dWp * W[j*D+i]
		}
		near("s⊙∂G/∂s", gs[j], s[j]*ds)
	}
	// Coefficients: W̄′ += diag(Σ_b e_b)·W′ is W̄ += diag(s²⊙Σ_b e_b)·W and
	// s_j·∂G/∂s_j += s_j·Σ_i W̄′_ji·W_ji.
	e := randv(2 * n)
	E := []float64{e[0] + e[n], e[1] + e[n+1], e[2] + e[n+2]}
	s2, q := make([]float64, n), make([]float64, n)
	for j := range n {
		s2[j] = s[j] * s[j]
		for i := range D {
			q[j] += W[j*D+i] * W[j*D+i]
		}
	}
	gs = make([]float64, n)
	GateCoef(gs, e, s2, q, 2, n)
	for j := range n {
		near("scaled coefficient", e[j]+e[n+j], s2[j]*E[j])
		var ds float64
		for i := range D {
			ds += E[j] * Wp[j*D+i] * W[j*D+i]
		}
		near("s⊙∂G/∂s of the coefficients", gs[j], s[j]*ds)
	}
}

// nearRel fails t unless got is want to 1e-12 relative.
func nearRel(t *testing.T, what string, got, want float64) {
	t.Helper()
	if math.Abs(got-want) > 1e-12*(1+math.Abs(want)) {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}
