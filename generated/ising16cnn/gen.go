package ising16cnn

//go:generate go run -tags mafcgen ../../cmd/mafc gen -o . ../../testdata/ising16_cnn.maf
