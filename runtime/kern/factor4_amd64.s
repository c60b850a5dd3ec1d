//go:build amd64 && !noasm

#include "textflag.h"

#include "ftz_amd64.h"

// func sumRowsNorm4x64(dst, src *float64, off *int32, start *int, n, C, sstride, dstride int)
//
// sumRowsNorm64 of four samples at once (see factor4_amd64.go): for s < 4,
// dst[s·dstride : s·dstride + C] = Σ_k a_k ⊙ a_k with a_k the row sums of
// the sample at src + s·sstride. Each offset is loaded once for the four
// samples' rows, in blocks of 4 channels (C a multiple of 4).
//
// Registers: DI dst, SI R13 R14 R15 the four samples' src, R8 off, R9
// start, R10 n, R11 C; CX the block's first channel, DX k, BX j, R12
// start[k+1] (the destination row at the block's end), AX scratch; Y0–Y3
// a_k and Y4–Y7 the norms of the four samples.
TEXT ·sumRowsNorm4x64(SB), NOSPLIT, $8-64
	FTZON
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ off+16(FP), R8
	MOVQ start+24(FP), R9
	MOVQ n+32(FP), R10
	MOVQ C+40(FP), R11
	MOVQ sstride+48(FP), AX
	LEAQ (SI)(AX*8), R13
	LEAQ (R13)(AX*8), R14
	LEAQ (R14)(AX*8), R15
	XORQ CX, CX
blk:
	CMPQ CX, R11
	JGE done
	VXORPD Y4, Y4, Y4
	VXORPD Y5, Y5, Y5
	VXORPD Y6, Y6, Y6
	VXORPD Y7, Y7, Y7
	XORQ DX, DX
	MOVQ (R9), BX
win:
	CMPQ DX, R10
	JGE store
	MOVQ 8(R9)(DX*8), R12
	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1
	VXORPD Y2, Y2, Y2
	VXORPD Y3, Y3, Y3
row:
	CMPQ BX, R12
	JGE wend
	MOVLQSX (R8)(BX*4), AX
	ADDQ CX, AX
	VADDPD (SI)(AX*8), Y0, Y0
	VADDPD (R13)(AX*8), Y1, Y1
	VADDPD (R14)(AX*8), Y2, Y2
	VADDPD (R15)(AX*8), Y3, Y3
	INCQ BX
	JMP row
wend:
	VFMADD231PD Y0, Y0, Y4
	VFMADD231PD Y1, Y1, Y5
	VFMADD231PD Y2, Y2, Y6
	VFMADD231PD Y3, Y3, Y7
	INCQ DX
	JMP win
store:
	MOVQ dstride+56(FP), AX
	LEAQ (DI)(CX*8), R12
	VMOVUPD Y4, (R12)
	LEAQ (R12)(AX*8), R12
	VMOVUPD Y5, (R12)
	LEAQ (R12)(AX*8), R12
	VMOVUPD Y6, (R12)
	LEAQ (R12)(AX*8), R12
	VMOVUPD Y7, (R12)
	ADDQ $4, CX
	JMP blk
done:
	FTZOFF
	VZEROUPPER
	RET
