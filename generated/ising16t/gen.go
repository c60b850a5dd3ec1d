package ising16t

//go:generate go run -tags mafcgen ../../cmd/mafc gen -o . ../../testdata/ising16_t.maf
