//go:build amd64 && !noasm

#include "textflag.h"

// Packing of six rows of a row-major matrix into the column-major MR=6
// micro-panel layout used by the kernels: d[p*6+r] = a[r*lda+p] for r < 6,
// p < kc. This is a 6×kc → kc×6 transpose done 4 columns at a time with
// AVX shuffles; a scalar loop handles the kc%4 tail.
//
// Row r of a is addressed as (SI) + r·lda with lda in bytes held in R9
// (R10 = 3·lda, R11 = 5·lda).

// func dpackA6(d, a *float64, lda, kc int)
TEXT ·dpackA6(SB), NOSPLIT, $0-32
	MOVQ d+0(FP), DI
	MOVQ a+8(FP), SI
	MOVQ lda+16(FP), R9
	MOVQ kc+24(FP), CX
	SHLQ $3, R9
	LEAQ (R9)(R9*2), R10
	LEAQ (R9)(R9*4), R11
	MOVQ CX, R8
	SHRQ $2, R8
	ANDQ $3, CX
	TESTQ R8, R8
	JZ   dtail

dloop:
	PREFETCHT0 320(SI)
	PREFETCHT0 320(SI)(R9*1)
	PREFETCHT0 320(SI)(R9*2)
	PREFETCHT0 320(SI)(R10*1)
	PREFETCHT0 320(SI)(R9*4)
	PREFETCHT0 320(SI)(R11*1)
	VMOVUPD (SI), Y0
	VMOVUPD (SI)(R9*1), Y1
	VMOVUPD (SI)(R9*2), Y2
	VMOVUPD (SI)(R10*1), Y3
	VMOVUPD (SI)(R9*4), Y4
	VMOVUPD (SI)(R11*1), Y5
	VUNPCKLPD Y1, Y0, Y6    // r0p0 r1p0 r0p2 r1p2
	VUNPCKHPD Y1, Y0, Y7    // r0p1 r1p1 r0p3 r1p3
	VUNPCKLPD Y3, Y2, Y8    // r2p0 r3p0 r2p2 r3p2
	VUNPCKHPD Y3, Y2, Y9    // r2p1 r3p1 r2p3 r3p3
	VUNPCKLPD Y5, Y4, Y10   // r4p0 r5p0 r4p2 r5p2
	VUNPCKHPD Y5, Y4, Y11   // r4p1 r5p1 r4p3 r5p3
	VPERM2F128 $0x20, Y8, Y6, Y0 // column p0, rows 0-3
	VPERM2F128 $0x20, Y9, Y7, Y1 // column p1
	VPERM2F128 $0x31, Y8, Y6, Y2 // column p2
	VPERM2F128 $0x31, Y9, Y7, Y3 // column p3
	VMOVUPD Y0, 0(DI)
	VMOVUPD X10, 32(DI)
	VMOVUPD Y1, 48(DI)
	VMOVUPD X11, 80(DI)
	VMOVUPD Y2, 96(DI)
	VEXTRACTF128 $1, Y10, 128(DI)
	VMOVUPD Y3, 144(DI)
	VEXTRACTF128 $1, Y11, 176(DI)
	ADDQ $32, SI
	ADDQ $192, DI
	DECQ R8
	JNZ  dloop

dtail:
	TESTQ CX, CX
	JZ    ddone

dloop1:
	MOVSD (SI), X0
	MOVSD X0, 0(DI)
	MOVSD (SI)(R9*1), X0
	MOVSD X0, 8(DI)
	MOVSD (SI)(R9*2), X0
	MOVSD X0, 16(DI)
	MOVSD (SI)(R10*1), X0
	MOVSD X0, 24(DI)
	MOVSD (SI)(R9*4), X0
	MOVSD X0, 32(DI)
	MOVSD (SI)(R11*1), X0
	MOVSD X0, 40(DI)
	ADDQ $8, SI
	ADDQ $48, DI
	DECQ CX
	JNZ  dloop1

ddone:
	VZEROUPPER
	RET

// func spackA6(d, a *float32, lda, kc int)
TEXT ·spackA6(SB), NOSPLIT, $0-32
	MOVQ d+0(FP), DI
	MOVQ a+8(FP), SI
	MOVQ lda+16(FP), R9
	MOVQ kc+24(FP), CX
	SHLQ $2, R9
	LEAQ (R9)(R9*2), R10
	LEAQ (R9)(R9*4), R11
	MOVQ CX, R8
	SHRQ $2, R8
	ANDQ $3, CX
	TESTQ R8, R8
	JZ   stail

sloop:
	PREFETCHT0 256(SI)
	PREFETCHT0 256(SI)(R9*1)
	PREFETCHT0 256(SI)(R9*2)
	PREFETCHT0 256(SI)(R10*1)
	PREFETCHT0 256(SI)(R9*4)
	PREFETCHT0 256(SI)(R11*1)
	VMOVUPS (SI), X0
	VMOVUPS (SI)(R9*1), X1
	VMOVUPS (SI)(R9*2), X2
	VMOVUPS (SI)(R10*1), X3
	VMOVUPS (SI)(R9*4), X4
	VMOVUPS (SI)(R11*1), X5
	VUNPCKLPS X1, X0, X6    // r0p0 r1p0 r0p1 r1p1
	VUNPCKHPS X1, X0, X7    // r0p2 r1p2 r0p3 r1p3
	VUNPCKLPS X3, X2, X8    // r2p0 r3p0 r2p1 r3p1
	VUNPCKHPS X3, X2, X9    // r2p2 r3p2 r2p3 r3p3
	VUNPCKLPS X5, X4, X10   // r4p0 r5p0 r4p1 r5p1
	VUNPCKHPS X5, X4, X11   // r4p2 r5p2 r4p3 r5p3
	VUNPCKLPD X8, X6, X0    // column p0, rows 0-3
	VUNPCKHPD X8, X6, X1    // column p1
	VUNPCKLPD X9, X7, X2    // column p2
	VUNPCKHPD X9, X7, X3    // column p3
	VMOVUPS X0, 0(DI)
	VMOVLPS X10, 16(DI)
	VMOVUPS X1, 24(DI)
	VMOVHPS X10, 40(DI)
	VMOVUPS X2, 48(DI)
	VMOVLPS X11, 64(DI)
	VMOVUPS X3, 72(DI)
	VMOVHPS X11, 88(DI)
	ADDQ $16, SI
	ADDQ $96, DI
	DECQ R8
	JNZ  sloop

stail:
	TESTQ CX, CX
	JZ    sdone

sloop1:
	MOVSS (SI), X0
	MOVSS X0, 0(DI)
	MOVSS (SI)(R9*1), X0
	MOVSS X0, 4(DI)
	MOVSS (SI)(R9*2), X0
	MOVSS X0, 8(DI)
	MOVSS (SI)(R10*1), X0
	MOVSS X0, 12(DI)
	MOVSS (SI)(R9*4), X0
	MOVSS X0, 16(DI)
	MOVSS (SI)(R11*1), X0
	MOVSS X0, 20(DI)
	ADDQ $4, SI
	ADDQ $24, DI
	DECQ CX
	JNZ  sloop1

sdone:
	VZEROUPPER
	RET

// Packing of a transposed A: op(A)[i, p] = a[p*lda+i]. For each of the kc
// rows of a, the first np·6 elements are split into np pieces of 6 that go
// to d[q*6*kc + p*6 : +6] (panel q, column p). The row two ahead is
// prefetched while a row is copied.

// func dpackAT(d, a *float64, lda, kc, np int)
TEXT ·dpackAT(SB), NOSPLIT, $0-40
	MOVQ d+0(FP), DI
	MOVQ a+8(FP), SI
	MOVQ lda+16(FP), R9
	MOVQ kc+24(FP), CX
	MOVQ np+32(FP), R8
	SHLQ $3, R9
	MOVQ CX, R10
	IMULQ $48, R10 // panel stride in bytes
	TESTQ CX, CX
	JZ    dtdone
	TESTQ R8, R8
	JZ    dtdone

dtrow:
	MOVQ SI, AX
	MOVQ DI, BX
	MOVQ R8, DX
	LEAQ (SI)(R9*2), R11

dtpanel:
	PREFETCHT0 (R11)
	VMOVUPD (AX), Y0
	VMOVUPD 32(AX), X1
	VMOVUPD Y0, (BX)
	VMOVUPD X1, 32(BX)
	ADDQ $48, AX
	ADDQ $48, R11
	ADDQ R10, BX
	DECQ DX
	JNZ  dtpanel
	ADDQ R9, SI
	ADDQ $48, DI
	DECQ CX
	JNZ  dtrow

dtdone:
	VZEROUPPER
	RET

// func spackAT(d, a *float32, lda, kc, np int)
TEXT ·spackAT(SB), NOSPLIT, $0-40
	MOVQ d+0(FP), DI
	MOVQ a+8(FP), SI
	MOVQ lda+16(FP), R9
	MOVQ kc+24(FP), CX
	MOVQ np+32(FP), R8
	SHLQ $2, R9
	MOVQ CX, R10
	IMULQ $24, R10 // panel stride in bytes
	TESTQ CX, CX
	JZ    stdone
	TESTQ R8, R8
	JZ    stdone

strow:
	MOVQ SI, AX
	MOVQ DI, BX
	MOVQ R8, DX
	LEAQ (SI)(R9*2), R11

stpanel:
	PREFETCHT0 (R11)
	VMOVUPS (AX), X0
	VMOVSD  16(AX), X1
	VMOVUPS X0, (BX)
	VMOVSD  X1, 16(BX)
	ADDQ $24, AX
	ADDQ $24, R11
	ADDQ R10, BX
	DECQ DX
	JNZ  stpanel
	ADDQ R9, SI
	ADDQ $24, DI
	DECQ CX
	JNZ  strow

stdone:
	VZEROUPPER
	RET
