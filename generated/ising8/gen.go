package ising8

//go:generate go run -tags mafcgen ../../cmd/mafc gen -o . ../../testdata/ising8.maf
