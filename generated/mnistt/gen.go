package mnistt

//go:generate go run -tags mafcgen ../../cmd/mafc gen -o . ../../testdata/mnist_t.maf
