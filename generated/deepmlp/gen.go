package deepmlp

//go:generate go run -tags mafcgen ../../cmd/mafc gen -o . ../../testdata/deepmlp.maf
