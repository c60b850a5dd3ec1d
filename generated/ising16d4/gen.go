package ising16d4

//go:generate go run -tags mafcgen ../../cmd/mafc gen -o . ../../testdata/ising16_d4.maf
