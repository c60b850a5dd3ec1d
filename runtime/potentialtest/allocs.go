package potentialtest

import (
	"math/rand/v2"
	"testing"

	"github.com/mafc-dev/mafc/runtime"
)

func checkAllocs(t *testing.T, m runtime.Potential, rng *rand.Rand) {
	for _, tc := range newMethodBatch(m, rng, 2).calls(m, true) {
		if n := testing.AllocsPerRun(5, tc.f); n != 0 {
			t.Errorf("%s allocates %v times per call, want 0", tc.name, n)
		}
	}
}
