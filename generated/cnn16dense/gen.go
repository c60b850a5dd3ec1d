// Package cnn16dense is cnn16 generated with -jacobian=dense: plain
// forward-Laplacian propagation with D Jacobian rows per sample, the baseline
// the receptive-field strategy is benchmarked against.
package cnn16dense

//go:generate go run -tags mafcgen ../../cmd/mafc gen -jacobian=dense -pkg cnn16dense -o . ../../testdata/cnn16.maf
