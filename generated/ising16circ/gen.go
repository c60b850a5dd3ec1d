package ising16circ

//go:generate go run -tags mafcgen ../../cmd/mafc gen -o . ../../testdata/ising16_circ.maf
