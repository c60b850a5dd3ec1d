//go:build amd64 && !noasm

package gemm

import (
	"fmt"
	"testing"
)

// BenchmarkKernel measures the micro-kernels alone on L1-resident panels:
// the ceiling for the whole driver.
func BenchmarkKernel(b *testing.B) {
	if !haveAsm {
		b.Skip("no AVX2/FMA")
	}
	for _, kc := range []int{64, 256} {
		b.Run(fmt.Sprintf("d6x8/k=%d", kc), func(b *testing.B) {
			ap := make([]float64, kc*dgemmMR)
			bp := make([]float64, kc*dgemmNR)
			c := make([]float64, dgemmMR*dgemmNR)
			reportFlops(b, 2*float64(dgemmMR*dgemmNR*kc), func() {
				dgemmKernel(kc, &ap[0], &bp[0], &c[0], dgemmNR, 1, 1)
			})
		})
		b.Run(fmt.Sprintf("s6x16/k=%d", kc), func(b *testing.B) {
			ap := make([]float32, kc*sgemmMR)
			bp := make([]float32, kc*sgemmNR)
			c := make([]float32, sgemmMR*sgemmNR)
			reportFlops(b, 2*float64(sgemmMR*sgemmNR*kc), func() {
				sgemmKernel(kc, &ap[0], &bp[0], &c[0], sgemmNR, 1, 1)
			})
		})
	}
}

// BenchmarkKernelWide measures the AVX-512 kernels alone on L1-resident
// panels, next to BenchmarkKernel's AVX2 ones.
func BenchmarkKernelWide(b *testing.B) {
	if !haveWide {
		b.Skip("no AVX-512")
	}
	for _, kc := range []int{64, 256} {
		b.Run(fmt.Sprintf("d6x16/k=%d", kc), func(b *testing.B) {
			ap := make([]float64, kc*dgemmMR)
			bp := make([]float64, 2*kc*dgemmNR)
			c := make([]float64, dgemmMR*2*dgemmNR)
			reportFlops(b, 2*float64(dgemmMR*2*dgemmNR*kc), func() {
				dgemmKernel16(kc, &ap[0], &bp[0], kc*dgemmNR, &c[0], 2*dgemmNR, 1, 1)
			})
		})
		b.Run(fmt.Sprintf("s6x32/k=%d", kc), func(b *testing.B) {
			ap := make([]float32, kc*sgemmMR)
			bp := make([]float32, 2*kc*sgemmNR)
			c := make([]float32, sgemmMR*2*sgemmNR)
			reportFlops(b, 2*float64(sgemmMR*2*sgemmNR*kc), func() {
				sgemmKernel32(kc, &ap[0], &bp[0], kc*sgemmNR, &c[0], 2*sgemmNR, 1, 1)
			})
		})
	}
}
