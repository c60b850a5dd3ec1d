// Package ising16cnn4 is examples/ising16_cnn4.maf generated: the exactly
// symmetric CNN with 4 channels per convolution, the size that trains on two
// cores, benchmarked step by step against the paper's MLP.
package ising16cnn4

//go:generate go run -tags mafcgen ../../cmd/mafc gen -o . ../../examples/ising16_cnn4.maf
