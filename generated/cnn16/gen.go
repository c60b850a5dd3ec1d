package cnn16

//go:generate go run -tags mafcgen ../../cmd/mafc gen -o . ../../testdata/cnn16.maf
