package kern

import (
	"fmt"
	"unsafe"
)

// One-channel convolutions by tap orbits: a periodic convolution of a
// one-channel field whose kernel is tied (W[co, t] = ω[co, τ(t)], T orbits
// of its K taps), computed as
//
//	G[p, τ]  = Σ_{t ∈ τ} x[p + t]        K adds per site (GatherOrbits)
//	y[p, co] = Σ_τ G[p, τ]·ω[co, τ]      one GEMM, (M × T)·(T × Cout)
//
// against im2col's K copies per site and a GEMM of depth K: for a 5×5
// kernel tied under D4 (T = 6) a quarter of the products and a patch
// matrix a quarter as wide. The adjoint sends the output's cotangent back
// through the same orbits,
//
//	H     = ȳ·Ωᵀ                          (M × Cout)·(Cout × T)
//	x̄[q] += Σ_{(p, t): p + t = q} H[p, τ(t)]   (ScatterOrbitsAdd)
//
// and the kernel's gradient is Ω̄ = Gᵀ·ȳ (T × Cout), folded into the full
// kernel's gradient at one representative tap per orbit (GatherFold; the
// tied parameters' gradient sums each orbit, TieReduce). Ω is the T × Cout
// matrix Ω[τ, co] = ω[co, τ] (GatherMatrix).

// GatherGeom describes a one-channel convolution computed by tap orbits.
type GatherGeom struct {
	*ConvGeom
	// T is the number of orbits of taps.
	T   int
	rep []int   // a representative tap of each orbit
	orb []int   // the orbit of each tap
	gat []int32 // site p's K neighbours, orbit by orbit: G[p, τ] sums x at gat[p·K + start[τ] : p·K + start[τ+1]]
	cnt []int   // the taps in each orbit
	sct []int32 // x̄[q] sums H at sct[q·K : q·K + K] (entries p·T + τ: the K sites p and taps t with p + t = q)

	// The rows of G over a halo-padded copy of a field (see GatherOrbits):
	// the padded field is P1×P2 (P1 = L1 + K1 − 1, P2 = L2 + K2 − 1), pad[i]
	// the field's site at its position i; window k = τ·L1 + r sums the L2
	// consecutive entries of the padded field at each of poff[pstart[k] :
	// pstart[k+1]] (one per tap of τ) into G's column τ at row r of the
	// lattice. rows is false when the padded field and the T·S orbit sums
	// do not fit gatherScratch.
	rows   bool
	pad    []int32
	poff   []int32
	pstart []int
}

// NewGatherGeom builds the gather geometry of g (one input channel) from
// the orbit of each of its kernel's taps (orbit, n orbits; nil: every tap
// its own orbit). It allocates; generated code calls it once per model. It
// panics when g has more than one input channel or the table does not fit
// the kernel.
func NewGatherGeom(g *ConvGeom, orbit []int, n int) *GatherGeom {
	if g.Cin != 1 {
		panic(fmt.Sprintf("kern: NewGatherGeom: %d input channels, want 1", g.Cin))
	}
	K, S := g.K(), g.Sites()
	orbit, n = orbitsOrIdentity(orbit, n, K)
	gg := &GatherGeom{ConvGeom: g, T: n, rep: representatives(orbit, n), orb: orbit}
	gg.gat, gg.cnt = make([]int32, 0, S*K), make([]int, n)
	for _, tau := range orbit {
		gg.cnt[tau]++
	}
	for p := 0; p < S; p++ {
		for tau := 0; tau < n; tau++ {
			for t := 0; t < K; t++ {
				if orbit[t] == tau {
					gg.gat = append(gg.gat, int32(g.nbr[p*K+t]))
				}
			}
		}
	}
	gg.padRows()
	// On a periodic lattice each site q is p + t for exactly K pairs (one
	// per tap t).
	gg.sct = make([]int32, S*K)
	at := make([]int, S)
	for q := range at {
		at[q] = q * K
	}
	for p := 0; p < S; p++ {
		for t := 0; t < K; t++ {
			q := g.nbr[p*K+t]
			gg.sct[at[q]] = int32(p*n + orbit[t])
			at[q]++
		}
	}
	return gg
}

// GatherMatrix writes Ω, the T×Cout matrix dst[τ·Cout + co] = w[co,
// rep(τ)] of the full Cout×1×K1×K2 kernel w. It does not allocate.
func GatherMatrix[T Float](dst, w []T, g *GatherGeom) {
	K, C := g.K(), g.Cout
	for tau, t := range g.rep {
		row := dst[tau*C : (tau+1)*C]
		for co := range row {
			row[co] = w[co*K+t]
		}
	}
}

// GatherFold is the adjoint of GatherMatrix: it adds GD (the gradient of Ω,
// laid out like it) to the full kernel's gradient gw at the representative
// taps. It does not allocate.
func GatherFold[T Float](gw, GD []T, g *GatherGeom) {
	K, C := g.K(), g.Cout
	for tau, t := range g.rep {
		for co, v := range GD[tau*C : (tau+1)*C] {
			gw[co*K+t] += v
		}
	}
}

// gatherScratch is the size of GatherOrbits' stack buffer in reals: a
// padded field and its T·S orbit sums (1936 for a 5×5 kernel on 16×16).
// codegen/plan counts the padded-row tables where they fit it
// (gatherScratch there).
const gatherScratch = 4096

// padRows builds the padded-field tables of GatherOrbits (the fields rows,
// pad, poff, pstart) when they fit gatherScratch.
func (g *GatherGeom) padRows() {
	L1, L2, K1, K2 := g.L1, g.L2, g.K1, g.K2
	P1, P2 := L1+K1-1, L2+K2-1
	if P1*P2+g.T*g.Sites() > gatherScratch {
		return
	}
	g.rows = true
	g.pad = make([]int32, P1*P2)
	for i := 0; i < P1; i++ {
		for j := 0; j < P2; j++ {
			g.pad[i*P2+j] = int32(mod(i-(K1-1)/2, L1)*L2 + mod(j-(K2-1)/2, L2))
		}
	}
	g.pstart = make([]int, g.T*L1+1)
	g.poff = make([]int32, 0, L1*g.K())
	for tau := 0; tau < g.T; tau++ {
		for r := 0; r < L1; r++ {
			// taps in increasing order, as gat lists them
			for t, o := range g.orb {
				if o == tau {
					di, dj := t/K2, t%K2
					g.poff = append(g.poff, int32((r+di)*P2+dj))
				}
			}
			g.pstart[tau*L1+r+1] = len(g.poff)
		}
	}
}

// GatherOrbits writes G of nrows one-channel fields (each sites reals; G
// sites×T each): G[r, p, τ] = Σ_{t ∈ τ} x[r, p + t], each sum in the
// orbit's tap order. It does not allocate.
//
// Each field is copied with a halo (the periodic images the kernel's
// window reaches) into a stack buffer, where the K1×K2 window of a row of
// L2 consecutive sites is L2 consecutive reals at every tap: the sums over
// an orbit's taps are then whole rows of L2 reals added at once (the
// direct convolutions' row sums, AVX on amd64), one lattice row of one
// orbit at a time, and G's columns are read off the T·S sums. Lattices too
// large for the buffer sum site by site.
func GatherOrbits[T Float](G, x []T, nrows int, g *GatherGeom) {
	if !g.rows {
		gatherOrbitsSites(G, x, nrows, g)
		return
	}
	S, W, L1, L2 := g.Sites(), g.T, g.L1, g.L2
	var buf [gatherScratch]T
	xp, A := buf[:len(g.pad)], buf[len(g.pad):len(g.pad)+W*S]
	pad, off, start := g.pad, g.poff, g.pstart[:W*L1+1]
	// The assembly sums each real's rows in one chain in its 16-wide
	// blocks only (its narrow blocks split the chain in four): rows of
	// other lengths take the portable sums, so that every G is the sum in
	// the orbit's tap order.
	asm := rowsAsm[T](L2, off) && L2%16 == 0
	P1, P2, h2 := L1+g.K1-1, L2+g.K2-1, (g.K2-1)/2
	wrap := g.K2-1 <= L2 // a row's halo lies within one period
	for r := 0; r < nrows; r++ {
		xr, Gr := x[r*S:(r+1)*S], G[r*S*W:(r+1)*S*W]
		if wrap {
			// row by row: the halo's columns are the row's ends
			for i := 0; i < P1; i++ {
				src, dst := xr[int(pad[i*P2+h2]):][:L2], xp[i*P2:(i+1)*P2]
				copy(dst, src[L2-h2:])
				copy(dst[h2:], src)
				copy(dst[h2+L2:], src)
			}
		} else {
			for i, s := range pad {
				xp[i] = xr[s]
			}
		}
		switch {
		case asm && is64[T]():
			sumRowsStore64((*float64)(unsafe.Pointer(&A[0])), (*float64)(unsafe.Pointer(&xp[0])), &off[0], &start[0], W*L1, L2)
		case asm:
			sumRowsStore32((*float32)(unsafe.Pointer(&A[0])), (*float32)(unsafe.Pointer(&xp[0])), &off[0], &start[0], W*L1, L2)
		default:
			for k := 0; k < W*L1; k++ {
				sumRows(A[k*L2:(k+1)*L2], xp, off[start[k]:start[k+1]])
			}
		}
		transposeInto(Gr, A, W, S)
	}
}

// gatherOrbitsSites is GatherOrbits site by site, through the table gat:
// for lattices whose padded field does not fit GatherOrbits' buffer, and
// the reference of its tests.
func gatherOrbitsSites[T Float](G, x []T, nrows int, g *GatherGeom) {
	S, W, K := g.Sites(), g.T, g.K()
	gat, cnt := g.gat[:S*K], g.cnt[:W]
	for r := 0; r < nrows; r++ {
		xr, Gr := x[r*S:(r+1)*S], G[r*S*W:(r+1)*S*W]
		p := 0
		// Four sites at a time: four independent chains of adds, where
		// one site's orbit sums would wait on each add's latency.
		for ; p+4 <= S; p += 4 {
			n0, n1, n2, n3 := gat[p*K:p*K+K], gat[(p+1)*K:(p+2)*K], gat[(p+2)*K:(p+3)*K], gat[(p+3)*K:(p+4)*K]
			o0, o1, o2, o3 := Gr[p*W:p*W+W], Gr[(p+1)*W:(p+2)*W], Gr[(p+2)*W:(p+3)*W], Gr[(p+3)*W:(p+4)*W]
			j := 0
			for tau, c := range cnt {
				s0, s1, s2, s3 := xr[n0[j]], xr[n1[j]], xr[n2[j]], xr[n3[j]]
				for e := j + 1; e < j+c; e++ {
					s0 += xr[n0[e]]
					s1 += xr[n1[e]]
					s2 += xr[n2[e]]
					s3 += xr[n3[e]]
				}
				o0[tau], o1[tau], o2[tau], o3[tau] = s0, s1, s2, s3
				j += c
			}
		}
		for ; p < S; p++ {
			nb, out := gat[p*K:p*K+K], Gr[p*W:p*W+W]
			j := 0
			for tau, c := range cnt {
				s := xr[nb[j]]
				for _, o := range nb[j+1 : j+c] {
					s += xr[o]
				}
				out[tau] = s
				j += c
			}
		}
	}
}

// ScatterOrbitsAdd adds the adjoint of GatherOrbits of H (nrows fields of
// sites×T) to xb (nrows one-channel fields): xb[r, q] += Σ_{(p, t): p + t
// = q} H[r, p, τ(t)]. It does not allocate.
func ScatterOrbitsAdd[T Float](xb, H []T, nrows int, g *GatherGeom) {
	S, W, K := g.Sites(), g.T, g.K()
	sct := g.sct[:S*K] // on a periodic lattice every site has K entries
	for r := 0; r < nrows; r++ {
		xr, Hr := xb[r*S:(r+1)*S], H[r*S*W:(r+1)*S*W]
		q := 0
		// Four sites at a time, four independent chains of adds.
		for ; q+4 <= S; q += 4 {
			e0, e1, e2, e3 := sct[q*K:q*K+K], sct[(q+1)*K:(q+2)*K], sct[(q+2)*K:(q+3)*K], sct[(q+3)*K:(q+4)*K]
			var s0, s1, s2, s3 T
			for j := range e0 {
				s0 += Hr[e0[j]]
				s1 += Hr[e1[j]]
				s2 += Hr[e2[j]]
				s3 += Hr[e3[j]]
			}
			xr[q] += s0
			xr[q+1] += s1
			xr[q+2] += s2
			xr[q+3] += s3
		}
		for ; q < S; q++ {
			var s T
			for _, o := range sct[q*K : q*K+K] {
				s += Hr[o]
			}
			xr[q] += s
		}
	}
}

// transposeInto writes the S×W matrix G = Aᵀ of the W×S matrix A (both
// row-major), four rows of G at a time.
func transposeInto[T Float](G, A []T, W, S int) {
	G, A = G[:S*W], A[:W*S]
	p := 0
	for ; p+4 <= S; p += 4 {
		g := G[p*W : (p+4)*W : (p+4)*W]
		for tau := 0; tau < W; tau++ {
			a := A[tau*S+p : tau*S+p+4 : tau*S+p+4]
			g[tau], g[W+tau], g[2*W+tau], g[3*W+tau] = a[0], a[1], a[2], a[3]
		}
	}
	for ; p < S; p++ {
		for tau := 0; tau < W; tau++ {
			G[p*W+tau] = A[tau*S+p]
		}
	}
}
