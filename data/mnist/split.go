package mnist

import (
	"fmt"
	"math/rand/v2"
	"slices"

	"github.com/mafc-dev/mafc/data/shuffle"
)

// Sizes of the paper's split of the official training set.
const (
	TrainSize = 50000 // training images after the split
	ValidSize = 10000 // validation images held out of the official training set
)

// PCG stream constants (the second PCG seed word) that keep the random
// streams of this package apart for equal user seeds.
const (
	splitStream uint64 = 0x6d6e6973742f7370 // "mnist/sp": train/validation split
	epochStream uint64 = 0x6d6e6973742f6570 // "mnist/ep": per-epoch permutations
	noiseStream uint64 = 0x6d6e6973742f6e7a // "mnist/nz": training dequantisation noise
)

// Split is a partition of the official training images into training and
// validation indices (rows of Set.TrainImages), each in increasing order.
type Split struct {
	Seed  uint64
	Train []int // TrainSize indices for MNIST
	Valid []int // ValidSize indices
}

// Split returns the paper's seeded random split of the training images:
// ValidSize images for validation and the rest (50,000 for MNIST) for
// training. It is SplitIndices(s.NumTrain(), ValidSize, seed).
func (s *Set) Split(seed uint64) (*Split, error) {
	train, valid, err := SplitIndices(s.NumTrain(), ValidSize, seed)
	if err != nil {
		return nil, err
	}
	return &Split{Seed: seed, Train: train, Valid: valid}, nil
}

// SplitIndices partitions 0..n−1 at random into n − nValid training and
// nValid validation indices, both sorted. The partition is a pure function
// of (n, nValid, seed): a Fisher-Yates shuffle driven by
// rand.NewPCG(seed, splitStream) with unbiased bounded draws implemented in
// this package, so it does not change with the Go version.
func SplitIndices(n, nValid int, seed uint64) (train, valid []int, err error) {
	if err := checkSplit(n, nValid); err != nil {
		return nil, nil, err
	}
	perm := make([]int, n)
	for i := range perm {
		perm[i] = i
	}
	shuffle.Shuffle(perm, rand.NewPCG(seed, splitStream))
	train, valid = perm[:n-nValid:n-nValid], perm[n-nValid:]
	slices.Sort(train)
	slices.Sort(valid)
	return train, valid, nil
}

// SplitTail is the deterministic split that takes the last nValid indices
// for validation. The MAF reference code reads deeplearning.net's
// mnist.pkl.gz, whose validation set is (to our knowledge) the last 10,000
// official training images; SplitTail(60000, 10000) reproduces that.
func SplitTail(n, nValid int) (train, valid []int, err error) {
	if err := checkSplit(n, nValid); err != nil {
		return nil, nil, err
	}
	all := make([]int, n)
	for i := range all {
		all[i] = i
	}
	return all[: n-nValid : n-nValid], all[n-nValid:], nil
}

func checkSplit(n, nValid int) error {
	if nValid < 1 || nValid >= n {
		return fmt.Errorf("mnist: cannot split %d images into %d training and %d validation images", n, n-nValid, nValid)
	}
	return nil
}
