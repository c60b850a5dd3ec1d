package narrow

//go:generate go run -tags mafcgen ../../cmd/mafc gen -o . ../../testdata/narrow.maf
