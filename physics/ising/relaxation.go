package ising

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/floats"

	"github.com/mafc-dev/mafc/limits"
)

// MaxRelaxationSites bounds N for NewRelaxation, because K⁻¹ is stored as a
// dense N×N matrix (N = 16384, i.e. 128×128, takes 2 GiB). It is
// limits.MaxIsingSites, which the checker enforces on specs.
const MaxRelaxationSites = limits.MaxIsingSites

// Relaxation is the continuous (Hubbard–Stratonovich) relaxation of the
// periodic L1×L2 Ising model at temperature T:
//
//	ln π̃(x) = −½ xᵀK⁻¹x + Σ_i ln cosh x_i,   K = βA + αI,
//	α = 0.1 − λ_min(βA),
//
// see the package documentation. A Relaxation is immutable after
// construction and safe for concurrent use.
type Relaxation struct {
	lat        Lattice
	n          int
	t          float64
	beta       float64
	lambdaMinA float64
	alpha      float64
	logDetK    float64
	c          float64
	logZ       float64
	kinv       []float64 // N×N row-major, symmetric
}

// NewRelaxation builds the relaxation of the periodic L1×L2 lattice at
// temperature T. λ_min(A) and ln det K = Σ_k ln(βλ_k + α) come from the
// closed-form spectrum λ(k1,k2) = 2cos(2πk1/L1) + 2cos(2πk2/L2), and K⁻¹ from
// its Fourier representation
//
//	K⁻¹_ij = (1/N) Σ_{k1,k2} cos(2πk1 d1/L1) cos(2πk2 d2/L2) / (βλ(k1,k2) + α),
//
// where (d1, d2) is the periodic displacement between sites i and j; the
// table over displacements costs O(N(L1+L2)) and filling the dense matrix
// O(N²). It returns an error if L1 < 3, L2 < 3, L1·L2 > MaxRelaxationSites,
// or T is not positive and finite.
func NewRelaxation(L1, L2 int, T float64) (*Relaxation, error) {
	lat := Lattice{L1, L2}
	if err := lat.Validate(); err != nil {
		return nil, err
	}
	if lat.N() > MaxRelaxationSites {
		return nil, fmt.Errorf("ising: NewRelaxation: N = %d exceeds %d sites", lat.N(), MaxRelaxationSites)
	}
	if !(T > 0) || math.IsInf(T, 1) {
		return nil, fmt.Errorf("ising: NewRelaxation: temperature %v must be positive and finite", T)
	}
	n := lat.N()
	r := &Relaxation{lat: lat, n: n, t: T, beta: 1 / T}
	r.lambdaMinA = LambdaMinAdjacency(L1, L2)
	r.alpha = 0.1 - r.beta*r.lambdaMinA

	cos1 := cosTable(L1)
	cos2 := cosTable(L2)
	// g[k1][k2] = 1/(βλ + α); accumulate ln det K on the way.
	g := make([]float64, n)
	for k1 := 0; k1 < L1; k1++ {
		for k2 := 0; k2 < L2; k2++ {
			ev := r.beta*(2*cos1[k1]+2*cos2[k2]) + r.alpha
			r.logDetK += math.Log(ev)
			g[k1*L2+k2] = 1 / ev
		}
	}
	// h[d1][k2] = Σ_k1 cos(2πk1 d1/L1) g[k1][k2];
	// m[d1][d2] = (1/N) Σ_k2 h[d1][k2] cos(2πk2 d2/L2).
	h := make([]float64, n)
	for d1 := 0; d1 < L1; d1++ {
		row := h[d1*L2 : (d1+1)*L2]
		for k1 := 0; k1 < L1; k1++ {
			floats.AddScaled(row, cos1[(k1*d1)%L1], g[k1*L2:(k1+1)*L2])
		}
	}
	m := make([]float64, n)
	for d1 := 0; d1 < L1; d1++ {
		for d2 := 0; d2 < L2; d2++ {
			var s float64
			for k2 := 0; k2 < L2; k2++ {
				s += h[d1*L2+k2] * cos2[(k2*d2)%L2]
			}
			m[d1*L2+d2] = s / float64(n)
		}
	}
	r.kinv = make([]float64, n*n)
	for i := 0; i < n; i++ {
		ri, ci := lat.Coords(i)
		row := r.kinv[i*n : (i+1)*n]
		for j := 0; j < n; j++ {
			rj, cj := lat.Coords(j)
			d1 := ri - rj
			if d1 < 0 {
				d1 += L1
			}
			d2 := ci - cj
			if d2 < 0 {
				d2 += L2
			}
			row[j] = m[d1*L2+d2]
		}
	}

	fn := float64(n)
	r.c = fn*math.Ln2 - r.alpha*fn/2 - fn/2*math.Log(2*math.Pi) - r.logDetK/2
	r.logZ = LogZ(L1, L2, T)
	return r, nil
}

// cosTable returns cos(2πk/L) for k = 0..L−1, using the symmetry
// k → L−k so that the argument never exceeds π.
func cosTable(L int) []float64 {
	t := make([]float64, L)
	for k := range t {
		kk := k
		if 2*kk > L {
			kk = L - kk
		}
		t[k] = math.Cos(2 * math.Pi * float64(kk) / float64(L))
	}
	return t
}

// Lattice returns the lattice.
func (r *Relaxation) Lattice() Lattice { return r.lat }

// N returns the number of sites (the dimension of x).
func (r *Relaxation) N() int { return r.n }

// T returns the temperature.
func (r *Relaxation) T() float64 { return r.t }

// Beta returns β = 1/T.
func (r *Relaxation) Beta() float64 { return r.beta }

// LambdaMinA returns λ_min(A) of the adjacency matrix (closed form).
func (r *Relaxation) LambdaMinA() float64 { return r.lambdaMinA }

// Alpha returns the diagonal shift α = 0.1 − βλ_min(A).
func (r *Relaxation) Alpha() float64 { return r.alpha }

// LogDetK returns ln det K = Σ_k ln(βλ_k + α).
func (r *Relaxation) LogDetK() float64 { return r.logDetK }

// C returns the constant C = N ln 2 − αN/2 − (N/2) ln 2π − ½ ln det K with
// ln Z_Ising = ln Z_cont + C.
func (r *Relaxation) C() float64 { return r.c }

// KInv returns K⁻¹ as an N×N row-major slice. The slice is shared with the
// Relaxation and must not be modified.
func (r *Relaxation) KInv() []float64 { return r.kinv }

// LogZ returns the exact ln Z_Ising of the discrete model (Kaufman's
// formula, computed once at construction).
func (r *Relaxation) LogZ() float64 { return r.logZ }

// LogZCont returns ln Z_cont = ln ∫π̃(x)dx = ln Z_Ising − C, exactly.
func (r *Relaxation) LogZCont() float64 { return r.logZ - r.c }

// OptimalLossPerSite returns −ln Z_cont/N, the exact minimum over all
// densities q of the variational loss per site E_q[ln q − ln π̃]/N.
func (r *Relaxation) OptimalLossPerSite() float64 { return -r.LogZCont() / float64(r.n) }

// LogCosh returns ln cosh x, computed as |x| + log1p(exp(−2|x|)) − ln 2 for
// |x| ≥ 1 (no overflow of cosh, finite for all finite x) and as
// log1p(2 sinh²(x/2)) for |x| < 1, which keeps full relative accuracy
// (≈ x²/2) for tiny x.
func LogCosh(x float64) float64 {
	a := math.Abs(x)
	if a < 1 {
		h := math.Sinh(0.5 * a)
		return math.Log1p(2 * h * h)
	}
	return a + math.Log1p(math.Exp(-2*a)) - math.Ln2
}

func (r *Relaxation) checkLen(fn, name string, v []float64, want int) {
	if len(v) != want {
		panic(fmt.Sprintf("ising: %s: len(%s) = %d, want %d", fn, name, len(v), want))
	}
}

// LogTarget returns ln π̃(x) = −½ xᵀK⁻¹x + Σ_i ln cosh x_i for one
// configuration x of length N. It panics ("ising: ...") if len(x) ≠ N and
// does not allocate. Cost O(N²).
func (r *Relaxation) LogTarget(x []float64) float64 {
	r.checkLen("LogTarget", "x", x, r.n)
	n := r.n
	var q, lc float64
	for i, xi := range x {
		q += xi * floats.Dot(r.kinv[i*n:(i+1)*n], x)
		lc += LogCosh(xi)
	}
	return -0.5*q + lc
}

// LogTargetGrad writes ∇ln π̃(x) = −K⁻¹x + tanh(x) (elementwise tanh) into
// grad and returns ln π̃(x). grad and x must have length N and must not
// overlap; it panics ("ising: ...") on wrong lengths and does not allocate.
func (r *Relaxation) LogTargetGrad(grad, x []float64) float64 {
	r.checkLen("LogTargetGrad", "x", x, r.n)
	r.checkLen("LogTargetGrad", "grad", grad, r.n)
	n := r.n
	blas64.Gemv(blas.NoTrans, -1,
		blas64.General{Rows: n, Cols: n, Stride: n, Data: r.kinv},
		blas64.Vector{N: n, Data: x, Inc: 1}, 0,
		blas64.Vector{N: n, Data: grad, Inc: 1})
	var v float64
	for i, xi := range x {
		v += 0.5*xi*grad[i] + LogCosh(xi)
		grad[i] += math.Tanh(xi)
	}
	return v
}

// HessVec sets dst = α·∇²ln π̃(x)·v + β·dst, where
// ∇²ln π̃(x) = −K⁻¹ + diag(1 − tanh²xᵢ) (the force-matching term's
// derivative with respect to x). x, v and dst must have length N, and dst
// must not overlap v or x; it panics ("ising: ...") on wrong lengths and
// does not allocate. Cost O(N²).
func (r *Relaxation) HessVec(dst []float64, alpha float64, x, v []float64, beta float64) {
	r.checkLen("HessVec", "x", x, r.n)
	r.checkLen("HessVec", "v", v, r.n)
	r.checkLen("HessVec", "dst", dst, r.n)
	n := r.n
	blas64.Gemv(blas.NoTrans, -alpha,
		blas64.General{Rows: n, Cols: n, Stride: n, Data: r.kinv},
		blas64.Vector{N: n, Data: v, Inc: 1}, beta,
		blas64.Vector{N: n, Data: dst, Inc: 1})
	for i, xi := range x {
		t := math.Tanh(xi)
		dst[i] += alpha * (1 - t*t) * v[i]
	}
}

// Block sizes for the batched products. gonum's Dgemm switches to a
// goroutine-parallel path (which allocates) once the output spans at least
// four 64×64 blocks; 192×64 output tiles keep every call on the serial,
// allocation-free path.
const (
	gemmRowTile = 192
	gemmColTile = 64
)

// mulKInv sets dst = alpha · X·K⁻¹ for the B×N row-major matrix X
// (equivalently, row b of dst is alpha·K⁻¹x_b since K⁻¹ is symmetric),
// using blas64.Gemm on tiles.
func (r *Relaxation) mulKInv(dst, x []float64, B int, alpha float64) {
	n := r.n
	for r0 := 0; r0 < B; r0 += gemmRowTile {
		rb := min(gemmRowTile, B-r0)
		a := blas64.General{Rows: rb, Cols: n, Stride: n, Data: x[r0*n:]}
		for c0 := 0; c0 < n; c0 += gemmColTile {
			cb := min(gemmColTile, n-c0)
			b := blas64.General{Rows: n, Cols: cb, Stride: n, Data: r.kinv[c0:]}
			c := blas64.General{Rows: rb, Cols: cb, Stride: n, Data: dst[r0*n+c0:]}
			blas64.Gemm(blas.NoTrans, blas.NoTrans, alpha, a, b, 0, c)
		}
	}
}

// LogTargetBatch writes ln π̃(x_b) into dst[b] for the B = len(dst)
// configurations stored row-major in x (len(x) = B·N). work is scratch space
// of length at least B·N (its contents are overwritten) that must not
// overlap x; the products K⁻¹x_b are formed as one (B×N)(N×N) product with
// blas64.Gemm, in tiles small enough that gonum stays on its serial path.
// It panics ("ising: ...") on wrong lengths and does not allocate.
func (r *Relaxation) LogTargetBatch(dst, x, work []float64) {
	B := len(dst)
	r.checkLen("LogTargetBatch", "x", x, B*r.n)
	if len(work) < B*r.n {
		panic(fmt.Sprintf("ising: LogTargetBatch: len(work) = %d, want at least %d", len(work), B*r.n))
	}
	if B == 0 {
		return
	}
	n := r.n
	r.mulKInv(work, x, B, 1)
	for b := range dst {
		xb := x[b*n : (b+1)*n]
		v := -0.5 * floats.Dot(xb, work[b*n:(b+1)*n])
		for _, xi := range xb {
			v += LogCosh(xi)
		}
		dst[b] = v
	}
}

// LogTargetGradBatch writes ln π̃(x_b) into dst[b] and ∇ln π̃(x_b) =
// −K⁻¹x_b + tanh(x_b) into row b of grad, for the B = len(dst)
// configurations stored row-major in x. x and grad have length B·N and must
// not overlap; grad doubles as the Gemm output, so no scratch is needed. It
// panics ("ising: ...") on wrong lengths and does not allocate.
func (r *Relaxation) LogTargetGradBatch(dst, grad, x []float64) {
	B := len(dst)
	r.checkLen("LogTargetGradBatch", "x", x, B*r.n)
	r.checkLen("LogTargetGradBatch", "grad", grad, B*r.n)
	if B == 0 {
		return
	}
	n := r.n
	r.mulKInv(grad, x, B, -1)
	for b := range dst {
		xb := x[b*n : (b+1)*n]
		gb := grad[b*n : (b+1)*n]
		v := 0.5 * floats.Dot(xb, gb)
		for i, xi := range xb {
			v += LogCosh(xi)
			gb[i] += math.Tanh(xi)
		}
		dst[b] = v
	}
}
