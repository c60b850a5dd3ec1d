package ising16cnnf32

//go:generate go run -tags mafcgen ../../cmd/mafc gen -o . ../../testdata/ising16_cnn_f32.maf
