package ir

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

func TestKernelOrbits(t *testing.T) {
	for _, tc := range []struct {
		g    Group
		k, n int
	}{{D4, 1, 1}, {D4, 3, 3}, {D4, 5, 6}, {D4, 7, 10}, {C4, 3, 3}, {C4, 5, 7}, {D4, 4, 6}, {D4, 16, 45}, {C4, 4, 6}} {
		orbit, n := KernelOrbits(tc.g, tc.k)
		if n != tc.n {
			t.Errorf("KernelOrbits(%s, %d) has %d orbits, want %d", tc.g, tc.k, n, tc.n)
		}
		for i, o := range orbit {
			if o < 0 || o >= n {
				t.Fatalf("KernelOrbits(%s, %d): offset %d has orbit %d", tc.g, tc.k, i, o)
			}
		}
	}
}

// TestRandomizerUniform: Draw gives elements of the product group, all of
// them, about equally often, and does not allocate.
func TestRandomizerUniform(t *testing.T) {
	s := Shape{L1: 3, L2: 3, C: 1}
	groups := []Group{Translations, D4, Z2}
	all := ProductElements(groups, s)
	key := func(perm []int, sign float64) string { return fmt.Sprint(perm, sign) }
	index := map[string]int{}
	for i, g := range all {
		index[key(g.Perm, g.Sign)] = i
	}
	if len(index) != 9*8*2 {
		t.Fatalf("product of translations × d4 × z2 on 3×3 has %d distinct elements, want 144", len(index))
	}
	r := NewRandomizer(groups, s)
	rng := rand.New(rand.NewPCG(1, 2))
	perm := make([]int, s.Size())
	counts := make([]int, len(all))
	const per = 200
	for range per * len(all) {
		sign := r.Draw(rng, perm)
		i, ok := index[key(perm, sign)]
		if !ok {
			t.Fatalf("Draw gave %v, %v: not an element of the group", perm, sign)
		}
		counts[i]++
	}
	for i, c := range counts {
		// Binomial(28800, 1/144): mean 200, sd ≈ 14.
		if c < per-80 || c > per+80 {
			t.Errorf("element %d drawn %d times, want about %d", i, c, per)
		}
	}
	if n := testing.AllocsPerRun(10, func() { r.Draw(rng, perm) }); n != 0 {
		t.Errorf("Draw allocates %v times", n)
	}
}
