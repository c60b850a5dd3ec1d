package ising16

//go:generate go run -tags mafcgen ../../cmd/mafc gen -o . ../../testdata/ising16.maf
