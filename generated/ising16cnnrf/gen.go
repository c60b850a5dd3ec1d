// Package ising16cnnrf is ising16cnn generated with -jacobian=rf: the
// receptive-field Jacobian of the second convolution by im2col of the
// first layer's window Jacobians instead of shifted-kernel GEMMs, the
// baseline the shifted-kernel strategy is tested and benchmarked against.
package ising16cnnrf

//go:generate go run -tags mafcgen ../../cmd/mafc gen -jacobian=rf -pkg ising16cnnrf -o . ../../testdata/ising16_cnn.maf
