//go:build amd64 && !noasm

package gemm

import (
	"os"

	"golang.org/x/sys/cpu"
)

// haveAsm reports whether the assembly micro-kernels can run on this CPU.
var haveAsm = cpu.X86.HasAVX2 && cpu.X86.HasFMA

// haveWide reports whether the AVX-512 kernels (dgemmKernel16,
// sgemmKernel32) can run: AVX-512F with the operating system saving the
// ZMM state, which x/sys/cpu checks.
var haveWide = haveAsm && cpu.X86.HasAVX512F

// useWide selects the AVX-512 kernels for pairs of full B micro-panels. It
// starts as haveWide; tests and benchmarks switch it off to compare with
// the AVX2 kernels, and the environment variable MAFC_GEMM=avx2 does so
// for a whole program.
var useWide = haveWide && os.Getenv("MAFC_GEMM") != "avx2"

// The Go declarations of the assembly kernels and packers are in
// dgemm_amd64.go and sgemm_amd64.go; gen_kernel_small.go writes the narrow
// kernels' assembly, kernel_small_amd64.s.
//
//go:generate go run gen_kernel_small.go
