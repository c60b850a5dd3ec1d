package kern

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/mafc-dev/mafc/ir"
)

// TestGatherConv: the one-channel convolution by tap orbits equals im2col's
// (Im2Col, then the product with the full tied kernel) to rounding on a
// 16×16 and a 5×7 lattice; its adjoint (ScatterOrbitsAdd) satisfies
// ⟨H, G(x)⟩ = ⟨x, Gᵀ(H)⟩, adding to what xb held; and GatherFold is the
// adjoint of GatherMatrix.
func TestGatherConv(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, c := range []struct{ l1, l2, k, cout, rows int }{{16, 16, 5, 4, 3}, {5, 7, 3, 2, 2}, {16, 16, 7, 3, 1}} {
		orbit, n := ir.KernelOrbits(ir.D4, c.k)
		cg := NewConvGeom(c.l1, c.l2, 1, c.cout, c.k, c.k)
		gg := NewGatherGeom(cg, orbit, n)
		S, K := cg.Sites(), cg.K()
		w := make([]float64, c.cout*K)
		TieExpand(w, randSlice(rng, c.cout*n), orbit, c.cout, n)
		x := randSlice(rng, c.rows*S)
		// im2col: y[r, p, co] = Σ_t w[co, t]·x[r, nbr(p, t)]
		cols := make([]float64, c.rows*S*K)
		Im2Col(cols, x, c.rows, cg)
		want := make([]float64, c.rows*S*c.cout)
		for i := 0; i < c.rows*S; i++ {
			for co := 0; co < c.cout; co++ {
				var s float64
				for t := 0; t < K; t++ {
					s += cols[i*K+t] * w[co*K+t]
				}
				want[i*c.cout+co] = s
			}
		}
		G := make([]float64, c.rows*S*n)
		GatherOrbits(G, x, c.rows, gg)
		Om := make([]float64, n*c.cout)
		GatherMatrix(Om, w, gg)
		for i := 0; i < c.rows*S; i++ {
			for co := 0; co < c.cout; co++ {
				var s float64
				for tau := 0; tau < n; tau++ {
					s += G[i*n+tau] * Om[tau*c.cout+co]
				}
				if d := math.Abs(s - want[i*c.cout+co]); d > 1e-12*(1+math.Abs(s)) {
					t.Fatalf("%+v: y[%d, %d] = %v by orbits, %v by im2col", c, i, co, s, want[i*c.cout+co])
				}
			}
		}
		// ⟨H, G(x)⟩ = ⟨x, Gᵀ(H)⟩, with xb starting at xb0.
		H := randSlice(rng, c.rows*S*n)
		xb0 := randSlice(rng, c.rows*S)
		xb := append([]float64(nil), xb0...)
		ScatterOrbitsAdd(xb, H, c.rows, gg)
		var lhs, rhs float64
		for i := range H {
			lhs += H[i] * G[i]
		}
		for i := range x {
			rhs += x[i] * (xb[i] - xb0[i])
		}
		if math.Abs(lhs-rhs) > 1e-10*(1+math.Abs(lhs)) {
			t.Fatalf("%+v: ⟨H, G(x)⟩ = %v, ⟨x, Gᵀ(H)⟩ = %v", c, lhs, rhs)
		}
		// ⟨GD, Ω(w)⟩ = ⟨GatherFold(GD), w⟩ over the representative taps.
		GD := randSlice(rng, n*c.cout)
		gw := make([]float64, c.cout*K)
		GatherFold(gw, GD, gg)
		lhs, rhs = 0, 0
		for i := range GD {
			lhs += GD[i] * Om[i]
		}
		for i := range gw {
			rhs += gw[i] * w[i]
		}
		if math.Abs(lhs-rhs) > 1e-12*(1+math.Abs(lhs)) {
			t.Fatalf("%+v: ⟨GD, Ω⟩ = %v, ⟨fold(GD), w⟩ = %v", c, lhs, rhs)
		}
	}
}

// TestGatherGeomPanics: more than one input channel, or an orbit table of
// the wrong size, is a programming error.
func TestGatherGeomPanics(t *testing.T) {
	for _, f := range []func(){
		func() { NewGatherGeom(NewConvGeom(4, 4, 2, 1, 3, 3), nil, 0) },
		func() { NewGatherGeom(NewConvGeom(4, 4, 1, 1, 3, 3), []int{0, 1}, 2) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Fatal("no panic")
				}
			}()
			f()
		}()
	}
}

// BenchmarkGatherOrbits: the orbit sums of a one-channel 16×16 field under
// a D4-tied 5×5 kernel against im2col's patch matrix of the same field, and
// the adjoint against col2im (64 fields, the fastest of 10 rounds each).
func BenchmarkGatherOrbits(b *testing.B) {
	const rows = 64
	orbit, n := ir.KernelOrbits(ir.D4, 5)
	cg := NewConvGeom(16, 16, 1, 4, 5, 5)
	gg := NewGatherGeom(cg, orbit, n)
	rng := rand.New(rand.NewPCG(1, 2))
	x := randSlice(rng, rows*256)
	G, cols := make([]float64, rows*256*n), make([]float64, rows*256*25)
	xb := make([]float64, rows*256)
	best := [4]float64{1e300, 1e300, 1e300, 1e300}
	fs := []func(){
		func() { GatherOrbits(G, x, rows, gg) },
		func() { Im2Col(cols, x, rows, cg) },
		func() { ScatterOrbitsAdd(xb, G, rows, gg) },
		func() { Col2ImAdd(xb, cols, rows, cg) },
	}
	for b.Loop() {
		for range 10 {
			for i, f := range fs {
				st := time.Now()
				f()
				best[i] = min(best[i], time.Since(st).Seconds())
			}
		}
	}
	b.ReportMetric(best[0]*1e6, "µs/gather")
	b.ReportMetric(best[1]*1e6, "µs/im2col")
	b.ReportMetric(best[2]*1e6, "µs/scatter")
	b.ReportMetric(best[3]*1e6, "µs/col2im")
}

// TestGatherOrbitsRows: GatherOrbits over padded rows gives every orbit
// sum of the site-by-site reference (gatherOrbitsSites) exactly, in
// float64 and float32, with the assembly row sums and with the portable
// ones, on lattices and kernels whose padded rows fit the buffer (row
// lengths with and without a multiple of the vector width) and one whose
// do not (the reference itself).
func TestGatherOrbitsRows(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, c := range []struct{ l1, l2, k, rows int }{{16, 16, 5, 3}, {8, 8, 3, 2}, {5, 7, 3, 2}, {6, 10, 5, 2}, {16, 16, 7, 1}, {12, 8, 1, 2}, {6, 3, 5, 2}, {40, 40, 5, 1}} {
		orbit, n := ir.KernelOrbits(ir.D4, c.k)
		gg := NewGatherGeom(NewConvGeom(c.l1, c.l2, 1, 2, c.k, c.k), orbit, n)
		if want := (c.l1+c.k-1)*(c.l2+c.k-1)+n*c.l1*c.l2 <= gatherScratch; gg.rows != want {
			t.Fatalf("%+v: rows = %v, want %v", c, gg.rows, want)
		}
		S := c.l1 * c.l2
		x := randSlice(rng, c.rows*S)
		want := make([]float64, c.rows*S*n)
		gatherOrbitsSites(want, x, c.rows, gg)
		x32 := make([]float32, len(x))
		for i, v := range x {
			x32[i] = float32(v)
		}
		want32 := make([]float32, len(want))
		gatherOrbitsSites(want32, x32, c.rows, gg)
		for _, asm := range []bool{true, false} {
			func() {
				defer func(u bool) { useFactorAsm = u }(useFactorAsm)
				useFactorAsm = useFactorAsm && asm
				got := make([]float64, len(want))
				GatherOrbits(got, x, c.rows, gg)
				got32 := make([]float32, len(want))
				GatherOrbits(got32, x32, c.rows, gg)
				for i := range want {
					if got[i] != want[i] || got32[i] != want32[i] {
						t.Fatalf("%+v asm %v: G[%d] = %v, %v (float32), want %v, %v", c, asm, i, got[i], got32[i], want[i], want32[i])
					}
				}
			}()
		}
	}
	orbit, n := ir.KernelOrbits(ir.D4, 5)
	gg := NewGatherGeom(NewConvGeom(16, 16, 1, 2, 5, 5), orbit, n)
	x, G := randSlice(rng, 2*256), make([]float64, 2*256*n)
	if a := testing.AllocsPerRun(10, func() { GatherOrbits(G, x, 2, gg) }); a != 0 {
		t.Fatalf("GatherOrbits allocates %v times per call", a)
	}
}
