package ising16f32

//go:generate go run -tags mafcgen ../../cmd/mafc gen -o . ../../testdata/ising16_f32.maf
