//go:build amd64 && !noasm

#include "textflag.h"

#include "ftz_amd64.h"

// AVX-512 micro-kernels: a 6-row tile twice as wide as the AVX2 kernels',
// 6×16 for float64 and 6×32 for float32, computed from one packed A panel
// and TWO adjacent NR-column B micro-panels, bs elements apart (the packed
// layouts are the AVX2 kernels'; see kernel_amd64.s and doc.go):
//
//	acc = Ap · [Bp₀ Bp₁]
//	C   = alpha·acc            if beta == ±0 (C is not read)
//	C   = alpha·acc + beta·C   otherwise
//
// Register use: Z0–Z11 hold the 6×2 accumulator vectors (row r in Z(2r)
// for panel 0 and Z(2r+1) for panel 1), Z12/Z13 the current rows of the
// two B panels, Z16–Z21 the broadcast elements of Ap. On cores with two
// 512-bit FMA pipes (Zen 5, Xeon) this doubles the AVX2 kernels' peak.

// ZDSTEP is one rank-1 update for float64: Ap at ao(AX), the two B rows at
// bo(BX) and bo(BX)(R11*1).
#define ZDSTEP(ao, bo) \
	VMOVUPD      bo(BX), Z12         \
	VMOVUPD      bo(BX)(R11*1), Z13  \
	VBROADCASTSD ao(AX), Z16         \
	VBROADCASTSD ao+8(AX), Z17       \
	VBROADCASTSD ao+16(AX), Z18      \
	VFMADD231PD  Z12, Z16, Z0        \
	VFMADD231PD  Z13, Z16, Z1        \
	VBROADCASTSD ao+24(AX), Z19      \
	VFMADD231PD  Z12, Z17, Z2        \
	VFMADD231PD  Z13, Z17, Z3        \
	VBROADCASTSD ao+32(AX), Z20      \
	VFMADD231PD  Z12, Z18, Z4        \
	VFMADD231PD  Z13, Z18, Z5        \
	VBROADCASTSD ao+40(AX), Z21      \
	VFMADD231PD  Z12, Z19, Z6        \
	VFMADD231PD  Z13, Z19, Z7        \
	VFMADD231PD  Z12, Z20, Z8        \
	VFMADD231PD  Z13, Z20, Z9        \
	VFMADD231PD  Z12, Z21, Z10       \
	VFMADD231PD  Z13, Z21, Z11

// ZSSTEP is ZDSTEP for float32.
#define ZSSTEP(ao, bo) \
	VMOVUPS      bo(BX), Z12         \
	VMOVUPS      bo(BX)(R11*1), Z13  \
	VBROADCASTSS ao(AX), Z16         \
	VBROADCASTSS ao+4(AX), Z17       \
	VBROADCASTSS ao+8(AX), Z18       \
	VFMADD231PS  Z12, Z16, Z0        \
	VFMADD231PS  Z13, Z16, Z1        \
	VBROADCASTSS ao+12(AX), Z19      \
	VFMADD231PS  Z12, Z17, Z2        \
	VFMADD231PS  Z13, Z17, Z3        \
	VBROADCASTSS ao+16(AX), Z20      \
	VFMADD231PS  Z12, Z18, Z4        \
	VFMADD231PS  Z13, Z18, Z5        \
	VBROADCASTSS ao+20(AX), Z21      \
	VFMADD231PS  Z12, Z19, Z6        \
	VFMADD231PS  Z13, Z19, Z7        \
	VFMADD231PS  Z12, Z20, Z8        \
	VFMADD231PS  Z13, Z20, Z9        \
	VFMADD231PS  Z12, Z21, Z10       \
	VFMADD231PS  Z13, Z21, Z11

// ZZERO12 clears the accumulators.
#define ZZERO12 \
	VPXORQ Z0, Z0, Z0    \
	VPXORQ Z1, Z1, Z1    \
	VPXORQ Z2, Z2, Z2    \
	VPXORQ Z3, Z3, Z3    \
	VPXORQ Z4, Z4, Z4    \
	VPXORQ Z5, Z5, Z5    \
	VPXORQ Z6, Z6, Z6    \
	VPXORQ Z7, Z7, Z7    \
	VPXORQ Z8, Z8, Z8    \
	VPXORQ Z9, Z9, Z9    \
	VPXORQ Z10, Z10, Z10 \
	VPXORQ Z11, Z11, Z11

// ZPREFC prefetches the 6 rows of the C tile at DI (row stride DX), 128
// bytes each.
#define ZPREFC \
	MOVQ       DI, R10      \
	PREFETCHT0 (R10)        \
	PREFETCHT0 127(R10)     \
	ADDQ       DX, R10      \
	PREFETCHT0 (R10)        \
	PREFETCHT0 127(R10)     \
	ADDQ       DX, R10      \
	PREFETCHT0 (R10)        \
	PREFETCHT0 127(R10)     \
	ADDQ       DX, R10      \
	PREFETCHT0 (R10)        \
	PREFETCHT0 127(R10)     \
	ADDQ       DX, R10      \
	PREFETCHT0 (R10)        \
	PREFETCHT0 127(R10)     \
	ADDQ       DX, R10      \
	PREFETCHT0 (R10)        \
	PREFETCHT0 127(R10)

// ZMUL12 scales the accumulators by Z12 (op is VMULPD or VMULPS).
#define ZMUL12(op) \
	op Z12, Z0, Z0   \
	op Z12, Z1, Z1   \
	op Z12, Z2, Z2   \
	op Z12, Z3, Z3   \
	op Z12, Z4, Z4   \
	op Z12, Z5, Z5   \
	op Z12, Z6, Z6   \
	op Z12, Z7, Z7   \
	op Z12, Z8, Z8   \
	op Z12, Z9, Z9   \
	op Z12, Z10, Z10 \
	op Z12, Z11, Z11

// ZSTROW stores one accumulator row pair to (DI) and advances DI by DX.
#define ZSTROW(mov, ra, rb) \
	mov  ra, (DI)   \
	mov  rb, 64(DI) \
	ADDQ DX, DI

// ZFMAROW computes ra += beta·C[0:], rb += beta·C[64:] (beta in Z13),
// stores and advances DI by DX.
#define ZFMAROW(mov, fma, ra, rb) \
	fma  (DI), Z13, ra   \
	fma  64(DI), Z13, rb \
	mov  ra, (DI)        \
	mov  rb, 64(DI)      \
	ADDQ DX, DI

// ZEPILOGUE ends a kernel: the accumulators times alpha (in Z12), plus
// beta (in Z13) times C unless R9 is zero (R9 holds beta's bits shifted
// left by one, zero for beta = ±0: then C is not read), stored to the tile
// at DI (row stride DX); it restores MXCSR and returns. mul, mov and fma
// are the precision's instructions, beta0 the label of the path without C.
#define ZEPILOGUE(mul, mov, fma, beta0) \
	ZMUL12(mul)                     \
	TESTQ R9, R9                    \
	JZ    beta0                     \
	ZFMAROW(mov, fma, Z0, Z1)       \
	ZFMAROW(mov, fma, Z2, Z3)       \
	ZFMAROW(mov, fma, Z4, Z5)       \
	ZFMAROW(mov, fma, Z6, Z7)       \
	ZFMAROW(mov, fma, Z8, Z9)       \
	ZFMAROW(mov, fma, Z10, Z11)     \
	FTZOFF                          \
	VZEROUPPER                      \
	RET                             \
beta0:                                  \
	ZSTROW(mov, Z0, Z1)             \
	ZSTROW(mov, Z2, Z3)             \
	ZSTROW(mov, Z4, Z5)             \
	ZSTROW(mov, Z6, Z7)             \
	ZSTROW(mov, Z8, Z9)             \
	ZSTROW(mov, Z10, Z11)           \
	FTZOFF                          \
	VZEROUPPER                      \
	RET

// func dgemmKernel16(k int, a, b *float64, bs int, c *float64, ldc int, alpha, beta float64)
TEXT ·dgemmKernel16(SB), NOSPLIT, $8-64
	FTZON
	MOVQ k+0(FP), CX
	MOVQ a+8(FP), AX
	MOVQ b+16(FP), BX
	MOVQ bs+24(FP), R11
	SHLQ $3, R11
	MOVQ c+32(FP), DI
	MOVQ ldc+40(FP), DX
	SHLQ $3, DX
	ZZERO12
	ZPREFC
	MOVQ CX, R8
	SHRQ $2, R8
	ANDQ $3, CX
	TESTQ R8, R8
	JZ   zdtail

zdloop4:
	ZDSTEP(0, 0)
	ZDSTEP(48, 64)
	ZDSTEP(96, 128)
	ZDSTEP(144, 192)
	ADDQ $192, AX
	ADDQ $256, BX
	DECQ R8
	JNZ  zdloop4

zdtail:
	TESTQ CX, CX
	JZ    zdstore

zdloop1:
	ZDSTEP(0, 0)
	ADDQ $48, AX
	ADDQ $64, BX
	DECQ CX
	JNZ  zdloop1

zdstore:
	VBROADCASTSD alpha+48(FP), Z12
	VBROADCASTSD beta+56(FP), Z13
	MOVQ beta+56(FP), R9
	SHLQ $1, R9
	ZEPILOGUE(VMULPD, VMOVUPD, VFMADD231PD, zdbeta0)

// func sgemmKernel32(k int, a, b *float32, bs int, c *float32, ldc int, alpha, beta float32)
TEXT ·sgemmKernel32(SB), NOSPLIT, $8-56
	FTZON
	MOVQ k+0(FP), CX
	MOVQ a+8(FP), AX
	MOVQ b+16(FP), BX
	MOVQ bs+24(FP), R11
	SHLQ $2, R11
	MOVQ c+32(FP), DI
	MOVQ ldc+40(FP), DX
	SHLQ $2, DX
	ZZERO12
	ZPREFC
	MOVQ CX, R8
	SHRQ $2, R8
	ANDQ $3, CX
	TESTQ R8, R8
	JZ   zstail

zsloop4:
	ZSSTEP(0, 0)
	ZSSTEP(24, 64)
	ZSSTEP(48, 128)
	ZSSTEP(72, 192)
	ADDQ $96, AX
	ADDQ $256, BX
	DECQ R8
	JNZ  zsloop4

zstail:
	TESTQ CX, CX
	JZ    zsstore

zsloop1:
	ZSSTEP(0, 0)
	ADDQ $24, AX
	ADDQ $64, BX
	DECQ CX
	JNZ  zsloop1

zsstore:
	VBROADCASTSS alpha+48(FP), Z12
	VBROADCASTSS beta+52(FP), Z13
	MOVL beta+52(FP), R9
	SHLL $1, R9
	ZEPILOGUE(VMULPS, VMOVUPS, VFMADD231PS, zsbeta0)

// The unpacked-A kernels: the same tile from the six rows of A as stored
// (row-major, stride lda) instead of a packed panel. For a shallow product
// (small k, as in the convolutions' K = channels) packing A costs a third
// of the kernel's own time; these read A in place. Row r of the tile is at
// AX + r·lda for r < 3 and R13 + (r−3)·lda (R13 = AX + 3·lda) for r ≥ 3;
// R12 holds lda in bytes. Each accumulator gets its products in the same
// order as in the packed kernels, so the results are identical.

// ZSTEPU is one rank-1 update with the six elements of A read from
// the rows (mov, bcast and fma are the precision's instructions); ZDSTEPU
// and ZSSTEPU are ZDSTEP and ZSSTEP so.
#define ZSTEPU(mov, bcast, fma, ao, bo) \
	mov   bo(BX), Z12                 \
	mov   bo(BX)(R11*1), Z13          \
	bcast ao(AX), Z16                 \
	bcast ao(AX)(R12*1), Z17          \
	bcast ao(AX)(R12*2), Z18          \
	fma   Z12, Z16, Z0                \
	fma   Z13, Z16, Z1                \
	bcast ao(R13), Z19                \
	fma   Z12, Z17, Z2                \
	fma   Z13, Z17, Z3                \
	bcast ao(R13)(R12*1), Z20         \
	fma   Z12, Z18, Z4                \
	fma   Z13, Z18, Z5                \
	bcast ao(R13)(R12*2), Z21         \
	fma   Z12, Z19, Z6                \
	fma   Z13, Z19, Z7                \
	fma   Z12, Z20, Z8                \
	fma   Z13, Z20, Z9                \
	fma   Z12, Z21, Z10               \
	fma   Z13, Z21, Z11

#define ZDSTEPU(ao, bo) ZSTEPU(VMOVUPD, VBROADCASTSD, VFMADD231PD, ao, bo)
#define ZSSTEPU(ao, bo) ZSTEPU(VMOVUPS, VBROADCASTSS, VFMADD231PS, ao, bo)

// func dgemmKernel16U(k int, a *float64, lda int, b *float64, bs int, c *float64, ldc int, alpha, beta float64)
TEXT ·dgemmKernel16U(SB), NOSPLIT, $8-72
	FTZON
	MOVQ k+0(FP), CX
	MOVQ a+8(FP), AX
	MOVQ lda+16(FP), R12
	SHLQ $3, R12
	LEAQ (AX)(R12*2), R13
	ADDQ R12, R13
	MOVQ b+24(FP), BX
	MOVQ bs+32(FP), R11
	SHLQ $3, R11
	MOVQ c+40(FP), DI
	MOVQ ldc+48(FP), DX
	SHLQ $3, DX
	ZZERO12
	ZPREFC
	MOVQ CX, R8
	SHRQ $2, R8
	ANDQ $3, CX
	TESTQ R8, R8
	JZ   zdutail

zduloop4:
	ZDSTEPU(0, 0)
	ZDSTEPU(8, 64)
	ZDSTEPU(16, 128)
	ZDSTEPU(24, 192)
	ADDQ $32, AX
	ADDQ $32, R13
	ADDQ $256, BX
	DECQ R8
	JNZ  zduloop4

zdutail:
	TESTQ CX, CX
	JZ    zdustore

zduloop1:
	ZDSTEPU(0, 0)
	ADDQ $8, AX
	ADDQ $8, R13
	ADDQ $64, BX
	DECQ CX
	JNZ  zduloop1

zdustore:
	VBROADCASTSD alpha+56(FP), Z12
	VBROADCASTSD beta+64(FP), Z13
	MOVQ beta+64(FP), R9
	SHLQ $1, R9
	ZEPILOGUE(VMULPD, VMOVUPD, VFMADD231PD, zdubeta0)

// func sgemmKernel32U(k int, a *float32, lda int, b *float32, bs int, c *float32, ldc int, alpha, beta float32)
TEXT ·sgemmKernel32U(SB), NOSPLIT, $8-64
	FTZON
	MOVQ k+0(FP), CX
	MOVQ a+8(FP), AX
	MOVQ lda+16(FP), R12
	SHLQ $2, R12
	LEAQ (AX)(R12*2), R13
	ADDQ R12, R13
	MOVQ b+24(FP), BX
	MOVQ bs+32(FP), R11
	SHLQ $2, R11
	MOVQ c+40(FP), DI
	MOVQ ldc+48(FP), DX
	SHLQ $2, DX
	ZZERO12
	ZPREFC
	MOVQ CX, R8
	SHRQ $2, R8
	ANDQ $3, CX
	TESTQ R8, R8
	JZ   zsutail

zsuloop4:
	ZSSTEPU(0, 0)
	ZSSTEPU(4, 64)
	ZSSTEPU(8, 128)
	ZSSTEPU(12, 192)
	ADDQ $16, AX
	ADDQ $16, R13
	ADDQ $256, BX
	DECQ R8
	JNZ  zsuloop4

zsutail:
	TESTQ CX, CX
	JZ    zsustore

zsuloop1:
	ZSSTEPU(0, 0)
	ADDQ $4, AX
	ADDQ $4, R13
	ADDQ $64, BX
	DECQ CX
	JNZ  zsuloop1

zsustore:
	VBROADCASTSS alpha+56(FP), Z12
	VBROADCASTSS beta+60(FP), Z13
	MOVL beta+60(FP), R9
	SHLL $1, R9
	ZEPILOGUE(VMULPS, VMOVUPS, VFMADD231PS, zsubeta0)
