//go:build amd64 && !noasm

#include "textflag.h"

#include "ftz_amd64.h"

// Micro-kernels for the packed GEMM driver (see doc.go).
//
// Both kernels compute a 6-row tile of C (row-major, stride ldc elements):
//
//	acc = Ap · Bp                       (Ap: k×6 packed, Bp: k×NR packed)
//	C   = alpha·acc            if beta == ±0 (C is not read)
//	C   = alpha·acc + beta·C   otherwise
//
// Register use: Y0–Y11 hold the 6×2 accumulator vectors (row r in Y(2r),
// Y(2r+1)), Y12/Y13 hold the current row of Bp, Y14/Y15 the broadcast
// elements of Ap.
//
// Packed layouts: Ap stores, for each p in [0,k), the 6 elements op(A)[i..i+5, p]
// contiguously; Bp stores, for each p, the NR elements op(B)[p, j..j+NR-1].

// DSTEP performs one rank-1 update for float64 (MR=6, NR=8) reading
// Ap at ao(AX) and Bp at bo(BX).
#define DSTEP(ao, bo) \
	VMOVUPD      bo(BX), Y12         \
	VMOVUPD      bo+32(BX), Y13      \
	VBROADCASTSD ao(AX), Y14         \
	VFMADD231PD  Y12, Y14, Y0        \
	VFMADD231PD  Y13, Y14, Y1        \
	VBROADCASTSD ao+8(AX), Y15       \
	VFMADD231PD  Y12, Y15, Y2        \
	VFMADD231PD  Y13, Y15, Y3        \
	VBROADCASTSD ao+16(AX), Y14      \
	VFMADD231PD  Y12, Y14, Y4        \
	VFMADD231PD  Y13, Y14, Y5        \
	VBROADCASTSD ao+24(AX), Y15      \
	VFMADD231PD  Y12, Y15, Y6        \
	VFMADD231PD  Y13, Y15, Y7        \
	VBROADCASTSD ao+32(AX), Y14      \
	VFMADD231PD  Y12, Y14, Y8        \
	VFMADD231PD  Y13, Y14, Y9        \
	VBROADCASTSD ao+40(AX), Y15      \
	VFMADD231PD  Y12, Y15, Y10       \
	VFMADD231PD  Y13, Y15, Y11

// SSTEP is DSTEP for float32 (MR=6, NR=16).
#define SSTEP(ao, bo) \
	VMOVUPS      bo(BX), Y12         \
	VMOVUPS      bo+32(BX), Y13      \
	VBROADCASTSS ao(AX), Y14         \
	VFMADD231PS  Y12, Y14, Y0        \
	VFMADD231PS  Y13, Y14, Y1        \
	VBROADCASTSS ao+4(AX), Y15       \
	VFMADD231PS  Y12, Y15, Y2        \
	VFMADD231PS  Y13, Y15, Y3        \
	VBROADCASTSS ao+8(AX), Y14       \
	VFMADD231PS  Y12, Y14, Y4        \
	VFMADD231PS  Y13, Y14, Y5        \
	VBROADCASTSS ao+12(AX), Y15      \
	VFMADD231PS  Y12, Y15, Y6        \
	VFMADD231PS  Y13, Y15, Y7        \
	VBROADCASTSS ao+16(AX), Y14      \
	VFMADD231PS  Y12, Y14, Y8        \
	VFMADD231PS  Y13, Y14, Y9        \
	VBROADCASTSS ao+20(AX), Y15      \
	VFMADD231PS  Y12, Y15, Y10       \
	VFMADD231PS  Y13, Y15, Y11

// ZERO12 clears the accumulators.
#define ZERO12 \
	VXORPS Y0, Y0, Y0    \
	VXORPS Y1, Y1, Y1    \
	VXORPS Y2, Y2, Y2    \
	VXORPS Y3, Y3, Y3    \
	VXORPS Y4, Y4, Y4    \
	VXORPS Y5, Y5, Y5    \
	VXORPS Y6, Y6, Y6    \
	VXORPS Y7, Y7, Y7    \
	VXORPS Y8, Y8, Y8    \
	VXORPS Y9, Y9, Y9    \
	VXORPS Y10, Y10, Y10 \
	VXORPS Y11, Y11, Y11

// PREFC prefetches the 6 rows of the C tile at DI (row stride DX), 64 bytes each.
#define PREFC \
	MOVQ       DI, R10      \
	PREFETCHT0 (R10)        \
	PREFETCHT0 63(R10)      \
	ADDQ       DX, R10      \
	PREFETCHT0 (R10)        \
	PREFETCHT0 63(R10)      \
	ADDQ       DX, R10      \
	PREFETCHT0 (R10)        \
	PREFETCHT0 63(R10)      \
	ADDQ       DX, R10      \
	PREFETCHT0 (R10)        \
	PREFETCHT0 63(R10)      \
	ADDQ       DX, R10      \
	PREFETCHT0 (R10)        \
	PREFETCHT0 63(R10)      \
	ADDQ       DX, R10      \
	PREFETCHT0 (R10)        \
	PREFETCHT0 63(R10)

// MUL12 scales the accumulators by Y12 (op is VMULPD or VMULPS).
#define MUL12(op) \
	op Y12, Y0, Y0   \
	op Y12, Y1, Y1   \
	op Y12, Y2, Y2   \
	op Y12, Y3, Y3   \
	op Y12, Y4, Y4   \
	op Y12, Y5, Y5   \
	op Y12, Y6, Y6   \
	op Y12, Y7, Y7   \
	op Y12, Y8, Y8   \
	op Y12, Y9, Y9   \
	op Y12, Y10, Y10 \
	op Y12, Y11, Y11

// STROW stores one accumulator row pair to (DI) and advances DI by DX.
#define STROW(mov, ra, rb) \
	mov  ra, (DI)   \
	mov  rb, 32(DI) \
	ADDQ DX, DI

// FMAROW computes ra += beta·C[0:], rb += beta·C[32:] (beta in Y13), stores
// and advances DI by DX.
#define FMAROW(mov, fma, ra, rb) \
	fma  (DI), Y13, ra   \
	fma  32(DI), Y13, rb \
	mov  ra, (DI)        \
	mov  rb, 32(DI)      \
	ADDQ DX, DI

// EPILOGUE ends a kernel: the accumulators times alpha (in Y12), plus
// beta (in Y13) times C unless R9 is zero (R9 holds beta's bits shifted
// left by one, zero for beta = ±0: then C is not read), stored to the tile
// at DI (row stride DX); it restores MXCSR and returns. mul, mov and fma
// are the precision's instructions, beta0 the label of the path without C.
#define EPILOGUE(mul, mov, fma, beta0) \
	MUL12(mul)                     \
	TESTQ R9, R9                   \
	JZ    beta0                    \
	FMAROW(mov, fma, Y0, Y1)       \
	FMAROW(mov, fma, Y2, Y3)       \
	FMAROW(mov, fma, Y4, Y5)       \
	FMAROW(mov, fma, Y6, Y7)       \
	FMAROW(mov, fma, Y8, Y9)       \
	FMAROW(mov, fma, Y10, Y11)     \
	FTZOFF                         \
	VZEROUPPER                     \
	RET                            \
beta0:                                 \
	STROW(mov, Y0, Y1)             \
	STROW(mov, Y2, Y3)             \
	STROW(mov, Y4, Y5)             \
	STROW(mov, Y6, Y7)             \
	STROW(mov, Y8, Y9)             \
	STROW(mov, Y10, Y11)           \
	FTZOFF                         \
	VZEROUPPER                     \
	RET

// func dgemmKernel(k int, a, b, c *float64, ldc int, alpha, beta float64)
TEXT ·dgemmKernel(SB), NOSPLIT, $8-56
	FTZON
	MOVQ k+0(FP), CX
	MOVQ a+8(FP), AX
	MOVQ b+16(FP), BX
	MOVQ c+24(FP), DI
	MOVQ ldc+32(FP), DX
	SHLQ $3, DX
	ZERO12
	PREFC
	MOVQ CX, R8
	SHRQ $2, R8
	ANDQ $3, CX
	TESTQ R8, R8
	JZ   dtail

dloop4:
	DSTEP(0, 0)
	DSTEP(48, 64)
	DSTEP(96, 128)
	DSTEP(144, 192)
	ADDQ $192, AX
	ADDQ $256, BX
	DECQ R8
	JNZ  dloop4

dtail:
	TESTQ CX, CX
	JZ    dstore

dloop1:
	DSTEP(0, 0)
	ADDQ $48, AX
	ADDQ $64, BX
	DECQ CX
	JNZ  dloop1

dstore:
	VBROADCASTSD alpha+40(FP), Y12
	VBROADCASTSD beta+48(FP), Y13
	MOVQ beta+48(FP), R9
	SHLQ $1, R9
	EPILOGUE(VMULPD, VMOVUPD, VFMADD231PD, dbeta0)

// func sgemmKernel(k int, a, b, c *float32, ldc int, alpha, beta float32)
TEXT ·sgemmKernel(SB), NOSPLIT, $8-48
	FTZON
	MOVQ k+0(FP), CX
	MOVQ a+8(FP), AX
	MOVQ b+16(FP), BX
	MOVQ c+24(FP), DI
	MOVQ ldc+32(FP), DX
	SHLQ $2, DX
	ZERO12
	PREFC
	MOVQ CX, R8
	SHRQ $2, R8
	ANDQ $3, CX
	TESTQ R8, R8
	JZ   stail

sloop4:
	PREFETCHT0 256(AX)
	SSTEP(0, 0)
	SSTEP(24, 64)
	PREFETCHT0 320(AX)
	SSTEP(48, 128)
	SSTEP(72, 192)
	ADDQ $96, AX
	ADDQ $256, BX
	DECQ R8
	JNZ  sloop4

stail:
	TESTQ CX, CX
	JZ    sstore

sloop1:
	SSTEP(0, 0)
	ADDQ $24, AX
	ADDQ $64, BX
	DECQ CX
	JNZ  sloop1

sstore:
	VBROADCASTSS alpha+40(FP), Y12
	VBROADCASTSS beta+44(FP), Y13
	MOVL beta+44(FP), R9
	SHLL $1, R9
	EPILOGUE(VMULPS, VMOVUPS, VFMADD231PS, sbeta0)

// The unpacked-A kernels (see kernel512_amd64.s): dgemmKernel and
// sgemmKernel reading the six rows of A in place, row r at AX + r·lda for
// r < 3 and R13 + (r−3)·lda (R13 = AX + 3·lda), with lda in bytes in R12.

// STEPU is one rank-1 update with the six elements of A read from
// the rows (mov, bcast and fma are the precision's instructions); DSTEPU
// and SSTEPU are DSTEP and SSTEP so.
#define STEPU(mov, bcast, fma, ao, bo) \
	mov   bo(BX), Y12                \
	mov   bo+32(BX), Y13             \
	bcast ao(AX), Y14                \
	fma   Y12, Y14, Y0               \
	fma   Y13, Y14, Y1               \
	bcast ao(AX)(R12*1), Y15         \
	fma   Y12, Y15, Y2               \
	fma   Y13, Y15, Y3               \
	bcast ao(AX)(R12*2), Y14         \
	fma   Y12, Y14, Y4               \
	fma   Y13, Y14, Y5               \
	bcast ao(R13), Y15               \
	fma   Y12, Y15, Y6               \
	fma   Y13, Y15, Y7               \
	bcast ao(R13)(R12*1), Y14        \
	fma   Y12, Y14, Y8               \
	fma   Y13, Y14, Y9               \
	bcast ao(R13)(R12*2), Y15        \
	fma   Y12, Y15, Y10              \
	fma   Y13, Y15, Y11

#define DSTEPU(ao, bo) STEPU(VMOVUPD, VBROADCASTSD, VFMADD231PD, ao, bo)
#define SSTEPU(ao, bo) STEPU(VMOVUPS, VBROADCASTSS, VFMADD231PS, ao, bo)

// func dgemmKernelU(k int, a *float64, lda int, b, c *float64, ldc int, alpha, beta float64)
TEXT ·dgemmKernelU(SB), NOSPLIT, $8-64
	FTZON
	MOVQ k+0(FP), CX
	MOVQ a+8(FP), AX
	MOVQ lda+16(FP), R12
	SHLQ $3, R12
	LEAQ (AX)(R12*2), R13
	ADDQ R12, R13
	MOVQ b+24(FP), BX
	MOVQ c+32(FP), DI
	MOVQ ldc+40(FP), DX
	SHLQ $3, DX
	ZERO12
	PREFC
	MOVQ CX, R8
	SHRQ $2, R8
	ANDQ $3, CX
	TESTQ R8, R8
	JZ   dutail

duloop4:
	DSTEPU(0, 0)
	DSTEPU(8, 64)
	DSTEPU(16, 128)
	DSTEPU(24, 192)
	ADDQ $32, AX
	ADDQ $32, R13
	ADDQ $256, BX
	DECQ R8
	JNZ  duloop4

dutail:
	TESTQ CX, CX
	JZ    dustore

duloop1:
	DSTEPU(0, 0)
	ADDQ $8, AX
	ADDQ $8, R13
	ADDQ $64, BX
	DECQ CX
	JNZ  duloop1

dustore:
	VBROADCASTSD alpha+48(FP), Y12
	VBROADCASTSD beta+56(FP), Y13
	MOVQ beta+56(FP), R9
	SHLQ $1, R9
	EPILOGUE(VMULPD, VMOVUPD, VFMADD231PD, dubeta0)

// func sgemmKernelU(k int, a *float32, lda int, b, c *float32, ldc int, alpha, beta float32)
TEXT ·sgemmKernelU(SB), NOSPLIT, $8-56
	FTZON
	MOVQ k+0(FP), CX
	MOVQ a+8(FP), AX
	MOVQ lda+16(FP), R12
	SHLQ $2, R12
	LEAQ (AX)(R12*2), R13
	ADDQ R12, R13
	MOVQ b+24(FP), BX
	MOVQ c+32(FP), DI
	MOVQ ldc+40(FP), DX
	SHLQ $2, DX
	ZERO12
	PREFC
	MOVQ CX, R8
	SHRQ $2, R8
	ANDQ $3, CX
	TESTQ R8, R8
	JZ   sutail

suloop4:
	SSTEPU(0, 0)
	SSTEPU(4, 64)
	SSTEPU(8, 128)
	SSTEPU(12, 192)
	ADDQ $16, AX
	ADDQ $16, R13
	ADDQ $256, BX
	DECQ R8
	JNZ  suloop4

sutail:
	TESTQ CX, CX
	JZ    sustore

suloop1:
	SSTEPU(0, 0)
	ADDQ $4, AX
	ADDQ $4, R13
	ADDQ $64, BX
	DECQ CX
	JNZ  suloop1

sustore:
	VBROADCASTSS alpha+48(FP), Y12
	VBROADCASTSS beta+52(FP), Y13
	MOVL beta+52(FP), R9
	SHLL $1, R9
	EPILOGUE(VMULPS, VMOVUPS, VFMADD231PS, subeta0)
