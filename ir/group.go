package ir

import "math/rand/v2"

// Transform is an orthogonal map of the input of the form
// (g·x)ᵢ = Sign · x[Perm[i]]: a signed permutation of the coordinates.
type Transform struct {
	Perm []int
	Sign float64
}

// Apply writes g·x to dst. dst and x must not overlap.
func (g Transform) Apply(dst, x []float64) {
	for i, j := range g.Perm {
		dst[i] = g.Sign * x[j]
	}
}

// ApplyT writes gᵀ·y to dst (the inverse map, since g is orthogonal).
func (g Transform) ApplyT(dst, y []float64) {
	for i, j := range g.Perm {
		dst[j] = g.Sign * y[i]
	}
}

// Generators returns one generator set for group g acting on inputs of
// shape s: the sign flip for Z2; the unit shifts along each lattice axis for
// translations; the 90° rotation (and a reflection, for D4) for the point
// groups. Checking invariance under the generators checks it under the group.
func Generators(g Group, s Shape) []Transform {
	n := s.Size()
	id := func() []int {
		p := make([]int, n)
		for i := range p {
			p[i] = i
		}
		return p
	}
	switch g {
	case Z2:
		return []Transform{{Perm: id(), Sign: -1}}
	case Translations:
		out := []Transform{{Perm: shift(s, 1, 0), Sign: 1}}
		if s.L2 > 1 {
			out = append(out, Transform{Perm: shift(s, 0, 1), Sign: 1})
		}
		return out
	case C4:
		return []Transform{{Perm: rotate(s), Sign: 1}}
	case D4:
		return []Transform{{Perm: rotate(s), Sign: 1}, {Perm: reflect(s), Sign: 1}}
	}
	panic("ir: unknown group " + string(g))
}

// Order returns the number of elements of g acting on inputs of shape s
// (len(Elements(g, s)), without building them).
func (g Group) Order(s Shape) int {
	switch g {
	case Z2:
		return 2
	case Translations:
		return s.L1 * s.L2
	case D4:
		return 8
	case C4:
		return 4
	}
	return 1
}

// Elements returns every element of the group g acting on inputs of shape
// s, the identity first.
func Elements(g Group, s Shape) []Transform {
	n := s.Size()
	id := make([]int, n)
	for i := range id {
		id[i] = i
	}
	switch g {
	case Z2:
		return []Transform{{Perm: id, Sign: 1}, {Perm: id, Sign: -1}}
	case Translations:
		var out []Transform
		for a := 0; a < s.L1; a++ {
			for b := 0; b < s.L2; b++ {
				out = append(out, Transform{Perm: shift(s, a, b), Sign: 1})
			}
		}
		return out
	case C4, D4:
		var out []Transform
		p := id
		for k := 0; k < 4; k++ {
			out = append(out, Transform{Perm: p, Sign: 1})
			p = compose(rotate(s), p)
		}
		if g == D4 {
			m := reflect(s)
			for _, t := range out[:4] {
				out = append(out, Transform{Perm: compose(t.Perm, m), Sign: 1})
			}
		}
		return out
	}
	panic("ir: unknown group " + string(g))
}

// ProductElements returns all products of elements of the given groups (the
// group they generate, since the groups used here commute or normalise each
// other), identity first.
func ProductElements(groups []Group, s Shape) []Transform {
	n := s.Size()
	id := make([]int, n)
	for i := range id {
		id[i] = i
	}
	out := []Transform{{Perm: id, Sign: 1}}
	for _, g := range groups {
		var next []Transform
		for _, a := range out {
			for _, b := range Elements(g, s) {
				// (a∘b)·x = a·(b·x): (a(bx))_i = sa·(bx)[pa(i)] = sa·sb·x[pb(pa(i))].
				p := make([]int, n)
				for i := range p {
					p[i] = b.Perm[a.Perm[i]]
				}
				next = append(next, Transform{Perm: p, Sign: a.Sign * b.Sign})
			}
		}
		out = next
	}
	return out
}

// shift returns the permutation of (T·x)[r, c] = x[(r+a) mod L1, (c+b) mod L2],
// extended over channels.
func shift(s Shape, a, b int) []int {
	p := make([]int, s.Size())
	shiftInto(p, s, a, b)
	return p
}

// shiftInto writes the permutation of shift(s, a, b) to p.
func shiftInto(p []int, s Shape, a, b int) {
	C := max(s.C, 1)
	for r := 0; r < s.L1; r++ {
		for c := 0; c < s.L2; c++ {
			src := ((r+a)%s.L1)*s.L2 + (c+b)%s.L2
			for ch := 0; ch < C; ch++ {
				p[(r*s.L2+c)*C+ch] = src*C + ch
			}
		}
	}
}

// rotate returns the permutation of the 90° rotation (R·x)[r, c] = x[c, L−1−r]
// of a square lattice.
func rotate(s Shape) []int {
	C := max(s.C, 1)
	L := s.L1
	p := make([]int, s.Size())
	for r := 0; r < L; r++ {
		for c := 0; c < L; c++ {
			src := c*L + (L - 1 - r)
			for ch := 0; ch < C; ch++ {
				p[(r*L+c)*C+ch] = src*C + ch
			}
		}
	}
	return p
}

// reflect returns the permutation of the mirror (M·x)[r, c] = x[r, L−1−c].
func reflect(s Shape) []int {
	C := max(s.C, 1)
	L := s.L2
	p := make([]int, s.Size())
	for r := 0; r < s.L1; r++ {
		for c := 0; c < L; c++ {
			src := r*L + (L - 1 - c)
			for ch := 0; ch < C; ch++ {
				p[(r*L+c)*C+ch] = src*C + ch
			}
		}
	}
	return p
}

// compose returns the permutation of the map x ↦ a·(b·x): p[i] = b[a[i]].
func compose(a, b []int) []int {
	p := make([]int, len(a))
	for i := range p {
		p[i] = b[a[i]]
	}
	return p
}

// KernelOrbits returns, for a k×k kernel whose offsets
// (a, b) ∈ [−h, k−1−h]² (h = ⌊(k−1)/2⌋, index (a+h)·k + (b+h)) are acted on by
// the point group g (D4: the 8 rotations and reflections of the square; C4:
// the 4 rotations), the orbit of every offset, numbered in order of first
// appearance, and the number of orbits. k is odd, or equal to the size of
// the periodic lattice (an even kernel over the whole lattice, whose
// offsets are taken modulo k). A kernel constant on orbits is invariant
// under g, so its convolution commutes with g acting on the lattice.
func KernelOrbits(g Group, k int) (orbit []int, n int) {
	h := (k - 1) / 2
	wrap := func(a int) int { // into [−h, k−1−h], modulo k
		a = (a + h) % k
		if a < 0 {
			a += k
		}
		return a - h
	}
	idx := func(a, b int) int { return (wrap(a)+h)*k + (wrap(b) + h) }
	orbit = make([]int, k*k)
	for i := range orbit {
		orbit[i] = -1
	}
	for a := -h; a <= k-1-h; a++ {
		for b := -h; b <= k-1-h; b++ {
			if orbit[idx(a, b)] >= 0 {
				continue
			}
			// The images of (a, b): rotations (a, b) → (b, −a), and for D4
			// the reflections (a, b) → (a, −b) of each rotation.
			x, y := a, b
			for r := 0; r < 4; r++ {
				orbit[idx(x, y)] = n
				if g == D4 {
					orbit[idx(x, -y)] = n
				}
				x, y = y, -x
			}
			n++
		}
	}
	return orbit, n
}

// Randomizer draws uniformly random elements of the product of groups
// acting on inputs of one shape, without allocating (the ByRandom
// strategy). Translations are built on the fly; the elements of the other
// groups are tabulated.
type Randomizer struct {
	shape Shape
	trans bool
	small [][]Transform
	tmp   []int
}

// NewRandomizer returns a Randomizer for the product of groups acting on
// inputs of shape s.
func NewRandomizer(groups []Group, s Shape) *Randomizer {
	r := &Randomizer{shape: s, tmp: make([]int, s.Size())}
	for _, g := range groups {
		if g == Translations {
			r.trans = true
			continue
		}
		r.small = append(r.small, Elements(g, s))
	}
	return r
}

// Draw writes the permutation of a uniformly random element of the product
// to perm (length s.Size()) and returns its sign. Drawing a translation t
// and an element of each other group independently gives every element of
// the product exactly once (the groups here normalise one another).
func (r *Randomizer) Draw(rng *rand.Rand, perm []int) float64 {
	s := r.shape
	if r.trans {
		shiftInto(perm, s, rng.IntN(max(s.L1, 1)), rng.IntN(max(s.L2, 1)))
	} else {
		for i := range perm {
			perm[i] = i
		}
	}
	sign := 1.0
	for _, el := range r.small {
		g := el[rng.IntN(len(el))]
		// (p∘g)·x: the composed permutation is g.Perm[p[i]] (see
		// ProductElements).
		copy(r.tmp, perm)
		for i, j := range r.tmp {
			perm[i] = g.Perm[j]
		}
		sign *= g.Sign
	}
	return sign
}
