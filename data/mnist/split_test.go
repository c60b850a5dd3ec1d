package mnist

import (
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSplitIndices(t *testing.T) {
	train, valid, err := SplitIndices(NumTrain, ValidSize, 1)
	require.NoError(t, err)
	require.Len(t, train, TrainSize)
	require.Len(t, valid, ValidSize)
	assert.True(t, slices.IsSorted(train))
	assert.True(t, slices.IsSorted(valid))
	all := append(slices.Clone(train), valid...)
	slices.Sort(all)
	assert.Equal(t, Indices(NumTrain), all, "train and valid partition 0..59999")

	// Deterministic for a seed, different for different seeds.
	train2, valid2, err := SplitIndices(NumTrain, ValidSize, 1)
	require.NoError(t, err)
	assert.Equal(t, train, train2)
	assert.Equal(t, valid, valid2)
	_, valid3, err := SplitIndices(NumTrain, ValidSize, 2)
	require.NoError(t, err)
	assert.NotEqual(t, valid, valid3)

	// Regression values: the split must never change, or published
	// numbers stop being comparable.
	assert.Equal(t, []int{4, 5, 7, 13, 18}, valid[:5])
	assert.Equal(t, []int{59973, 59980, 59990, 59996, 59997}, valid[len(valid)-5:])

	// Roughly uniform: each sixth of the data gives about a sixth of the
	// validation set.
	var sixths [6]int
	for _, v := range valid {
		sixths[v/10000]++
	}
	for _, c := range sixths {
		assert.InDelta(t, ValidSize/6, c, 200)
	}
}

func TestSplitErrors(t *testing.T) {
	for _, tc := range []struct{ n, nValid int }{{10, 0}, {10, 10}, {10, 11}, {0, 0}, {5, -1}} {
		_, _, err := SplitIndices(tc.n, tc.nValid, 0)
		assert.ErrorContains(t, err, "mnist: cannot split")
		_, _, err = SplitTail(tc.n, tc.nValid)
		assert.Error(t, err)
	}
	s := &Set{TrainLabels: make([]uint8, ValidSize)}
	_, err := s.Split(0)
	assert.EqualError(t, err, "mnist: cannot split 10000 images into 0 training and 10000 validation images")
}

func TestSplitTail(t *testing.T) {
	train, valid, err := SplitTail(NumTrain, ValidSize)
	require.NoError(t, err)
	assert.Equal(t, Indices(TrainSize), train)
	assert.Equal(t, TrainSize, valid[0])
	assert.Equal(t, NumTrain-1, valid[ValidSize-1])
}

func TestSetSplit(t *testing.T) {
	s := &Set{TrainLabels: make([]uint8, NumTrain)}
	sp, err := s.Split(99)
	require.NoError(t, err)
	train, valid, err := SplitIndices(NumTrain, ValidSize, 99)
	require.NoError(t, err)
	assert.Equal(t, &Split{Seed: 99, Train: train, Valid: valid}, sp)
}
