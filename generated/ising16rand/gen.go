package ising16rand

//go:generate go run -tags mafcgen ../../cmd/mafc gen -o . ../../testdata/ising16_rand.maf
