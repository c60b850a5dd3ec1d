package ising

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Spins draws spins from a continuous configuration: independently for each
// site, dst[i] = +1 with probability sigmoid(2x_i) = (1 + tanh x_i)/2 and −1
// otherwise, which is the conditional distribution P(s | x) of the
// relaxation. It consumes one rng.Float64 per site, panics ("ising: ...") if
// len(dst) ≠ len(x), and does not allocate.
func Spins(dst []int8, x []float64, rng *rand.Rand) {
	if len(dst) != len(x) {
		panic(fmt.Sprintf("ising: Spins: len(dst) = %d, len(x) = %d", len(dst), len(x)))
	}
	for i, xi := range x {
		p := 0.5 * (1 + math.Tanh(xi))
		if rng.Float64() < p {
			dst[i] = 1
		} else {
			dst[i] = -1
		}
	}
}

// meanVar is Welford's running mean and variance.
type meanVar struct {
	n    int
	mean float64
	m2   float64
}

func (a *meanVar) add(v float64) {
	a.n++
	d := v - a.mean
	a.mean += d / float64(a.n)
	a.m2 += d * (v - a.mean)
}

// result returns the mean and its standard error sqrt(s²/n) with the
// unbiased sample variance s²; the error is NaN for fewer than two samples.
func (a *meanVar) result() (mean, stderr float64) {
	if a.n < 2 {
		return a.mean, math.NaN()
	}
	return a.mean, math.Sqrt(a.m2 / float64(a.n-1) / float64(a.n))
}

// Stats accumulates observables of spin configurations on one lattice: the
// energy per site E/N, |m| and m², where m = Σ_i s_i/N. Means and standard
// errors are those of independent samples (no autocorrelation correction).
// The zero value is not usable; create one with NewStats.
type Stats struct {
	lat  Lattice
	e    meanVar
	absM meanVar
	m2   meanVar
}

// NewStats returns an empty accumulator for the periodic L1×L2 lattice. It
// panics ("ising: ...") if L1 < 3 or L2 < 3.
func NewStats(L1, L2 int) *Stats {
	l := Lattice{L1, L2}
	if err := l.Validate(); err != nil {
		panic(err.Error())
	}
	return &Stats{lat: l}
}

// Add records one spin configuration (length N, entries ±1). It panics
// ("ising: ...") on a wrong length and does not allocate.
func (s *Stats) Add(spins []int8) {
	e := Energy(spins, s.lat.L1, s.lat.L2) / float64(s.lat.N())
	m := Magnetisation(spins)
	s.e.add(e)
	s.absM.add(math.Abs(m))
	s.m2.add(m * m)
}

// AddContinuous draws spins for every configuration in the B×N row-major x
// with Spins (using buf, of length N, as the spin buffer) and records them.
// It panics ("ising: ...") on wrong lengths and does not allocate.
func (s *Stats) AddContinuous(x []float64, buf []int8, rng *rand.Rand) {
	n := s.lat.N()
	if len(buf) != n || len(x)%n != 0 {
		panic(fmt.Sprintf("ising: Stats.AddContinuous: len(buf) = %d, len(x) = %d, want N = %d and a multiple of N", len(buf), len(x), n))
	}
	for b := 0; b < len(x)/n; b++ {
		Spins(buf, x[b*n:(b+1)*n], rng)
		s.Add(buf)
	}
}

// Count returns the number of recorded configurations.
func (s *Stats) Count() int { return s.e.n }

// EnergyPerSite returns the mean of E/N and its standard error.
func (s *Stats) EnergyPerSite() (mean, stderr float64) { return s.e.result() }

// AbsMagnetisation returns the mean of |m| and its standard error.
func (s *Stats) AbsMagnetisation() (mean, stderr float64) { return s.absM.result() }

// Magnetisation2 returns the mean of m² and its standard error.
func (s *Stats) Magnetisation2() (mean, stderr float64) { return s.m2.result() }
