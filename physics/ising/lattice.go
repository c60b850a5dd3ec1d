package ising

import (
	"fmt"
	"math"
)

// Tc is the critical temperature of the infinite square-lattice Ising model
// with J = 1: Tc = 2/ln(1+√2) (the constant is ln(1+√2) = asinh 1 to 40
// digits, so Tc is correctly rounded).
const Tc = 2 / 0.8813735870195430252326093249797923090282

// Lattice is a periodic L1×L2 square lattice. Site (r, c), 0 ≤ r < L1,
// 0 ≤ c < L2, has index i = r*L2 + c (row-major). A valid lattice has
// L1, L2 ≥ 3 so that the four neighbours of a site are distinct and there
// are exactly 2N bonds.
type Lattice struct {
	L1, L2 int
}

// Validate returns an error unless L1, L2 ≥ 3.
func (l Lattice) Validate() error {
	if l.L1 < 3 || l.L2 < 3 {
		return fmt.Errorf("ising: lattice %d×%d: both sides must be at least 3", l.L1, l.L2)
	}
	return nil
}

// N returns the number of sites L1·L2.
func (l Lattice) N() int { return l.L1 * l.L2 }

// Index returns the site index of (r, c), wrapping both coordinates
// periodically (any integer r, c is accepted).
func (l Lattice) Index(r, c int) int {
	r %= l.L1
	if r < 0 {
		r += l.L1
	}
	c %= l.L2
	if c < 0 {
		c += l.L2
	}
	return r*l.L2 + c
}

// Coords returns the row and column of site i.
func (l Lattice) Coords(i int) (r, c int) { return i / l.L2, i % l.L2 }

// Right returns the index of the neighbour of site i in the next column.
func (l Lattice) Right(i int) int {
	r, c := l.Coords(i)
	if c+1 == l.L2 {
		return r * l.L2
	}
	return i + 1
}

// Down returns the index of the neighbour of site i in the next row.
func (l Lattice) Down(i int) int {
	if i+l.L2 >= l.N() {
		return i + l.L2 - l.N()
	}
	return i + l.L2
}

// Neighbours returns the four neighbours of site i in the order
// up, down, left, right.
func (l Lattice) Neighbours(i int) [4]int {
	r, c := l.Coords(i)
	return [4]int{l.Index(r-1, c), l.Index(r+1, c), l.Index(r, c-1), l.Index(r, c+1)}
}

// LambdaMinAdjacency returns the smallest eigenvalue of the adjacency matrix
// of the periodic L1×L2 lattice from the closed form
// min_k [2cos(2πk1/L1) + 2cos(2πk2/L2)]: each side contributes −2 when it is
// even and −2cos(π/L) when it is odd. It does not validate its arguments
// (L1, L2 ≥ 1).
func LambdaMinAdjacency(L1, L2 int) float64 {
	return minCos2(L1) + minCos2(L2)
}

// minCos2 returns min_k 2cos(2πk/L).
func minCos2(L int) float64 {
	if L%2 == 0 {
		return -2
	}
	return -2 * math.Cos(math.Pi/float64(L))
}

// Energy returns E(s) = −Σ_<ij> s_i s_j for spins s ∈ {−1, +1}^N on the
// periodic L1×L2 lattice (each bond counted once). It panics with an
// "ising: " message if len(s) ≠ L1·L2 or the lattice is invalid. It does not
// allocate.
func Energy(s []int8, L1, L2 int) float64 {
	l := Lattice{L1, L2}
	if err := l.Validate(); err != nil {
		panic(err.Error())
	}
	if len(s) != l.N() {
		panic(fmt.Sprintf("ising: Energy: len(s) = %d, want %d", len(s), l.N()))
	}
	sum := 0
	for r := 0; r < L1; r++ {
		row := s[r*L2 : (r+1)*L2]
		down := s[((r+1)%L1)*L2 : ((r+1)%L1+1)*L2]
		for c := 0; c < L2; c++ {
			right := row[0]
			if c+1 < L2 {
				right = row[c+1]
			}
			sum += int(row[c]) * (int(right) + int(down[c]))
		}
	}
	return -float64(sum)
}

// Magnetisation returns m = Σ_i s_i / N. It panics with an "ising: " message
// if s is empty. It does not allocate.
func Magnetisation(s []int8) float64 {
	if len(s) == 0 {
		panic("ising: Magnetisation: empty configuration")
	}
	sum := 0
	for _, v := range s {
		sum += int(v)
	}
	return float64(sum) / float64(len(s))
}
