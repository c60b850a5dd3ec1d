package ising

import (
	"fmt"
	"math"
	"math/bits"
)

// MaxBruteForceSites is the largest N accepted by BruteForce and
// LogZBruteForce (2^20 states).
const MaxBruteForceSites = 20

// BruteForceResult holds exact thermodynamics obtained by enumeration.
type BruteForceResult struct {
	LogZ          float64 // ln Z
	EnergyPerSite float64 // ⟨E⟩/N
	// Counts[b] is the number of states with bond sum Σ_<ij> s_i s_j equal
	// to b − 2N (so the energy is 2N − b).
	Counts []uint64
}

// bondHistogram returns the number of states for each bond sum
// Σ_<ij> s_i s_j ∈ [−2N, 2N], offset by 2N: the marginal of jointHistogram.
func bondHistogram(l Lattice) []uint64 {
	n := l.N()
	joint := jointHistogram(l)
	counts := make([]uint64, 4*n+1)
	for b := range counts {
		for _, c := range joint[b*(n+1) : (b+1)*(n+1)] {
			counts[b] += c
		}
	}
	return counts
}

// jointHistogram enumerates all 2^N states in Gray-code order and returns
// the number of states for each bond sum and number of up spins:
// counts[(bond+2N)·(N+1) + up] for bond ∈ [−2N, 2N], up ∈ [0, N].
func jointHistogram(l Lattice) []uint64 {
	n := l.N()
	nb := make([][4]int, n)
	for i := range nb {
		nb[i] = l.Neighbours(i)
	}
	spin := make([]int8, n)
	for i := range spin {
		spin[i] = 1
	}
	counts := make([]uint64, (4*n+1)*(n+1))
	sum, up := 2*n, n // all spins up: every bond satisfied
	counts[(sum+2*n)*(n+1)+up]++
	for k := uint64(1); k < 1<<uint(n); k++ {
		j := bits.TrailingZeros64(k)
		h := 0
		for _, v := range nb[j] {
			h += int(spin[v])
		}
		sum -= 2 * int(spin[j]) * h
		up -= int(spin[j])
		spin[j] = -spin[j]
		counts[(sum+2*n)*(n+1)+up]++
	}
	return counts
}

// BruteForce returns ln Z and ⟨E⟩/N of the periodic L1×L2 lattice at
// temperature T by enumerating all 2^N states (N ≤ MaxBruteForceSites).
// The sums are done in log space from the exact histogram of bond sums. It
// returns an error for an invalid lattice, N > MaxBruteForceSites or a
// temperature that is not positive and finite.
func BruteForce(L1, L2 int, T float64) (BruteForceResult, error) {
	l, err := enumerable("BruteForce", L1, L2, T)
	if err != nil {
		return BruteForceResult{}, err
	}
	n := l.N()
	counts := bondHistogram(l)
	beta := 1 / T
	top := math.Inf(-1)
	for b, c := range counts {
		if c > 0 {
			top = math.Max(top, beta*float64(b-2*n)+math.Log(float64(c)))
		}
	}
	var z, zb float64
	for b, c := range counts {
		if c == 0 {
			continue
		}
		bond := float64(b - 2*n)
		w := math.Exp(beta*bond + math.Log(float64(c)) - top)
		z += w
		zb += w * bond
	}
	return BruteForceResult{
		LogZ:          top + math.Log(z),
		EnergyPerSite: -zb / z / float64(n),
		Counts:        counts,
	}, nil
}

// LogZBruteForce returns ln Z of the periodic L1×L2 lattice by enumeration
// of all 2^N states. It panics (message prefixed "ising: ") where
// BruteForce returns an error, in particular for N > MaxBruteForceSites.
func LogZBruteForce(L1, L2 int, T float64) float64 {
	r, err := BruteForce(L1, L2, T)
	if err != nil {
		panic(err.Error())
	}
	return r.LogZ
}

// enumerable checks the arguments of the enumerating function fn: a valid
// lattice of at most MaxBruteForceSites sites and a positive, finite
// temperature.
func enumerable(fn string, L1, L2 int, T float64) (Lattice, error) {
	l := Lattice{L1, L2}
	if err := l.Validate(); err != nil {
		return l, err
	}
	if l.N() > MaxBruteForceSites {
		return l, fmt.Errorf("ising: %s: N = %d exceeds %d sites", fn, l.N(), MaxBruteForceSites)
	}
	if !(T > 0) || math.IsInf(T, 1) {
		return l, fmt.Errorf("ising: %s: temperature %v must be positive and finite", fn, T)
	}
	return l, nil
}
