package cnn8gated

//go:generate go run -tags mafcgen ../../cmd/mafc gen -o . ../../testdata/cnn8_gated.maf
