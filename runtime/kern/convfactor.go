package kern

import (
	"fmt"
	"math"
	"slices"
)

// Orbit-factored receptive-field Jacobians: the same Jacobian as the
// shifted-kernel GEMM (convgemm.go) of a convolution of an activation of a
// convolution of the one-channel input,
//
//	J₂[p, co, s] = Σ_{ci, t} d[p + t, ci]·W₂[co, ci, t]·W₁[ci, s − t],
//
// with d = σ′(a₁), computed in far fewer operations when the kernels are
// tied. Write the first kernel by its orbits of offsets (E the 0/1 orbit
// indicator, O orbits; an untied kernel has one orbit per offset) and the
// second by its orbits of taps (τ(t), T orbits):
//
//	W₁[ci, u] = Σ_o κ[ci, o]·E[o, u],   W₂[co, ci, t] = ω[co, ci, τ(t)]
//
// Then, with P[ci, (τ, o, co)] = ω[co, ci, τ]·κ[ci, o] (Cin × T·O·Cout,
// packed once per parameter update) and R = D·P the product of σ′ (D, one
// row of Cin per sample and site) with it,
//
//	J₂[p, co, s] = Σ_t Σ_o R[p + t, (τ(t), o, co)]·E[o, s − t]
//
// Step 1 is one GEMM over the chunk, (M × Cin)·(Cin × T·O·Cout) with M =
// samples·sites: 2·Cin·T·O·Cout flops per site against the shifted-kernel
// GEMM's 2·Cin·K·Cout·window (for ising16_cnn, 5×5 and 3×3 kernels tied
// under D4 with 16 channels: T = 3, O = 6, 9216 against 225792), and no
// im2col: R is read at the neighbouring sites p + t instead. Step 2 is a
// fixed sparse 0/1 map: each entry of R at (t, o) is added to the window
// sites s whose offset s − t lies in orbit o, K·Ri adds per site and
// channel (Ri the first kernel's offsets); a dense GEMM against the K·O ×
// window matrix of that map would take 2·K·O·window flops instead (about 10×
// as many for ising16_cnn). The Laplacian needs only J₂'s squared row norms
// q[p, co] = Σ_s J₂[p, co, s]², so J₂ is built one site at a time in a
// small scratch and never stored (FactorNorms).
//
// The reverse mode receives the cotangent J̄₂ = diag(e)·J₂ (the only reader
// of J₂ is a row norm, with coefficient e = 2σ″ℓ̄). FactorBack rebuilds each
// site's window from R and sends e·J₂ back through the transpose of step 2
// into R̄ at the neighbouring sites; then two GEMMs over the chunk give
// σ′'s cotangent D̄ = R̄·Pᵀ and P̄ = Dᵀ·R̄, and FactorFold folds P̄ into both
// kernels' gradients. FactorFold reads and writes the full (expanded)
// kernels at one representative offset per orbit: the full kernel is
// constant on each orbit, so κ and ω are those entries, and the gradient
// of a representative is the orbit's (the tied parameters' gradient is the
// sum over each orbit, kern.TieReduce).

// FactorGeom describes the orbit-factored Jacobian of a convolution (the
// RFGeom's) of σ of a convolution of the one-channel input, with the orbits
// of both kernels.
type FactorGeom struct {
	*RFGeom
	// O and T are the orbits of the first kernel's offsets and of the
	// second kernel's taps.
	O, T int
	rep1 []int // a representative offset of each of the first kernel's orbits
	rep2 []int // a representative tap of each of the second kernel's orbits
	orb2 []int // the orbit τ(t) of each tap
	// The map of step 2, output-stationary: the k-th window site, win[k],
	// of site p sums the rows of one sample's R that start at off[p·E + j]
	// for j in [sStart[k], sStart[k+1]) (E entries per site; an entry
	// (t, o) starts at the neighbour p + t's row, then (τ(t)·O + o)·Cout
	// within it). The window sites are ordered by their number of entries
	// so that the loops over them run alike, one after the other, and a
	// site's window is stored in this order.
	win    []int
	sStart []int
	off    []int32
	E      int
	// ... and input-stationary: the k-th entry (t, o) of R (ordered by
	// the window sites it covers) sums the stored window rows that start at
	// tOff[tStart[k] : tStart[k+1]], and lies at dOff[p·K·O + k] in one
	// sample's R.
	tStart     []int
	tOff, dOff []int32
}

// NewFactorGeom builds the factored geometry of g (whose In window is the
// first kernel's) from the orbit of each of the first kernel's offsets
// (orbit1, n1 orbits) and of each of the second kernel's taps (orbit2, n2
// orbits); a nil orbit table gives every offset its own orbit. It
// allocates; generated code calls it once per model. It panics when a
// table does not fit its kernel.
func NewFactorGeom(g *RFGeom, orbit1 []int, n1 int, orbit2 []int, n2 int) *FactorGeom {
	orbit1, n1 = orbitsOrIdentity(orbit1, n1, g.In.Size())
	orbit2, n2 = orbitsOrIdentity(orbit2, n2, g.K())
	fg := &FactorGeom{RFGeom: g, O: n1, T: n2, orb2: orbit2,
		rep1: representatives(orbit1, n1), rep2: representatives(orbit2, n2)}
	fg.entries(orbit1)
	return fg
}

// entries builds both forms of the map of step 2: win, sStart, off and E,
// and tStart, tOff and dOff. Every kept slice has the exact length it
// needs.
func (fg *FactorGeom) entries(orbit1 []int) {
	K, Ro, S, C, N, O := fg.K(), fg.Out.Size(), fg.Sites(), fg.Cout, fg.Width(), fg.O
	if S*N > math.MaxInt32 {
		panic(fmt.Sprintf("kern: a sample's R of %d reals is too large for the factored Jacobian", S*N))
	}
	perWin, perEntry := make([]int, Ro), make([]int, K*O)
	for s := 0; s < Ro; s++ {
		for t := 0; t < K; t++ {
			if u := fg.tap[s*K+t]; u >= 0 {
				perWin[s]++
				perEntry[t*O+orbit1[u]]++
				fg.E++
			}
		}
	}
	fg.win = byCount(perWin)
	fg.sStart, fg.off = make([]int, Ro+1), make([]int32, S*fg.E)
	j := 0
	for k, s := range fg.win {
		for t := 0; t < K; t++ {
			if u := fg.tap[s*K+t]; u >= 0 {
				at := (fg.orb2[t]*O + orbit1[u]) * C
				for p := 0; p < S; p++ {
					fg.off[p*fg.E+j] = int32(fg.nbr[p*K+t]*N + at)
				}
				j++
			}
		}
		fg.sStart[k+1] = j
	}
	fg.transposed(orbit1, byCount(perEntry))
}

// transposed builds the input-stationary map (tStart, tOff, dOff) with the
// entries (t, o) in the order ord.
func (fg *FactorGeom) transposed(orbit1, ord []int) {
	K, Ro, S, C, N, O := fg.K(), fg.Out.Size(), fg.Sites(), fg.Cout, fg.Width(), fg.O
	pos := make([]int, Ro) // where each window site is stored
	for k, s := range fg.win {
		pos[s] = k
	}
	fg.tStart, fg.tOff, fg.dOff = make([]int, K*O+1), make([]int32, 0, fg.E), make([]int32, S*K*O)
	for k, to := range ord {
		t, o := to/O, to%O
		for s := 0; s < Ro; s++ {
			if u := fg.tap[s*K+t]; u >= 0 && orbit1[u] == o {
				fg.tOff = append(fg.tOff, int32(pos[s]*C))
			}
		}
		fg.tStart[k+1] = len(fg.tOff)
		for p := 0; p < S; p++ {
			fg.dOff[p*K*O+k] = int32(fg.nbr[p*K+t]*N + (fg.orb2[t]*O+o)*C)
		}
	}
}

// byCount returns the indices of counts ordered by count (ties in index
// order).
func byCount(counts []int) []int {
	ord := make([]int, len(counts))
	for i := range ord {
		ord[i] = i
	}
	slices.SortStableFunc(ord, func(a, b int) int { return counts[a] - counts[b] })
	return ord
}

// orbitsOrIdentity returns orbit (n orbits of k offsets), or, for a nil
// orbit, the identity on k offsets.
func orbitsOrIdentity(orbit []int, n, k int) ([]int, int) {
	if orbit == nil {
		orbit = make([]int, k)
		for i := range orbit {
			orbit[i] = i
		}
		return orbit, k
	}
	if len(orbit) != k {
		panic(fmt.Sprintf("kern: orbit table of %d offsets for a kernel of %d", len(orbit), k))
	}
	return orbit, n
}

// representatives returns the first offset of each of the n orbits.
func representatives(orbit []int, n int) []int {
	rep := make([]int, n)
	for i := range rep {
		rep[i] = -1
	}
	for u, o := range orbit {
		if o < 0 || o >= n {
			panic(fmt.Sprintf("kern: offset %d in orbit %d of %d", u, o, n))
		}
		if rep[o] < 0 {
			rep[o] = u
		}
	}
	for o, u := range rep {
		if u < 0 {
			panic(fmt.Sprintf("kern: orbit %d of %d is empty", o, n))
		}
	}
	return rep
}

// Width returns the row width T·O·Cout of P and R.
func (g *FactorGeom) Width() int { return g.T * g.O * g.Cout }

// Adds returns the adds of step 2 per site and output channel (K·Ri
// unless the window wraps).
func (g *FactorGeom) Adds() int { return g.E }

// FactorMatrix writes the Cin×Width matrix P[ci, (τ, o, co)] = w2[co, ci,
// rep2(τ)]·w1[ci, rep1(o)]; w1 is the Cin×1×K1×K2 first kernel and w2 the
// Cout×Cin×K1×K2 second (full, expanded kernels). It does not allocate.
func FactorMatrix[T Float](dst, w1, w2 []T, g *FactorGeom) {
	C, Co, K, Ri, N := g.Cin, g.Cout, g.K(), g.In.Size(), g.Width()
	for ci := 0; ci < C; ci++ {
		row := dst[ci*N : (ci+1)*N]
		for tau, t := range g.rep2 {
			for o, u := range g.rep1 {
				k := w1[ci*Ri+u]
				blk := row[(tau*g.O+o)*Co : (tau*g.O+o+1)*Co]
				for co := range blk {
					blk[co] = w2[(co*C+ci)*K+t] * k
				}
			}
		}
	}
}

// FactorFold is the adjoint of FactorMatrix: given P̄ (GP) it adds Σ_{τ, co}
// P̄[ci, (τ, o, co)]·w2[co, ci, rep2(τ)] to gw1 at (ci, rep1(o)) and Σ_o
// P̄[ci, (τ, o, co)]·w1[ci, rep1(o)] to gw2 at (co, ci, rep2(τ)). It does not
// allocate.
func FactorFold[T Float](gw1, gw2, GP, w1, w2 []T, g *FactorGeom) {
	C, Co, K, Ri, N := g.Cin, g.Cout, g.K(), g.In.Size(), g.Width()
	for ci := 0; ci < C; ci++ {
		row := GP[ci*N : (ci+1)*N]
		for tau, t := range g.rep2 {
			for o, u := range g.rep1 {
				k := w1[ci*Ri+u]
				blk := row[(tau*g.O+o)*Co : (tau*g.O+o+1)*Co]
				var s1 T
				for co, v := range blk {
					j := (co*C+ci)*K + t
					s1 += v * w2[j]
					gw2[j] += v * k
				}
				gw1[ci*Ri+u] += s1
			}
		}
	}
}

// factorWindow writes the window Jacobian of site p, J[k·Cout + co] =
// J₂[p, co, win[k]], from Rb (one sample's R).
func factorWindow[T Float](J, Rb []T, p int, g *FactorGeom) {
	storeRows(J, Rb, g.off[p*g.E:(p+1)*g.E], g.sStart, g.Out.Size(), g.Cout)
}

// FactorNorms writes the squared row norms q[b, p, co] = Σ_s J₂[b, p, co, s]²
// of nb samples' Jacobians from R (nb × sites × Width), with the scratch J
// (at least Cout reals). It does not allocate.
func FactorNorms[T Float](q, R, J []T, nb int, g *FactorGeom) {
	S, C, N, Ro := g.Sites(), g.Cout, g.Width(), g.Out.Size()
	b := 0
	if q64, ok := any(q).([]float64); ok {
		b = factorNorms4(q64, any(R).([]float64), nb, g)
	}
	for ; b < nb; b++ {
		Rb := R[b*S*N : (b+1)*S*N]
		for p := 0; p < S; p++ {
			normRows(q[(b*S+p)*C:(b*S+p+1)*C], J, Rb, g.off[p*g.E:(p+1)*g.E], g.sStart, Ro, C)
		}
	}
}

// norms4 enables factorNorms4; a variable so that benchmarks can compare
// it with the one-sample loop in one process.
var norms4 = true

// factorNorms4 does FactorNorms for the samples up to the last multiple of
// four, four samples at a time (one load of each offset for four rows),
// where the assembly takes Cout channels and Cout < 16: with so few
// channels a row is one or a few registers and the per-row overhead, not
// the adds, bounds the row sums. It returns the samples done.
func factorNorms4(q, R []float64, nb int, g *FactorGeom) int {
	S, C, N, Ro, E := g.Sites(), g.Cout, g.Width(), g.Out.Size(), g.E
	nb4 := nb &^ 3
	if !useFactorAsm || !norms4 || C%4 != 0 || C == 0 || C >= 16 || E == 0 || nb4 == 0 {
		return 0
	}
	q, R = q[:nb4*S*C], R[:nb4*S*N]
	for b := 0; b < nb4; b += 4 {
		for p := 0; p < S; p++ {
			sumRowsNorm4x64(&q[(b*S+p)*C], &R[b*S*N], &g.off[p*E], &g.sStart[0], Ro, C, S*N, S*C)
		}
	}
	return nb4
}

// FactorJacobian writes the window Jacobians J₂ of nb samples, laid out
// [b][p][co][s] like the shifted-kernel GEMM's (for tests and baselines;
// the kernels use FactorNorms and FactorBack). scratch holds at least
// window·Cout reals. It does not allocate.
func FactorJacobian[T Float](J, R, scratch []T, nb int, g *FactorGeom) {
	S, C, N, Ro := g.Sites(), g.Cout, g.Width(), g.Out.Size()
	scratch = scratch[:Ro*C]
	for b := 0; b < nb; b++ {
		Rb := R[b*S*N : (b+1)*S*N]
		for p := 0; p < S; p++ {
			factorWindow(scratch, Rb, p, g)
			out := J[(b*S+p)*C*Ro : (b*S+p+1)*C*Ro]
			for k, s := range g.win {
				for co, v := range scratch[k*C : k*C+C] {
					out[co*Ro+s] = v
				}
			}
		}
	}
}

// FactorBack adds to Rb the cotangent of R for the Jacobian cotangent J̄₂ =
// diag(e)·J₂ (e laid out like q): Rb[b, p + t, (τ(t), o, co)] += e[b, p,
// co]·Σ_{s: s − t ∈ orbit o} J₂[b, p, co, s]. It rebuilds each site's window
// from R in the scratch J (window·Cout reals). It does not allocate.
func FactorBack[T Float](Rb, R, e, J []T, nb int, g *FactorGeom) {
	S, C, N, KO := g.Sites(), g.Cout, g.Width(), g.K()*g.O
	J = J[:g.Out.Size()*C]
	for b := 0; b < nb; b++ {
		Rs, Rbs := R[b*S*N:(b+1)*S*N], Rb[b*S*N:(b+1)*S*N]
		for p := 0; p < S; p++ {
			factorWindow(J, Rs, p, g)
			axpyRows(Rbs, g.dOff[p*KO:(p+1)*KO], e[(b*S+p)*C:(b*S+p+1)*C], J, g.tOff, g.tStart, KO, C)
		}
	}
}
