package chain64

//go:generate go run -tags mafcgen ../../cmd/mafc gen -o . ../../testdata/chain64.maf
