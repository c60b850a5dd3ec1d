package shuffle

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestShuffleUniform(t *testing.T) {
	// All 6 permutations of 3 elements appear with frequency ≈ 1/6.
	src := rand.NewPCG(5, 6)
	counts := map[[3]int]int{}
	const n = 60000
	for range n {
		p := []int{0, 1, 2}
		Shuffle(p, src)
		counts[[3]int(p)]++
	}
	require.Len(t, counts, 6)
	for _, c := range counts {
		assert.InDelta(t, n/6, c, 400)
	}
	// bounded stays in range, including for n not a power of two.
	for _, m := range []uint64{1, 3, 7, 1 << 40, 1<<63 + 5} {
		for range 100 {
			assert.Less(t, Bounded(src, m), m)
		}
	}
}

// TestPermutationPinned: the same seed gives the same permutation on every
// Go version (the values are pinned).
func TestPermutationPinned(t *testing.T) {
	require.Equal(t, []int{1, 2, 5, 0, 3, 7, 4, 6}, Permutation(8, 1, 2))
	require.NotEqual(t, Permutation(8, 1, 2), Permutation(8, 1, 3))
}
