// Package shuffle draws random permutations that are the same for the same
// seed on every Go version: Fisher–Yates over a PCG stream with Lemire's
// unbiased bounded draws (D. Lemire, "Fast random integer generation in an
// interval", ACM TOMACS 29(1), 2019), none of which math/rand/v2 promises
// to keep. The data sets use it for splits and epoch orders, so a seeded
// run is reproducible across toolchains.
package shuffle

import (
	"math/bits"
	"math/rand/v2"
)

// Shuffle permutes p uniformly at random with draws from src. It does not
// allocate.
func Shuffle(p []int, src *rand.PCG) {
	for i := len(p) - 1; i > 0; i-- {
		j := Bounded(src, uint64(i)+1)
		p[i], p[j] = p[j], p[i]
	}
}

// Permutation returns a uniformly random permutation of 0..n−1 drawn from
// rand.NewPCG(seed, stream).
func Permutation(n int, seed, stream uint64) []int {
	p := make([]int, n)
	for i := range p {
		p[i] = i
	}
	Shuffle(p, rand.NewPCG(seed, stream))
	return p
}

// Bounded returns a uniform integer in [0, n), n > 0, by Lemire's
// multiply-and-reject method.
func Bounded(src *rand.PCG, n uint64) uint64 {
	hi, lo := bits.Mul64(src.Uint64(), n)
	if lo < n {
		thresh := -n % n
		for lo < thresh {
			hi, lo = bits.Mul64(src.Uint64(), n)
		}
	}
	return hi
}
