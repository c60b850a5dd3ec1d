package ising

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// MaxExactAbsMSites is the largest N for which ConditionalMoments computes
// E[|m| | x] exactly: the distribution of the number of up spins (a
// Poisson-binomial law) costs O(N²) per configuration. Larger lattices draw
// one spin configuration for |m| instead, which is unbiased but noisier.
const MaxExactAbsMSites = 1024

// Moments are conditional expectations of spin observables given a
// continuous configuration x: with t_i = tanh x_i = E[s_i | x] (the spins
// are conditionally independent, P(s_i = +1 | x) = sigmoid(2x_i)),
//
//	E[E | x]   = −Σ_<ij> t_i t_j,
//	Var(E | x) = Σ_<ij> (1 − t_i² t_j²) + Σ_j (1 − t_j²) [(Σ_{a∼j} t_a)² − Σ_{a∼j} t_a²],
//	E[M² | x]  = (Σ_i t_i)² + Σ_i (1 − t_i²),
//
// with E = −Σ_<ij> s_i s_j and M = Σ_i s_i. The second line sums the
// covariances of pairs of bonds: a bond with itself gives 1 − t_i²t_j²,
// two bonds (a, j), (j, b) sharing the site j give t_a t_b (1 − t_j²), and
// disjoint bonds are independent. E[|M| | x] is Σ_k P(k up | x)|2k − N|
// from the Poisson-binomial distribution of the number of up spins.
// Because the joint density of (s, x) has the Boltzmann distribution as its
// s-marginal (package documentation), E_π[E[f(s) | x]] = ⟨f⟩_Ising: these
// are the Rao–Blackwellised versions of the observables of sampled spins,
// with the same expectation and no more variance.
type Moments struct {
	Energy  float64 // E[E | x] (total, not per site)
	Energy2 float64 // E[E² | x]
	AbsM    float64 // E[|m| | x], m = M/N; a one-spin-draw estimate when N > MaxExactAbsMSites
	M2      float64 // E[m² | x]
}

// MomentsWork is scratch space for ConditionalMoments on one lattice; it
// belongs to one goroutine.
type MomentsWork struct {
	lat  Lattice
	t    []float64
	dist []float64
	spin []int8
}

// NewMomentsWork returns scratch space for ConditionalMoments on the
// periodic L1×L2 lattice. It panics ("ising: ...") if the lattice is
// invalid.
func NewMomentsWork(L1, L2 int) *MomentsWork {
	l := Lattice{L1, L2}
	if err := l.Validate(); err != nil {
		panic(err.Error())
	}
	n := l.N()
	w := &MomentsWork{lat: l, t: make([]float64, n), spin: make([]int8, n)}
	if n <= MaxExactAbsMSites {
		w.dist = make([]float64, n+1)
	}
	return w
}

// ConditionalMoments returns the conditional expectations of the energy,
// its square, |m| and m² given the continuous configuration x (length N),
// see Moments. rng is used only when N > MaxExactAbsMSites (one spin draw
// for |m|; it may be nil otherwise). Cost O(N) for the energy and m², O(N²)
// for |m|. It panics ("ising: ...") if len(x) ≠ N and does not allocate.
func ConditionalMoments(w *MomentsWork, x []float64, rng *rand.Rand) Moments {
	l := w.lat
	n := l.N()
	if len(x) != n {
		panic(fmt.Sprintf("ising: ConditionalMoments: len(x) = %d, want %d", len(x), n))
	}
	t := w.t
	var sumT, sumT2 float64
	for i, xi := range x {
		t[i] = math.Tanh(xi)
		sumT += t[i]
		sumT2 += t[i] * t[i]
	}
	var mean, vr float64
	for j := 0; j < n; j++ {
		nb := l.Neighbours(j)
		// Bonds to the right and below, each counted once.
		for _, a := range [2]int{nb[1], nb[3]} {
			p := t[j] * t[a]
			mean -= p
			vr += 1 - p*p
		}
		var s, s2 float64
		for _, a := range nb {
			s += t[a]
			s2 += t[a] * t[a]
		}
		vr += (1 - t[j]*t[j]) * (s*s - s2)
	}
	fn := float64(n)
	m := Moments{
		Energy:  mean,
		Energy2: mean*mean + vr,
		M2:      (sumT*sumT + (fn - sumT2)) / (fn * fn),
	}
	if w.dist == nil {
		if rng == nil {
			panic("ising: ConditionalMoments: nil rng for a lattice above MaxExactAbsMSites")
		}
		Spins(w.spin, x, rng)
		m.AbsM = math.Abs(Magnetisation(w.spin))
		return m
	}
	// dist[k] = P(k up spins among the sites seen so far).
	d := w.dist
	clear(d)
	d[0] = 1
	for i, ti := range t {
		up, down := 0.5*(1+ti), 0.5*(1-ti)
		for k := i + 1; k > 0; k-- {
			d[k] = d[k]*down + d[k-1]*up
		}
		d[0] *= down
	}
	var a float64
	for k, pk := range d {
		a += pk * math.Abs(float64(2*k-n))
	}
	m.AbsM = a / fn
	return m
}
