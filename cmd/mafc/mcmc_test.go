package main

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mafc-dev/mafc/data/npy"
	"github.com/mafc-dev/mafc/flow"
	"github.com/mafc-dev/mafc/generated/ising8"
)

// TestSampleMCMC checks mafc sample -mcmc: the chain's states are flow
// samples of the same seed (repeated where a proposal is rejected), start
// at the first sample, and come with their ln p.
func TestSampleMCMC(t *testing.T) {
	dir := t.TempDir()
	f, err := flow.New(ising8.New(), flow.Config{})
	require.NoError(t, err)
	ck := filepath.Join(dir, "m.ckpt")
	require.NoError(t, f.Save(ck))
	const n = 40
	xs, lps := filepath.Join(dir, "x.npy"), filepath.Join(dir, "lp.npy")
	code, stdout, stderr := mafc(t, "sample", "../../testdata/ising8.maf", "-ckpt", ck, "-n", "40", "-seed", "3", "-mcmc", "-o", xs, "-logp", lps)
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "independence Metropolis–Hastings over 40 flow samples: acceptance")
	x, _, err := npy.ReadFile(xs)
	require.NoError(t, err)
	lp, _, err := npy.ReadFile(lps)
	require.NoError(t, err)
	wantX, wantLp, err := f.Sample(n, 3)
	require.NoError(t, err)
	D := 64
	prev, moves := 0, 0
	for k := 0; k < n; k++ {
		found := -1
		for s := prev; s <= k && found < 0; s++ { // the chain only moves forward
			if assert.ObjectsAreEqualValues(wantX[s*D:(s+1)*D], x[k*D:(k+1)*D]) {
				found = s
			}
		}
		require.GreaterOrEqual(t, found, 0, "chain state %d is not one of the flow samples 0..%d", k, k)
		assert.Equal(t, wantLp[found], lp[k], "ln p of chain state %d", k)
		if found != prev {
			moves++
		}
		prev = found
	}
	assert.Equal(t, wantX[:D], x[:D], "the chain starts at the first sample")
	assert.Greater(t, moves, 0, "an untrained flow still gets some proposals accepted")
	assert.Less(t, moves, n-1, "and rejects others (its weights vary)")

	code, _, stderr = mafc(t, "sample", "../../testdata/mnist.maf", "-ckpt", ck, "-mcmc")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "-mcmc needs an Ising target")
}
