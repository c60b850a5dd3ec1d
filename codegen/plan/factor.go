package plan

import (
	"fmt"

	"github.com/mafc-dev/mafc/ir"
)

// The orbit-factored receptive-field Jacobian (Factored): the shifted-kernel
// Jacobian of a convolution n of h = σ(c), c a convolution of the
// one-channel input, with both kernels written by their orbits of tied
// offsets (runtime/kern/convfactor.go has the derivation):
//
//	R = D·P,  (M × Cin)·(Cin × T·O·Cout), M = samples·sites, D = σ′(c)
//	J[p, co, s] = Σ_t Σ_o R[p + t, (τ(t), o, co)]·[s − t ∈ orbit o]
//
// O orbits of c's offsets, T of n's taps (untied: every offset its own).

// KernelOrbits returns the orbit of each offset of the convolution n's
// kernel and the number of orbits: ir.KernelOrbits of its tie group, or
// nil and K1·K2 for an untied kernel (every offset its own orbit).
func KernelOrbits(n *ir.Node) (orbit []int, count int) {
	if n.Tie == "" {
		return nil, n.K1 * n.K2
	}
	return ir.KernelOrbits(n.Tie, n.K1)
}

// FactorShape is the shape of the factored Jacobian of a convolution.
type FactorShape struct {
	H, C       *ir.Node // the convolution's input σ(c) and c, the first convolution
	Sites      int
	Cin, Cout  int // the convolution's channels
	O, T       int // orbits of c's offsets and of the convolution's taps
	K, Ri, Ro  int // the convolution's taps, c's offsets, the window's sites
	Window     ir.Window
	InWindow   ir.Window // c's kernel window
	AddsPerRow int       // the sparse map's adds per site and output channel (K·Ri)
}

// Width returns the width T·O·Cout of the factored matrix P and of R.
func (f FactorShape) Width() int { return f.T * f.O * f.Cout }

// factorShape returns the factored shape of the convolution n of program p
// whose Jacobian lives on window win.
func factorShape(p *ir.Program, n *ir.Node, win ir.Window) FactorShape {
	h := p.Nodes[n.Inputs[0]]
	c := p.Nodes[h.Inputs[0]]
	_, o := KernelOrbits(c)
	_, t := KernelOrbits(n)
	in := ir.KernelWindow(c.K1, c.K2)
	return FactorShape{H: h, C: c, Sites: h.Shape.Sites(), Cin: h.Shape.C, Cout: n.Out,
		O: o, T: t, K: n.K1 * n.K2, Ri: in.Size(), Ro: win.Size(), Window: win, InWindow: in,
		AddsPerRow: n.K1 * n.K2 * in.Size()}
}

// flops returns the flops per sample of the factored Jacobian: the GEMM
// R = D·P and the sparse map's adds; in a reverse mode also the two GEMMs
// of the cotangents (D̄ = R̄·Pᵀ, P̄ = Dᵀ·R̄), the map rebuilt and
// transposed, and the coefficients applied (Cout·K·O per site). The row
// norms' squares are not counted (nor are ShiftRF's).
func (f FactorShape) flops(reverse bool) float64 {
	S, gemm := float64(f.Sites), 2*float64(f.Cin*f.Width())
	adds := float64(f.Cout * f.AddsPerRow)
	if !reverse {
		return S * (gemm + adds)
	}
	return S * (3*gemm + 3*adds + float64(f.Cout*f.K*f.O))
}

// shiftFlops returns the flops per sample of the shifted-kernel GEMM of
// the same convolution (J = X·B; three such products in a reverse mode).
func (f FactorShape) shiftFlops(reverse bool) float64 {
	fl := 2 * float64(f.Sites) * float64(f.Cin*f.K) * float64(f.Cout*f.Ro)
	if reverse {
		fl *= 3
	}
	return fl
}

// factorCheaper reports whether the shifted-kernel convolution n takes
// fewer flops factored without more memory (R, T·O·Cout reals per site,
// against the shifted-kernel GEMM's X and J, Cin·K + Cout·window: untied
// kernels have O·T = K·Ri orbit pairs, which can make R the larger), and
// whether its Jacobian's only reader is one activation (whose coefficient
// buffer the factored cotangent reads).
func (pl *Plan) factorCheaper(n *Node, cons []int) bool {
	acts := 0
	for _, j := range cons {
		if pl.Nodes[j].Op == ir.OpAct {
			acts++
		}
	}
	if acts != 1 {
		return false
	}
	f := factorShape(pl.Prog, n.Node, n.Window)
	return f.flops(false) < f.shiftFlops(false) && f.Width() <= f.Cin*f.K+f.Cout*f.Ro
}

// FactorShape returns the factored shape of the Factored convolution n.
func (m *Model) FactorShape(n *ir.Node) FactorShape {
	for _, md := range []Mode{Laplacian, Reverse} {
		if pn := m.Modes[md].Nodes[n.ID]; pn.Kind == Factored {
			return factorShape(m.Prog, n, pn.Window)
		}
	}
	panic(fmt.Sprintf("plan: node %d (%s): not an orbit-factored convolution", n.ID, n.Name))
}

// factorGeomHalves returns the size, in int32 halves of an index, of a
// factored geometry (kern.NewFactorGeom) beyond its RFGeom, at most: the
// representatives, the taps' orbits (unless shared: the same table as a
// direct convolution's geometry), the window order and the map's starts
// (indices), and the per-site offsets of the sparse map and of its
// input-stationary form (int32).
func (f FactorShape) factorGeomHalves(sharedTaps bool) int {
	E := f.K * f.Ri // entries of the map per site, at most
	ints := f.O + f.T + f.K + 2*f.Ro + 1 + f.K*f.O + 1
	if sharedTaps {
		ints -= f.K
	}
	return 2*ints + f.Sites*E + E + f.Sites*f.K*f.O
}
