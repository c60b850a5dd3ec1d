// Package ising16cnnshift is ising16cnn generated with -jacobian=shift: the
// receptive-field Jacobian of the second convolution by the shifted-kernel
// GEMM J = X·B (the strategy before the orbit-factored one) instead of
// factored by the kernels' orbits, the baseline the factored strategy is
// tested and benchmarked against.
package ising16cnnshift

//go:generate go run -tags mafcgen ../../cmd/mafc gen -jacobian=shift -pkg ising16cnnshift -o . ../../testdata/ising16_cnn.maf
