package mnistf32

//go:generate go run -tags mafcgen ../../cmd/mafc gen -o . ../../testdata/mnist_f32.maf
