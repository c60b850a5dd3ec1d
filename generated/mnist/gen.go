package mnist

//go:generate go run -tags mafcgen ../../cmd/mafc gen -o . ../../testdata/mnist.maf
