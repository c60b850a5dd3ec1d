package resnet

//go:generate go run -tags mafcgen ../../cmd/mafc gen -o . ../../testdata/resnet.maf
