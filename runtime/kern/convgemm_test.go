package kern

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/mafc-dev/mafc/ir"
)

func randSlice(rng *rand.Rand, n int) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = rng.NormFloat64()
	}
	return v
}

func dot(a, b []float64) float64 {
	var s float64
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

// shiftCase is a convolution of σ(first convolution of a one-channel
// field) on a small lattice whose receptive field saturates one axis.
func shiftCase(rng *rand.Rand) (g *ConvGeom, rg *RFGeom, w1, w2, d []float64) {
	const L1, L2, C, Co, K1, K2, KF = 5, 9, 3, 4, 3, 3, 3
	g = NewConvGeom(L1, L2, C, Co, K1, K2)
	rg = NewRFGeom(g, ir.KernelWindow(KF, KF))
	w1 = randSlice(rng, C*KF*KF)
	w2 = randSlice(rng, Co*C*K1*K2)
	d = randSlice(rng, L1*L2*C)
	return
}

// TestShiftJacobianMatchesRF checks J = X·B (Im2Col of σ′, ShiftMatrix)
// against the im2col receptive-field Jacobian (RFFromShared, RFIm2Col, ·W₂ᵀ)
// of the same layers, entry by entry across the two layouts.
func TestShiftJacobianMatchesRF(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	g, rg, w1, w2, d := shiftCase(rng)
	S, C, Co, K := g.Sites(), g.Cin, g.Cout, g.K()
	ck, Ri, Ro := C*K, rg.In.Size(), rg.Out.Size()
	if rg.Out.R1 != g.L1 || rg.Out.H1 != 0 {
		t.Fatalf("want a window saturating the first axis, got %+v", rg.Out)
	}

	// Old path: J1[p,s,c] = d[p,c]·w1[c,s]; J2 = RFim2col(J1)·W2ᵀ.
	J1 := make([]float64, S*Ri*C)
	RFFromShared(J1, d, w1, 1, S, Ri, C)
	cols := make([]float64, S*Ro*ck)
	RFIm2Col(cols, J1, 1, rg)
	rf := make([]float64, S*Ro*Co) // [p][s][co]
	for r := 0; r < S*Ro; r++ {
		for co := 0; co < Co; co++ {
			rf[r*Co+co] = dot(cols[r*ck:(r+1)*ck], w2[co*ck:(co+1)*ck])
		}
	}

	// New path: J[p, (co, s)] = Σ_k X[p, k]·B[k, (co, s)].
	X := make([]float64, S*ck)
	Im2Col(X, d, 1, g)
	n := Co * Ro
	B := make([]float64, ck*n)
	for i := range B {
		B[i] = math.NaN() // ShiftMatrix writes every entry, the zeros too
	}
	ShiftMatrix(B, w1, w2, rg)
	for p := 0; p < S; p++ {
		for co := 0; co < Co; co++ {
			for s := 0; s < Ro; s++ {
				var v float64
				for k := 0; k < ck; k++ {
					v += X[p*ck+k] * B[k*n+co*Ro+s]
				}
				want := rf[(p*Ro+s)*Co+co]
				if math.Abs(v-want) > 1e-12*(1+math.Abs(want)) {
					t.Fatalf("J[p=%d, co=%d, s=%d] = %v, want (receptive field) %v", p, co, s, v, want)
				}
			}
		}
	}
}

// TestShiftFoldAdjoint checks ShiftFold against ShiftMatrix by the
// dot-product identity: B(w1, w2) is bilinear, so for a random cotangent B̄
// ⟨B̄, B(δw1, w2)⟩ = ⟨W̄₁, δw1⟩ and ⟨B̄, B(w1, δw2)⟩ = ⟨W̄₂, δw2⟩.
func TestShiftFoldAdjoint(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	g, rg, w1, w2, _ := shiftCase(rng)
	ck, n := g.Cin*g.K(), g.Cout*rg.Out.Size()
	GB := randSlice(rng, ck*n)
	gw1, gw2 := randSlice(rng, len(w1)), randSlice(rng, len(w2))
	g1, g2 := append([]float64(nil), gw1...), append([]float64(nil), gw2...)
	ShiftFold(gw1, gw2, GB, w1, w2, rg)
	for i := range gw1 {
		gw1[i] -= g1[i] // ShiftFold adds
	}
	for i := range gw2 {
		gw2[i] -= g2[i]
	}
	B := make([]float64, ck*n)
	δ1, δ2 := randSlice(rng, len(w1)), randSlice(rng, len(w2))
	// Tolerance: sums of a few thousand O(1) products in float64.
	const tol = 1e-10
	ShiftMatrix(B, δ1, w2, rg)
	if got, want := dot(GB, B), dot(gw1, δ1); math.Abs(got-want) > tol*math.Abs(want) {
		t.Errorf("⟨B̄, B(δW₁, W₂)⟩ = %v, ⟨W̄₁, δW₁⟩ = %v", got, want)
	}
	ShiftMatrix(B, w1, δ2, rg)
	if got, want := dot(GB, B), dot(gw2, δ2); math.Abs(got-want) > tol*math.Abs(want) {
		t.Errorf("⟨B̄, B(W₁, δW₂)⟩ = %v, ⟨W̄₂, δW₂⟩ = %v", got, want)
	}
}
