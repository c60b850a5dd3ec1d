//go:build amd64 && !noasm

#include "textflag.h"

#include "ftz_amd64.h"

// AVX-512 kernels for C = alpha·Aᵀ·B + beta·C with A (k×m) and B (k×n)
// row-major and read in place (dgemmTN in tn.go): a tile of R = 8, 4, 2 or 1
// rows of C (R adjacent columns of A) by up to 16 columns (two vectors of
// B's row, the columns past the tile's width masked off by K1 and K2):
//
//	acc = Σ_p A[p, i:i+R]ᵀ · B[p, j:j+16]    p = 0, 1, …, k−1 in order
//	C   = alpha·acc            if beta == ±0 (C is not read)
//	C   = alpha·acc + beta·C   otherwise
//
// Each element of C gets its products in the packed kernels' order (one
// fused multiply-add per p into an accumulator that starts at zero, then
// the same epilogue), so the results are bitwise theirs. Register use:
// Z0–Z15 the R×2 accumulators (row r in Z(2r) and Z(2r+1)), Z16/Z17 B's
// row, Z18–Z21 the broadcast elements of A, Z28–Z31 the epilogue.
//
// Arguments: k+0, a+8, lda+16, b+24, ldb+32, c+40, ldc+48 (strides in
// elements), alpha+56, beta+64, mask+72 (bit j set: column j of the tile
// is inside C; bits 0–7 for the first vector, 8–15 for the second).

// TNSETUP loads the arguments: CX = k, AX = a, R8 = lda in bytes, BX = b,
// R9 = ldb in bytes, DI = c, DX = ldc in bytes, K1/K2 = the column masks.
#define TNSETUP \
	MOVQ  k+0(FP), CX      \
	MOVQ  a+8(FP), AX      \
	MOVQ  lda+16(FP), R8   \
	SHLQ  $3, R8           \
	MOVQ  b+24(FP), BX     \
	MOVQ  ldb+32(FP), R9   \
	SHLQ  $3, R9           \
	MOVQ  c+40(FP), DI     \
	MOVQ  ldc+48(FP), DX   \
	SHLQ  $3, DX           \
	MOVQ  mask+72(FP), R10 \
	KMOVW R10, K1          \
	SHRQ  $8, R10          \
	KMOVW R10, K2

// TNLOADB loads row p of B's tile (masked, zero outside C) into Z16/Z17.
#define TNLOADB \
	VMOVUPD.Z (BX), K1, Z16 \
	VMOVUPD.Z 64(BX), K2, Z17

// TNROW adds A[p, i+r]·B[p, j:j+16] (A's element at off(AX), broadcast
// in zb) to the accumulator pair ra, rb.
#define TNROW(off, zb, ra, rb) \
	VBROADCASTSD off(AX), zb \
	VFMADD231PD  Z16, zb, ra \
	VFMADD231PD  Z17, zb, rb

// TNFMAROW computes ra += beta·C[row], rb likewise (beta in Z31), stores
// the row under the masks and advances DI by DX.
#define TNFMAROW(ra, rb) \
	VMOVUPD.Z   (DI), K1, Z28   \
	VMOVUPD.Z   64(DI), K2, Z29 \
	VFMADD231PD Z28, Z31, ra    \
	VFMADD231PD Z29, Z31, rb    \
	VMOVUPD     ra, K1, (DI)    \
	VMOVUPD     rb, K2, 64(DI)  \
	ADDQ        DX, DI

// TNSTROW stores a row under the masks and advances DI by DX.
#define TNSTROW(ra, rb) \
	VMOVUPD ra, K1, (DI)   \
	VMOVUPD rb, K2, 64(DI) \
	ADDQ    DX, DI

// TNALPHA scales the accumulator pair ra, rb by alpha (in Z30).
#define TNALPHA(ra, rb) \
	VMULPD Z30, ra, ra \
	VMULPD Z30, rb, rb

// TNRET restores MXCSR and returns.
#define TNRET \
	FTZOFF     \
	VZEROUPPER \
	RET

// TNBETA loads alpha into Z30, beta into Z31 and beta's bits shifted left
// by one (zero for beta = ±0) into R11.
#define TNBETA \
	VBROADCASTSD alpha+56(FP), Z30 \
	VBROADCASTSD beta+64(FP), Z31  \
	MOVQ         beta+64(FP), R11  \
	SHLQ         $1, R11

// func dgemmKernelTN8(k int, a *float64, lda int, b *float64, ldb int, c *float64, ldc int, alpha, beta float64, mask uint64)
TEXT ·dgemmKernelTN8(SB), NOSPLIT, $8-80
	FTZON
	TNSETUP
	VPXORQ Z0, Z0, Z0
	VPXORQ Z1, Z1, Z1
	VPXORQ Z2, Z2, Z2
	VPXORQ Z3, Z3, Z3
	VPXORQ Z4, Z4, Z4
	VPXORQ Z5, Z5, Z5
	VPXORQ Z6, Z6, Z6
	VPXORQ Z7, Z7, Z7
	VPXORQ Z8, Z8, Z8
	VPXORQ Z9, Z9, Z9
	VPXORQ Z10, Z10, Z10
	VPXORQ Z11, Z11, Z11
	VPXORQ Z12, Z12, Z12
	VPXORQ Z13, Z13, Z13
	VPXORQ Z14, Z14, Z14
	VPXORQ Z15, Z15, Z15

tn8loop:
	TNLOADB
	TNROW(0, Z18, Z0, Z1)
	TNROW(8, Z19, Z2, Z3)
	TNROW(16, Z20, Z4, Z5)
	TNROW(24, Z21, Z6, Z7)
	TNROW(32, Z18, Z8, Z9)
	TNROW(40, Z19, Z10, Z11)
	TNROW(48, Z20, Z12, Z13)
	TNROW(56, Z21, Z14, Z15)
	ADDQ R8, AX
	ADDQ R9, BX
	DECQ CX
	JNZ  tn8loop

	TNBETA
	TNALPHA(Z0, Z1)
	TNALPHA(Z2, Z3)
	TNALPHA(Z4, Z5)
	TNALPHA(Z6, Z7)
	TNALPHA(Z8, Z9)
	TNALPHA(Z10, Z11)
	TNALPHA(Z12, Z13)
	TNALPHA(Z14, Z15)
	TESTQ R11, R11
	JZ    tn8beta0
	TNFMAROW(Z0, Z1)
	TNFMAROW(Z2, Z3)
	TNFMAROW(Z4, Z5)
	TNFMAROW(Z6, Z7)
	TNFMAROW(Z8, Z9)
	TNFMAROW(Z10, Z11)
	TNFMAROW(Z12, Z13)
	TNFMAROW(Z14, Z15)
	TNRET

tn8beta0:
	TNSTROW(Z0, Z1)
	TNSTROW(Z2, Z3)
	TNSTROW(Z4, Z5)
	TNSTROW(Z6, Z7)
	TNSTROW(Z8, Z9)
	TNSTROW(Z10, Z11)
	TNSTROW(Z12, Z13)
	TNSTROW(Z14, Z15)
	TNRET

// func dgemmKernelTN4(k int, a *float64, lda int, b *float64, ldb int, c *float64, ldc int, alpha, beta float64, mask uint64)
TEXT ·dgemmKernelTN4(SB), NOSPLIT, $8-80
	FTZON
	TNSETUP
	VPXORQ Z0, Z0, Z0
	VPXORQ Z1, Z1, Z1
	VPXORQ Z2, Z2, Z2
	VPXORQ Z3, Z3, Z3
	VPXORQ Z4, Z4, Z4
	VPXORQ Z5, Z5, Z5
	VPXORQ Z6, Z6, Z6
	VPXORQ Z7, Z7, Z7

tn4loop:
	TNLOADB
	TNROW(0, Z18, Z0, Z1)
	TNROW(8, Z19, Z2, Z3)
	TNROW(16, Z20, Z4, Z5)
	TNROW(24, Z21, Z6, Z7)
	ADDQ R8, AX
	ADDQ R9, BX
	DECQ CX
	JNZ  tn4loop

	TNBETA
	TNALPHA(Z0, Z1)
	TNALPHA(Z2, Z3)
	TNALPHA(Z4, Z5)
	TNALPHA(Z6, Z7)
	TESTQ R11, R11
	JZ    tn4beta0
	TNFMAROW(Z0, Z1)
	TNFMAROW(Z2, Z3)
	TNFMAROW(Z4, Z5)
	TNFMAROW(Z6, Z7)
	TNRET

tn4beta0:
	TNSTROW(Z0, Z1)
	TNSTROW(Z2, Z3)
	TNSTROW(Z4, Z5)
	TNSTROW(Z6, Z7)
	TNRET

// func dgemmKernelTN2(k int, a *float64, lda int, b *float64, ldb int, c *float64, ldc int, alpha, beta float64, mask uint64)
TEXT ·dgemmKernelTN2(SB), NOSPLIT, $8-80
	FTZON
	TNSETUP
	VPXORQ Z0, Z0, Z0
	VPXORQ Z1, Z1, Z1
	VPXORQ Z2, Z2, Z2
	VPXORQ Z3, Z3, Z3

tn2loop:
	TNLOADB
	TNROW(0, Z18, Z0, Z1)
	TNROW(8, Z19, Z2, Z3)
	ADDQ R8, AX
	ADDQ R9, BX
	DECQ CX
	JNZ  tn2loop

	TNBETA
	TNALPHA(Z0, Z1)
	TNALPHA(Z2, Z3)
	TESTQ R11, R11
	JZ    tn2beta0
	TNFMAROW(Z0, Z1)
	TNFMAROW(Z2, Z3)
	TNRET

tn2beta0:
	TNSTROW(Z0, Z1)
	TNSTROW(Z2, Z3)
	TNRET

// func dgemmKernelTN1(k int, a *float64, lda int, b *float64, ldb int, c *float64, ldc int, alpha, beta float64, mask uint64)
TEXT ·dgemmKernelTN1(SB), NOSPLIT, $8-80
	FTZON
	TNSETUP
	VPXORQ Z0, Z0, Z0
	VPXORQ Z1, Z1, Z1

tn1loop:
	TNLOADB
	TNROW(0, Z18, Z0, Z1)
	ADDQ R8, AX
	ADDQ R9, BX
	DECQ CX
	JNZ  tn1loop

	TNBETA
	TNALPHA(Z0, Z1)
	TESTQ R11, R11
	JZ    tn1beta0
	TNFMAROW(Z0, Z1)
	TNRET

tn1beta0:
	TNSTROW(Z0, Z1)
	TNRET
