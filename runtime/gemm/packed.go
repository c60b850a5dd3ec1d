package gemm

// Pre-packed right-hand operands.
//
// A weight matrix W that stays constant between optimiser steps but takes
// part in thousands of products per step only needs to be packed once:
// PackedB64.Pack (PackedB32.Pack) converts op(B) into the micro-panel layout
// the kernels read, and DgemmPacked (SgemmPacked) runs the usual Goto/BLIS
// loop nest with the B-packing step removed, so a call with few rows costs
// only packing A (m×k) and the micro-kernels.
//
// Packed layout (assembly path). op(B), k×n, is cut into ⌈n/NR⌉ micro-panels
// of NR consecutive columns (NR = 8 for float64, 16 for float32). Each panel
// covers the whole depth k and stores the NR elements of each row of op(B)
// contiguously, so
//
//	op(B)[p, j] = data[(j/NR)·NR·k + p·NR + j%NR]
//
// and the columns of the last panel past n are zero. The total size is
// k·⌈n/NR⌉·NR elements. This is exactly what the driver packs per KC×NC
// block (dgemmPackB with kc = k), except that the micro-panels are k rows
// deep instead of kc: the kc×nc block at (pc, jc) is the rows pc…pc+kc-1 of
// the panels jc/NR, jc/NR+1, …, each still a contiguous kc×NR sliver, with
// the panels k·NR elements apart. The macro-kernel takes that distance as a
// parameter, so the blocks are read in place for any KC blocking (k is
// balanced per call as for Dgemm) and for any NR-aligned column split the
// thread planner chooses; nothing is repacked per call.
//
// Fallback (no AVX2/FMA, other architectures, the noasm tag, or the
// package's test switch forceFallback at Pack time) and the OpenBLAS
// backend (build tag openblas): Pack keeps a compact copy of B in its
// stored orientation and DgemmPacked hands it to Dgemm, that is to gonum
// (or OpenBLAS), with the same results as calling Dgemm on the original B.

// grow returns s resized to n elements, reusing its memory when the
// capacity allows. The contents are not preserved.
func grow[T float32 | float64](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}

// checkPackArgs validates the arguments of Pack.
func checkPackArgs(tB bool, k, n, lenB, ldb int) {
	if k < 0 {
		panic("gemm: k < 0")
	}
	if n < 0 {
		panic("gemm: n < 0")
	}
	rows, cols := k, n
	if tB {
		rows, cols = n, k
	}
	if ldb < max(1, cols) {
		panic("gemm: bad ldb")
	}
	if rows > 0 && cols > 0 && lenB < (rows-1)*ldb+cols {
		panic("gemm: insufficient length of b")
	}
}

// checkPackedArgs validates the arguments of DgemmPacked and SgemmPacked
// (n and k come from the packed operand).
func checkPackedArgs(tA bool, m, n, k, lenA, lda, lenC, ldc int) {
	if m < 0 {
		panic("gemm: m < 0")
	}
	rows, cols := m, k
	if tA {
		rows, cols = k, m
	}
	if lda < max(1, cols) {
		panic("gemm: bad lda")
	}
	if ldc < max(1, n) {
		panic("gemm: bad ldc")
	}
	if rows > 0 && cols > 0 && lenA < (rows-1)*lda+cols {
		panic("gemm: insufficient length of a")
	}
	if m > 0 && n > 0 && lenC < (m-1)*ldc+n {
		panic("gemm: insufficient length of c")
	}
}
