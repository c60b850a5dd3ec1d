// Package gemm provides Dgemm and Sgemm behind gonum's BLAS interfaces,
// backed by AVX2/FMA and AVX-512 assembly micro-kernels.
//
// Implementation embeds gonum's pure-Go Implementation, so every other BLAS
// routine is gonum's; Use installs it for blas64 and blas32 (and so for
// gonum/mat). DgemmPacked and SgemmPacked take a right-hand operand packed
// once in advance (PackedB64, PackedB32). On CPUs without AVX2+FMA, on other
// architectures, or when built with the noasm tag, Dgemm and Sgemm delegate
// to gonum, and so do the packed variants (on a plain copy of B). Built with
// the openblas tag they call OpenBLAS instead (see the last section).
//
// # Algorithm
//
// The driver follows the Goto/BLIS scheme, written for row-major storage:
//
//	for jc over n in blocks of NC            (B block lives in L3)
//	  for pc over k in blocks of KC
//	    pack op(B)[pc:, jc:] into KC×NC, as NR-column micro-panels
//	    for ic over m in blocks of MC        (A block lives in L2)
//	      pack op(A)[ic:, pc:] into MC×KC, as MR-row micro-panels
//	      for jr over the NR-column micro-panels   (B sliver stays in L1)
//	        for ir over the MR-row micro-panels
//	          micro-kernel: C[ir:ir+MR, jr:jr+NR] = alpha·Ap·Bp + beta·C
//
// beta is applied in the first KC block only (later blocks accumulate with
// beta = 1); with beta == 0 the kernel never reads C, so NaNs there do not
// propagate. Block sizes are balanced (k = 784 gives four blocks of 196,
// not 3×256+16) so that no block is a sliver.
//
// Micro-tiles: 6×8 for float64 and 6×16 for float32. Each is 6 rows × two
// 256-bit vectors, so 12 of the 16 YMM registers hold accumulators, two hold
// a row of the packed B panel and two the broadcast elements of A: per step
// 2 loads + 6 broadcasts feed 12 FMAs, which keeps both FMA pipes of
// Zen 3 / Haswell-class cores busy (12 independent chains ≥ 2 pipes × 4-cycle
// latency). The rows of C are the contiguous direction, so the tile is
// stored with plain vector stores. Partial tiles at the bottom/right edges
// are computed from zero-padded panels into a stack buffer and only their
// valid part is merged into C, so nothing outside the m×n matrix (such as
// the padding between rows when ldc > n) is ever written.
//
// # AVX-512
//
// On CPUs with AVX-512F (and an operating system that saves the ZMM
// registers; golang.org/x/sys/cpu checks both), pairs of full B micro-panels
// go through kernels twice as wide, 6×16 for float64 and 6×32 for float32
// (kernel512_amd64.s): one 512-bit vector per row and panel, 12 of the 32
// ZMM registers as accumulators, the two B rows read from the two adjacent
// panels bs elements apart, so the packed layouts (and PackedB64/PackedB32)
// are those of the AVX2 kernels, which still compute the remaining single
// panels and the edge tiles. On cores with two 512-bit FMA pipes this
// doubles the peak (README, "Kernels and training steps", has the rates
// measured with BenchmarkKernelWide and BenchmarkDgemm, with and without
// MAFC_GEMM=avx2).
// Setting the environment variable MAFC_GEMM=avx2 keeps the AVX2 kernels
// (for comparisons); Name says which are in use.
//
// Cache blocks (chosen for 32 KiB L1d, 512 KiB–1 MiB L2 per core and a
// shared L3, then checked on an AMD EPYC Zen 3; measured differences between
// the neighbouring choices were within the noise of the shared machine):
//
//	float64: KC = 256: B sliver KC×NR×8 B = 16 KiB + A sliver KC×MR×8 B = 12 KiB fit L1
//	         MC = 120: A block MC×KC×8 B = 240 KiB, about half of L2
//	         NC = 2048: B block KC×NC×8 B = 4 MiB, in L3
//	float32: KC = 256: B sliver 16 KiB + A sliver 6 KiB in L1
//	         MC = 120: A block 120 KiB in L2
//	         NC = 2048: B block 2 MiB in L3
//
// Packing is in Go except for the two transposing cases of A, which are in
// assembly with software prefetch (they dominate for narrow n such as
// (1024×784)·(784×100), where every element of A is used only 2·n times).
// Products with m·n·k < 512 go to gonum, where packing does not pay.
//
// # Few rows
//
// Edge panels with 1–4 rows (and so DgemmPacked with m ≤ 4) use narrow
// r×NR kernels (kernel_small_amd64.s, written by gen_kernel_small.go)
// instead of the zero-padded 6-row kernel, which would waste up to 5/6 of
// its FMAs; their panels of A need no zero padding either. Dgemm and Sgemm
// with m ≤ 4 do not pack at all: packing B (k×n) costs more than m
// matrix-vector products that stream B in place, so they run as m calls of
// gonum's Dgemv/Sgemv, whose inner loops are in assembly (dgemmRows),
// several times faster than packing for m = 1; float64 Aᵀ·B products with
// AVX-512 run in place instead (In-place Aᵀ·B).
//
// # Pre-packed B
//
// When the same B takes part in many products with few rows, as a weight
// matrix W in X·Wᵀ with a micro-batch X, packing B dominates (for m = 1 and
// a 1024×1024 W, 72% of the time was dgemmPackB). PackedB64/PackedB32 pack
// op(B) once, over the whole depth k in NR-column micro-panels (layout in
// packed.go), and DgemmPacked/SgemmPacked run the loop nest above with the
// B-packing step removed: each call packs only A (m×k) and runs the
// micro-kernels, reading the KC×NC blocks of B in place (the macro-kernel
// takes the distance between micro-panels, kc·NR for the per-call buffer,
// k·NR for a packed operand). The thread planner drops the B-packing cost
// from its model for them.
//
// # Unpacked A
//
// The convolutions' products are tall and narrow: m = sites × samples, k =
// channels (16) or patch taps (25), n = 16 to 48. Packing an MC×KC block of
// A costs about as much as running the kernel over two NR-column panels of
// it, a third of a 48-column product's time and as much as a 16-column
// one's. For a block with n ≤ 8·NR columns or depth kc ≤ 32 (and A not
// transposed) the driver runs the full MR-row panels through kernels that
// broadcast A's elements from its rows in place (dgemmKernelU and
// dgemmKernel16U, row r at a[r·lda:]; a last partial NR-column panel into
// a scratch tile, as the packed path does); only the edge rows go through a
// packed panel. Every element of C gets its products in the same
// order, so the results are bitwise those of the packed path
// (TestUnpackedAIdentical); BenchmarkUnpackedA compares the two.
//
// # In-place Aᵀ·B
//
// The kernel gradients are the other way round: C = Aᵀ·B with A (k×m) and
// B (k×n) both tall (k = sites × samples of a chunk) and m, n ≤ 64 (or m ≤
// 16 and any n, such as the orbit products' gradient, 16×288). The
// packed path would copy all of A, transposed, and all of B for a product
// that uses each element m or n times. With AVX-512, dgemmTN (tn.go,
// tn512_amd64.s) reads both in place: tiles of 8, 4, 2 or 1 rows of C by 16
// columns, B's row in two vectors masked at C's right edge, A's elements
// broadcast from its rows, over the packed path's depth blocks and with one
// fused multiply-add chain per element, so that for beta 0 or 1 every
// element has the packed path's bits (the rows of a last panel of 1–3 rows,
// which the narrow kernels sum in several chains, stay packed;
// TestTNIdentical). Products of at most four rows take it too, instead of
// gonum's matrix–vector products (Few rows). BenchmarkTN compares them on
// the convolutions' shapes: 2.1–3.0× as fast for one-sample chunks. Set
// MAFC_GEMM_TN=off to keep the old paths.
//
// # Threads
//
// Products with m·n·k ≥ 128³ are cut into a grid of blocks of C chosen by a
// small cost model (flops, packing, per-task overhead and load balance);
// the blocks are independent, so the only synchronisation is an atomic task
// counter. The caller works on its own call and posts up to Threads()-1
// tokens to a persistent pool of worker goroutines; see threads.go. Calls
// from several goroutines at once are safe and never wait on each other's
// work. SetThreads limits the goroutines per call (default GOMAXPROCS;
// 1 runs everything on the caller's goroutine).
//
// In the steady state Dgemm, Sgemm, DgemmPacked and SgemmPacked do not
// allocate: packing buffers live
// in per-goroutine arenas recycled through a free list, jobs are recycled
// the same way, and workers are fed value-type tokens over a channel.
//
// # Subnormal numbers
//
// Intel cores take a microcode assist, about a hundred times the cost of an
// FMA, for every subnormal operand or result: Sgemm 256³ with half of A's
// entries subnormal ran 50 times slower than with ordinary values, and
// with normal operands whose products are subnormal about 100 times
// (measured on a Sapphire Rapids Xeon; saturated activations of a float32
// network give such derivatives). So every micro-kernel sets MXCSR's
// flush-to-zero and denormals-are-zero bits (0x8040) on entry and restores
// the saved MXCSR before it returns, as the Go ABI requires (STMXCSR,
// LDMXCSR; Go never preempts assembly asynchronously, and Linux starts
// signal handlers with the default MXCSR, so no Go code runs with the bits
// set). Subnormal entries of A, B and C then count as 0 and subnormal
// results (products, partial sums, the scaling by alpha and beta) become
// 0: an element of C moves by at most about
// τ·(|alpha|·(k + Σ_p (|a_ip| + |b_pj|)) + |beta| + 2), τ the smallest
// normal (2⁻¹²⁶ resp. 2⁻¹⁰²²), far below the rounding error unless the data
// lie at the bottom of the range. BenchmarkSubnormal shows the three cases
// side by side. The switch costs about 1.3 ns per call of an AVX2 6-row
// kernel (4% of a 6×16×16 tile, none measurable from k = 64) and nothing
// measurable for the AVX-512 ones; whole products up to 24³ became 2–7%
// slower, from 32³ on the difference is within the noise (±2%). The paths
// that do not run the micro-kernels are unchanged and not protected:
// products with m·n·k < 512 (gonum), Dgemm and Sgemm with m ≤ 4 (gonum's
// Dgemv/Sgemv) and the openblas build.
//
// # One source for both precisions
//
// The float32 half of the package is generated from the float64 half, as
// gonum generates its single precision: gen_single.go (go generate) writes
// sgemm.go, packed32.go, sgemm_amd64.go and sgemm_other.go from dgemm.go,
// packed64.go, dgemm_amd64.go and dgemm_other.go by renaming float64 to
// float32, dgemm to sgemm and Dgemm to Sgemm (package internal/single has
// the exact rules). Only the block sizes (blocksize.go) and the assembly
// differ by hand. Edit the float64 files and run go generate;
// TestSingleUpToDate fails when a float32 file is stale.
//
// # OpenBLAS backend (build tag openblas)
//
// The default build is pure Go plus Go assembly and needs no C toolchain.
// Built with the tag openblas (and cgo enabled), Dgemm and Sgemm call
// OpenBLAS's cblas_dgemm/cblas_sgemm (row-major) instead of the kernels
// above, for comparisons or on CPUs without AVX2/FMA:
//
//	apt-get install libopenblas-dev     # headers (cblas.h) and -lopenblas
//	go build -tags openblas ./...
//	go test -tags openblas ./...
//
// What changes with the tag:
//
//   - Dgemm and Sgemm keep this package's argument checks (gonum's panics),
//     the quick return for m == 0 or n == 0, C = beta·C without reading A
//     and B for alpha == 0 or k == 0, and gonum for m·n·k < 512 (where the
//     cgo call alone costs more than the product); everything else,
//     including few rows, is one cgo call to cblas_?gemm with pointers to
//     the first elements (no allocation). With beta == 0 OpenBLAS does not
//     read C either, so NaNs there do not propagate.
//   - PackedB64.Pack and PackedB32.Pack keep a compact copy of B (the same
//     plain layout as the gonum fallback) and DgemmPacked/SgemmPacked
//     hand it to Dgemm/Sgemm, and so to OpenBLAS, with the same results.
//   - Name reports "openblas (cblas): " and OpenBLAS's configuration
//     string (version, kernel, thread limit), and so does kern.BLASName.
//   - Threads are OpenBLAS's own pool: SetThreads(n) calls
//     openblas_set_num_threads(n) (so the trainer's cores/goroutines
//     setting does not oversubscribe), and the default (n ≤ 0) is the
//     count OpenBLAS started with (OPENBLAS_NUM_THREADS, or the number of
//     CPUs). The setting is process-wide: change it only between products.
//     OpenBLAS's idle workers spin for a while after a multithreaded call,
//     taking CPU from goroutines; OPENBLAS_THREAD_TIMEOUT=4 shortens that.
//
// The cgo binding is the package internal/openblas, separate because Go
// does not allow cgo in a package with assembly files; without the tag (or
// with CGO_ENABLED=0) it is empty and this package is unchanged.
package gemm
