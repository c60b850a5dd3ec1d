package ir

import "testing"

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
