package main

import "os"

func main() {
	r := ensureTorch(os.Stderr, debianPython, true)
	println("result:", r)
	_, d := torchEnv(2)
	println("blas dir:", d)
}
