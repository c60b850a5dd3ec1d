package kern

import (
	"math"
	"math/rand/v2"
	"testing"
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
	rg = NewRFGeom(g, KernelWindow(KF, KF))
	w1 = randSlice(rng, C*KF*KF)
	w2 = randSlice(rng, Co*C*K1*K2)
	d = randSlice(rng, L1*L2*C)
	return
}

// TestShiftJacobianMatchesRF checks J = A·B (ShiftCoef, ShiftMatrix) against
// the im2col receptive-field Jacobian (RFFromShared, RFIm2Col, ·W₂ᵀ) of the
// same layers, entry by entry across the two layouts.
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

	// New path: J[(p,co), s] = Σ_k A[(p,co),k]·B[k,s].
	A := make([]float64, S*Co*ck)
	ShiftCoef(A, d, w2, g)
	B := make([]float64, ck*Ro)
	ShiftMatrix(B, w1, rg)
	for p := 0; p < S; p++ {
		for co := 0; co < Co; co++ {
			for s := 0; s < Ro; s++ {
				var v float64
				for k := 0; k < ck; k++ {
					v += A[(p*Co+co)*ck+k] * B[k*Ro+s]
				}
				want := rf[(p*Ro+s)*Co+co]
				if math.Abs(v-want) > 1e-12*(1+math.Abs(want)) {
					t.Fatalf("J[p=%d, co=%d, s=%d] = %v, want (receptive field) %v", p, co, s, v, want)
				}
			}
		}
	}
}

// TestShiftAdjoints checks ShiftCoefTAdd and ShiftFold against ShiftCoef
// and ShiftMatrix by the dot-product identity ⟨Ā, δA⟩ = ⟨d̄, δd⟩ + ⟨W̄₂, δW₂⟩
// for a linearisation: A is bilinear in (d, w2) and B linear in w1.
func TestShiftAdjoints(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	g, rg, w1, w2, d := shiftCase(rng)
	S, C, Co, K := g.Sites(), g.Cin, g.Cout, g.K()
	ck, Ro := C*K, rg.Out.Size()

	Ab := randSlice(rng, S*Co*ck)
	dd := make([]float64, len(d))
	gw2 := make([]float64, len(w2))
	ShiftCoefTAdd(dd, gw2, append([]float64(nil), Ab...), d, w2, make([]float64, 2*ck), g)
	// A(d, w2) is bilinear: ⟨Ab, A(δd, w2)⟩ = ⟨dd, δd⟩, ⟨Ab, A(d, δw2)⟩ = ⟨gw2, δw2⟩.
	A := make([]float64, len(Ab))
	δd, δw := randSlice(rng, len(d)), randSlice(rng, len(w2))
	ShiftCoef(A, δd, w2, g)
	if got, want := dot(Ab, A), dot(dd, δd); math.Abs(got-want) > 1e-10*math.Abs(want) {
		t.Errorf("⟨Ā, A(δd)⟩ = %v, ⟨d̄, δd⟩ = %v", got, want)
	}
	ShiftCoef(A, d, δw, g)
	if got, want := dot(Ab, A), dot(gw2, δw); math.Abs(got-want) > 1e-10*math.Abs(want) {
		t.Errorf("⟨Ā, A(δW₂)⟩ = %v, ⟨W̄₂, δW₂⟩ = %v", got, want)
	}

	GB := randSlice(rng, ck*Ro)
	gw1 := make([]float64, len(w1))
	ShiftFold(gw1, GB, rg)
	B := make([]float64, ck*Ro)
	ShiftMatrix(B, w1, rg)
	if got, want := dot(GB, B), dot(gw1, w1); math.Abs(got-want) > 1e-10*math.Abs(want) {
		t.Errorf("⟨B̄, B(W₁)⟩ = %v, ⟨W̄₁, W₁⟩ = %v", got, want)
	}
}
