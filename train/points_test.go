package train_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mafc-dev/mafc/data/points"
	"github.com/mafc-dev/mafc/generated/ising8"
	"github.com/mafc-dev/mafc/ir"
	"github.com/mafc-dev/mafc/train"
)

// rowIDs returns the first coordinate of each point of a batch, which the
// test sets identify points by.
func rowIDs(x []float64, d int) []int {
	var ids []int
	for b := 0; b < len(x)/d; b++ {
		ids = append(ids, int(x[b*d]))
	}
	return ids
}

func TestPointsEpochs(t *testing.T) {
	const n, d = 10, 2
	s := &points.Set{Path: "p.csv", N: n, D: d}
	for i := 0; i < n; i++ {
		s.X = append(s.X, float64(i), -float64(i))
	}
	p, err := train.NewPoints(s, 0.3, 5)
	require.NoError(t, err)
	require.Len(t, p.Valid, 3)
	require.Len(t, p.Train, 7)

	// Two epochs in batches of 7: each is a permutation of the training
	// points, never a validation point, in different orders.
	x := make([]float64, 7*d)
	p.Next(x)
	e1 := rowIDs(x, d)
	assert.InDelta(t, 1.0, p.Epoch(), 1e-15, "Epoch after one pass")
	p.Next(x)
	e2 := rowIDs(x, d)
	for _, e := range [][]int{e1, e2} {
		sorted := slices.Sorted(slices.Values(e))
		assert.Equal(t, p.Train, sorted, "an epoch visits each training point once")
	}
	assert.NotEqual(t, e1, e2, "each epoch has its own order")

	// The same seed gives the same stream; a saved position resumes it.
	q, err := train.NewPoints(s, 0.3, 5)
	require.NoError(t, err)
	y := make([]float64, 3*d)
	q.Next(y)
	state, err := q.MarshalBinary()
	require.NoError(t, err)
	r, err := train.NewPoints(s, 0.3, 5)
	require.NoError(t, err)
	require.NoError(t, r.UnmarshalBinary(state))
	rest := make([]float64, 11*d)
	r.Next(rest)
	assert.Equal(t, append(rowIDs(y, d), rowIDs(rest, d)...), append(e1, e2...), "resumed stream")

	assert.ErrorContains(t, r.UnmarshalBinary([]byte{1}), "corrupt data-file stream state")
	bad := make([]byte, 16)
	bad[8] = 99
	assert.ErrorContains(t, r.UnmarshalBinary(bad), "position 99 is past the 7 training points")

	_, err = train.NewPoints(&points.Set{Path: "one.csv", N: 1, D: 2, X: []float64{1, 2}}, 0.5, 1)
	assert.ErrorContains(t, err, "one.csv: 1 points leave none for training")
}

func TestObjectiveForDataFile(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	for i := 0; i < 20; i++ {
		for j := 0; j < 64; j++ {
			if j > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, "%d", i)
		}
		b.WriteByte('\n')
	}
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "specs", "data"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "specs", "data", "pts.csv"), []byte(b.String()), 0o644))
	p := *ising8.Program()
	p.File = filepath.Join(dir, "specs", "m.maf")
	p.Train.Objective = ir.Objective{Kind: "likelihood", File: "data/pts.csv", Validation: 0.25}
	obj, err := train.ObjectiveFor(context.Background(), &p, 8, 3, "")
	require.NoError(t, err, "ObjectiveFor reads the file relative to the spec's directory")
	l := obj.(*train.Likelihood)
	pts := l.Data.(*train.Points)
	assert.Equal(t, 20, pts.Set.N)
	assert.Len(t, pts.Valid, 5)

	p.Train.Objective.File = "data/missing.csv"
	_, err = train.ObjectiveFor(context.Background(), &p, 8, 3, "")
	assert.ErrorContains(t, err, filepath.Join("specs", "data", "missing.csv"))

	require.NoError(t, os.WriteFile(filepath.Join(dir, "specs", "narrow.csv"), []byte("1,2\n3,4\n"), 0o644))
	p.Train.Objective.File = "narrow.csv"
	_, err = train.ObjectiveFor(context.Background(), &p, 8, 3, "")
	assert.ErrorContains(t, err, "narrow.csv: points have dimension 2 (2 columns), but the model's input has dimension 64")
}
