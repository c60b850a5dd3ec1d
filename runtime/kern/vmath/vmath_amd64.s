//go:build amd64 && !noasm

#include "textflag.h"

// AVX2/FMA kernels of the activations (see doc.go for the formulas and
// vmath_amd64.go for the Go side). Each kernel
//
//	func name(f, d1, d2, d3, x *T, n int)
//
// processes n elements (a multiple of 4 for float64, of 8 for float32), one
// 256-bit vector per iteration, and stores the outputs whose pointer is not
// nil. The input vector is loaded before any store, so x may equal an
// output. Constants come from the replicated tables c64/c32 and m64/m32 of
// vmath_amd64.go (entry i at offset 32·i). Throughout, Y0 holds x and Y15
// the clamp bound of the exp argument.
//
// Operand order is Go's (sources first, destination last); for the FMA
// forms, VFMADD213 a, b, c computes c = b·c + a and VFMADD231 a, b, c
// computes c = a·b + c. VMAXPD a, b, c returns a where either is NaN, which
// keeps a NaN x (or exp argument) NaN. VBLENDVPD m, a, b, c sets c = a in
// the lanes where m has its sign bit set and c = b elsewhere.

// Float64 constants (entries of c64).
#define ONE ·c64+0(SB)
#define TWO ·c64+32(SB)
#define HALF ·c64+64(SB)
#define CLAMP ·c64+96(SB)
#define MAGIC ·c64+128(SB)
#define MAGICB ·c64+160(SB)
#define LOG2E ·c64+192(SB)
#define LN2HI ·c64+224(SB)
#define LN2LO ·c64+256(SB)
#define LNHI ·c64+288(SB)
#define LNLO ·c64+320(SB)
#define FOUR ·c64+352(SB)
#define THREE ·c64+384(SB)
#define NEGTWO ·c64+416(SB)
#define E13 ·c64+448(SB)
#define E12 ·c64+480(SB)
#define E11 ·c64+512(SB)
#define E10 ·c64+544(SB)
#define E9 ·c64+576(SB)
#define E8 ·c64+608(SB)
#define E7 ·c64+640(SB)
#define E6 ·c64+672(SB)
#define E5 ·c64+704(SB)
#define E4 ·c64+736(SB)
#define E3 ·c64+768(SB)
#define E2 ·c64+800(SB)
#define L11 ·c64+832(SB)
#define L10 ·c64+864(SB)
#define L9 ·c64+896(SB)
#define L8 ·c64+928(SB)
#define L7 ·c64+960(SB)
#define L6 ·c64+992(SB)
#define L5 ·c64+1024(SB)
#define L4 ·c64+1056(SB)
#define L3 ·c64+1088(SB)
#define L2 ·c64+1120(SB)
#define L1 ·c64+1152(SB)
#define SIGN ·m64+0(SB)
#define ABS ·m64+32(SB)

// Float32 constants (entries of c32).
#define SONE ·c32+0(SB)
#define STWO ·c32+32(SB)
#define SHALF ·c32+64(SB)
#define SCLAMP ·c32+96(SB)
#define SMAGIC ·c32+128(SB)
#define SMAGICB ·c32+160(SB)
#define SLOG2E ·c32+192(SB)
#define SLN2HI ·c32+224(SB)
#define SLN2LO ·c32+256(SB)
#define SLNHI ·c32+288(SB)
#define SLNLO ·c32+320(SB)
#define SFOUR ·c32+352(SB)
#define STHREE ·c32+384(SB)
#define SNEGTWO ·c32+416(SB)
#define SE13 ·c32+448(SB)
#define SE12 ·c32+480(SB)
#define SE11 ·c32+512(SB)
#define SE10 ·c32+544(SB)
#define SE9 ·c32+576(SB)
#define SE8 ·c32+608(SB)
#define SE7 ·c32+640(SB)
#define SE6 ·c32+672(SB)
#define SE5 ·c32+704(SB)
#define SE4 ·c32+736(SB)
#define SE3 ·c32+768(SB)
#define SE2 ·c32+800(SB)
#define SL11 ·c32+832(SB)
#define SL10 ·c32+864(SB)
#define SL9 ·c32+896(SB)
#define SL8 ·c32+928(SB)
#define SL7 ·c32+960(SB)
#define SL6 ·c32+992(SB)
#define SL5 ·c32+1024(SB)
#define SL4 ·c32+1056(SB)
#define SL3 ·c32+1088(SB)
#define SL2 ·c32+1120(SB)
#define SL1 ·c32+1152(SB)
#define SSIGN ·m32+0(SB)
#define SABS ·m32+32(SB)

// EXP64(y, t, k, e) sets e = exp(y) for y ≤ 0 already clamped to
// ≥ −746 (NaN stays NaN), clobbering y, t and k:
// k = round(y·log2 e) by adding 1.5·2^52, r = y − k·ln2 (hi and lo part,
// exact head), p = 1 + (r + r²·P(r)) with the Taylor polynomial of degree
// 13, and e = p·2^k1·2^k2 with k1 = ⌊k/2⌋, k2 = k − k1, each factor made
// by adding 1.5·2^52 + 1023 and shifting the integer into the
// exponent field (two factors keep subnormal results correctly rounded).
#define EXP64(y, t, k, e) \
	VMOVUPD MAGIC, t          \
	VFMADD231PD LOG2E, y, t   \
	VSUBPD MAGIC, t, k        \
	VFNMADD231PD LN2HI, k, y  \
	VFNMADD231PD LN2LO, k, y  \
	VMOVUPD E13, e            \
	VFMADD213PD E12, y, e     \
	VFMADD213PD E11, y, e     \
	VFMADD213PD E10, y, e     \
	VFMADD213PD E9, y, e      \
	VFMADD213PD E8, y, e      \
	VFMADD213PD E7, y, e      \
	VFMADD213PD E6, y, e      \
	VFMADD213PD E5, y, e      \
	VFMADD213PD E4, y, e      \
	VFMADD213PD E3, y, e      \
	VFMADD213PD E2, y, e      \
	VMULPD y, y, t            \
	VFMADD213PD y, t, e       \
	VADDPD ONE, e, e          \
	VMULPD HALF, k, t         \
	VROUNDPD $1, t, t         \
	VSUBPD t, k, k            \
	VADDPD MAGICB, t, t       \
	VADDPD MAGICB, k, k       \
	VPSLLQ $52, t, t          \
	VPSLLQ $52, k, k          \
	VMULPD t, e, e            \
	VMULPD k, e, e

// EXP32(y, t, k, e) sets e = exp(y) for y ≤ 0 already clamped to
// ≥ −104 (NaN stays NaN), clobbering y, t and k:
// k = round(y·log2 e) by adding 1.5·2^23, r = y − k·ln2 (hi and lo part,
// exact head), p = 1 + (r + r²·P(r)) with the Taylor polynomial of degree
// 7, and e = p·2^k1·2^k2 with k1 = ⌊k/2⌋, k2 = k − k1, each factor made
// by adding 1.5·2^23 + 127 and shifting the integer into the
// exponent field (two factors keep subnormal results correctly rounded).
#define EXP32(y, t, k, e) \
	VMOVUPS SMAGIC, t          \
	VFMADD231PS SLOG2E, y, t   \
	VSUBPS SMAGIC, t, k        \
	VFNMADD231PS SLN2HI, k, y  \
	VFNMADD231PS SLN2LO, k, y  \
	VMOVUPS SE7, e             \
	VFMADD213PS SE6, y, e      \
	VFMADD213PS SE5, y, e      \
	VFMADD213PS SE4, y, e      \
	VFMADD213PS SE3, y, e      \
	VFMADD213PS SE2, y, e      \
	VMULPS y, y, t             \
	VFMADD213PS y, t, e        \
	VADDPS SONE, e, e          \
	VMULPS SHALF, k, t         \
	VROUNDPS $1, t, t          \
	VSUBPS t, k, k             \
	VADDPS SMAGICB, t, t       \
	VADDPS SMAGICB, k, k       \
	VPSLLD $23, t, t           \
	VPSLLD $23, k, k           \
	VMULPS t, e, e             \
	VMULPS k, e, e

// LOG1P64(e, l, m, f, s, h, w) sets l = ln(1 + e) for e ∈ [0, 1] (NaN stays
// NaN), clobbering m, f, s, h, w: where e ≥ ½, φ = (e − 1)/2 and k = 1, else
// φ = e and k = 0 (1 + e = 2^k·(1 + φ) with φ exact); s = φ/(2 + φ),
// h = φ²/2, R = Σ_(j=1…11) 2s^(2j)/(2j + 1) and
// l = k·ln 2 + (φ − (h − s·(h + R))), ln 2 added as head and tail.
#define LOG1P64(e, l, m, f, s, h, w) \
	VCMPPD $0x0D, HALF, e, m  \
	VSUBPD ONE, e, f          \
	VMULPD HALF, f, f         \
	VBLENDVPD m, f, e, f      \
	VANDPD ONE, m, m          \
	VADDPD TWO, f, s          \
	VDIVPD s, f, s            \
	VMULPD f, f, h            \
	VMULPD HALF, h, h         \
	VMULPD s, s, w            \
	VMOVUPD L11, l            \
	VFMADD213PD L10, w, l     \
	VFMADD213PD L9, w, l      \
	VFMADD213PD L8, w, l      \
	VFMADD213PD L7, w, l      \
	VFMADD213PD L6, w, l      \
	VFMADD213PD L5, w, l      \
	VFMADD213PD L4, w, l      \
	VFMADD213PD L3, w, l      \
	VFMADD213PD L2, w, l      \
	VFMADD213PD L1, w, l      \
	VMULPD w, l, l            \
	VADDPD h, l, l            \
	VFNMADD213PD h, s, l      \
	VSUBPD l, f, l            \
	VFMADD231PD LNLO, m, l    \
	VFMADD231PD LNHI, m, l

// LOG1P32(e, l, m, f, s, h, w) sets l = ln(1 + e) for e ∈ [0, 1] (NaN stays
// NaN), clobbering m, f, s, h, w: where e ≥ ½, φ = (e − 1)/2 and k = 1, else
// φ = e and k = 0 (1 + e = 2^k·(1 + φ) with φ exact); s = φ/(2 + φ),
// h = φ²/2, R = Σ_(j=1…5) 2s^(2j)/(2j + 1) and
// l = k·ln 2 + (φ − (h − s·(h + R))), ln 2 added as head and tail.
#define LOG1P32(e, l, m, f, s, h, w) \
	VCMPPS $0x0D, SHALF, e, m  \
	VSUBPS SONE, e, f          \
	VMULPS SHALF, f, f         \
	VBLENDVPS m, f, e, f       \
	VANDPS SONE, m, m          \
	VADDPS STWO, f, s          \
	VDIVPS s, f, s             \
	VMULPS f, f, h             \
	VMULPS SHALF, h, h         \
	VMULPS s, s, w             \
	VMOVUPS SL5, l             \
	VFMADD213PS SL4, w, l      \
	VFMADD213PS SL3, w, l      \
	VFMADD213PS SL2, w, l      \
	VFMADD213PS SL1, w, l      \
	VMULPS w, l, l             \
	VADDPS h, l, l             \
	VFNMADD213PS h, s, l       \
	VSUBPS l, f, l             \
	VFMADD231PS SLNLO, m, l    \
	VFMADD231PS SLNHI, m, l

// func softplus64AVX(f, d1, d2, d3, x *float64, n int)
//
// softplus: f = max(x, 0) + log1p(e), d1 = g, d2 = q, d3 = q·(1 − 2g), e = exp(−|x|).
TEXT ·softplus64AVX(SB), NOSPLIT, $0-48
	MOVQ         f+0(FP), DI
	MOVQ         d1+8(FP), R8
	MOVQ         d2+16(FP), R9
	MOVQ         d3+24(FP), R10
	MOVQ         x+32(FP), SI
	MOVQ         n+40(FP), CX
	MOVQ         R8, BX
	ORQ          R9, BX
	ORQ          R10, BX
	XORQ         AX, AX
	VMOVUPD      CLAMP, Y15
	VXORPD       Y14, Y14, Y14
	JMP          softplus64_cond
softplus64_loop:
	VMOVUPD      (SI)(AX*8), Y0
	VORPD        SIGN, Y0, Y1
	VMAXPD       Y1, Y15, Y1
	EXP64(Y1,    Y2, Y3, Y4)
	TESTQ        BX, BX
	JZ           softplus64_f
	VADDPD       ONE, Y4, Y5
	VMULPD       Y5, Y5, Y6
	VDIVPD       Y6, Y4, Y7
	VMOVUPD      ONE, Y8
	VBLENDVPD    Y0, Y4, Y8, Y8
	VDIVPD       Y5, Y8, Y8
	TESTQ        R8, R8
	JZ           softplus64_d1
	VMOVUPD      Y8, (R8)(AX*8)
softplus64_d1:
	TESTQ        R9, R9
	JZ           softplus64_d2
	VMOVUPD      Y7, (R9)(AX*8)
softplus64_d2:
	TESTQ        R10, R10
	JZ           softplus64_f
	VMOVUPD      ONE, Y9
	VFNMADD231PD TWO, Y8, Y9
	VMULPD       Y9, Y7, Y9
	VMOVUPD      Y9, (R10)(AX*8)
softplus64_f:
	TESTQ        DI, DI
	JZ           softplus64_next
	LOG1P64(Y4,  Y10, Y1, Y2, Y3, Y5, Y6)
	VMAXPD       Y0, Y14, Y11
	VADDPD       Y10, Y11, Y11
	VMOVUPD      Y11, (DI)(AX*8)
softplus64_next:
	ADDQ         $4, AX
softplus64_cond:
	CMPQ         AX, CX
	JLT          softplus64_loop
	VZEROUPPER
	RET

// func lnCosh64AVX(f, d1, d2, d3, x *float64, n int)
//
// ln cosh: f = |x| + log1p(e) − ln 2, d1 = t, d2 = s, d3 = −2·t·s, e = exp(−2|x|).
TEXT ·lnCosh64AVX(SB), NOSPLIT, $0-48
	MOVQ         f+0(FP), DI
	MOVQ         d1+8(FP), R8
	MOVQ         d2+16(FP), R9
	MOVQ         d3+24(FP), R10
	MOVQ         x+32(FP), SI
	MOVQ         n+40(FP), CX
	MOVQ         R8, BX
	ORQ          R9, BX
	ORQ          R10, BX
	XORQ         AX, AX
	VMOVUPD      CLAMP, Y15
	VXORPD       Y14, Y14, Y14
	JMP          lnCosh64_cond
lnCosh64_loop:
	VMOVUPD      (SI)(AX*8), Y0
	VANDPD       ABS, Y0, Y13
	VMULPD       NEGTWO, Y13, Y1
	VMAXPD       Y1, Y15, Y1
	EXP64(Y1,    Y2, Y3, Y4)
	TESTQ        BX, BX
	JZ           lnCosh64_f
	VADDPD       ONE, Y4, Y5
	VMULPD       Y5, Y5, Y6
	VMULPD       FOUR, Y4, Y7
	VDIVPD       Y6, Y7, Y7
	VMOVUPD      ONE, Y8
	VSUBPD       Y4, Y8, Y8
	VDIVPD       Y5, Y8, Y8
	VCMPPD       $1, Y14, Y0, Y9
	VANDPD       SIGN, Y9, Y9
	VXORPD       Y9, Y8, Y8
	TESTQ        R8, R8
	JZ           lnCosh64_d1
	VMOVUPD      Y8, (R8)(AX*8)
lnCosh64_d1:
	TESTQ        R9, R9
	JZ           lnCosh64_d2
	VMOVUPD      Y7, (R9)(AX*8)
lnCosh64_d2:
	TESTQ        R10, R10
	JZ           lnCosh64_f
	VMULPD       NEGTWO, Y8, Y9
	VMULPD       Y7, Y9, Y9
	VMOVUPD      Y9, (R10)(AX*8)
lnCosh64_f:
	TESTQ        DI, DI
	JZ           lnCosh64_next
	LOG1P64(Y4,  Y10, Y1, Y2, Y3, Y5, Y6)
	VADDPD       Y10, Y13, Y10
	VSUBPD       LNHI, Y10, Y10
	VMOVUPD      Y10, (DI)(AX*8)
lnCosh64_next:
	ADDQ         $4, AX
lnCosh64_cond:
	CMPQ         AX, CX
	JLT          lnCosh64_loop
	VZEROUPPER
	RET

// func tanh64AVX(f, d1, d2, d3, x *float64, n int)
//
// tanh: f = t, d1 = s, d2 = −2·t·s, d3 = −2·s·s + 4·t·t·s, e = exp(−2|x|).
TEXT ·tanh64AVX(SB), NOSPLIT, $0-48
	MOVQ         f+0(FP), DI
	MOVQ         d1+8(FP), R8
	MOVQ         d2+16(FP), R9
	MOVQ         d3+24(FP), R10
	MOVQ         x+32(FP), SI
	MOVQ         n+40(FP), CX
	MOVQ         R8, BX
	ORQ          R9, BX
	ORQ          R10, BX
	XORQ         AX, AX
	VMOVUPD      CLAMP, Y15
	VXORPD       Y14, Y14, Y14
	JMP          tanh64_cond
tanh64_loop:
	VMOVUPD      (SI)(AX*8), Y0
	VANDPD       ABS, Y0, Y13
	VMULPD       NEGTWO, Y13, Y1
	VMAXPD       Y1, Y15, Y1
	EXP64(Y1,    Y2, Y3, Y4)
	VADDPD       ONE, Y4, Y5
	VMULPD       Y5, Y5, Y6
	VMULPD       FOUR, Y4, Y7
	VDIVPD       Y6, Y7, Y7
	VMOVUPD      ONE, Y8
	VSUBPD       Y4, Y8, Y8
	VDIVPD       Y5, Y8, Y8
	VCMPPD       $1, Y14, Y0, Y9
	VANDPD       SIGN, Y9, Y9
	VXORPD       Y9, Y8, Y8
	TESTQ        DI, DI
	JZ           tanh64_f
	VMOVUPD      Y8, (DI)(AX*8)
tanh64_f:
	TESTQ        R8, R8
	JZ           tanh64_d1
	VMOVUPD      Y7, (R8)(AX*8)
tanh64_d1:
	TESTQ        R9, R9
	JZ           tanh64_d2
	VMULPD       NEGTWO, Y8, Y9
	VMULPD       Y7, Y9, Y9
	VMOVUPD      Y9, (R9)(AX*8)
tanh64_d2:
	TESTQ        R10, R10
	JZ           tanh64_next
	VMULPD       NEGTWO, Y7, Y10
	VMULPD       Y7, Y10, Y10
	VMULPD       FOUR, Y8, Y11
	VMULPD       Y8, Y11, Y11
	VMULPD       Y7, Y11, Y11
	VADDPD       Y11, Y10, Y10
	VMOVUPD      Y10, (R10)(AX*8)
tanh64_next:
	ADDQ         $4, AX
tanh64_cond:
	CMPQ         AX, CX
	JLT          tanh64_loop
	VZEROUPPER
	RET

// func sigmoid64AVX(f, d1, d2, d3, x *float64, n int)
//
// sigmoid: f = g, d1 = q, d2 = q·u, d3 = q·u·u − 2·q·q, u = 1 − 2g, e = exp(−|x|).
TEXT ·sigmoid64AVX(SB), NOSPLIT, $0-48
	MOVQ         f+0(FP), DI
	MOVQ         d1+8(FP), R8
	MOVQ         d2+16(FP), R9
	MOVQ         d3+24(FP), R10
	MOVQ         x+32(FP), SI
	MOVQ         n+40(FP), CX
	MOVQ         R8, BX
	ORQ          R9, BX
	ORQ          R10, BX
	XORQ         AX, AX
	VMOVUPD      CLAMP, Y15
	VXORPD       Y14, Y14, Y14
	JMP          sigmoid64_cond
sigmoid64_loop:
	VMOVUPD      (SI)(AX*8), Y0
	VORPD        SIGN, Y0, Y1
	VMAXPD       Y1, Y15, Y1
	EXP64(Y1,    Y2, Y3, Y4)
	VADDPD       ONE, Y4, Y5
	VMULPD       Y5, Y5, Y6
	VDIVPD       Y6, Y4, Y7
	VMOVUPD      ONE, Y8
	VBLENDVPD    Y0, Y4, Y8, Y8
	VDIVPD       Y5, Y8, Y8
	TESTQ        DI, DI
	JZ           sigmoid64_f
	VMOVUPD      Y8, (DI)(AX*8)
sigmoid64_f:
	TESTQ        R8, R8
	JZ           sigmoid64_d1
	VMOVUPD      Y7, (R8)(AX*8)
sigmoid64_d1:
	VMOVUPD      ONE, Y9
	VFNMADD231PD TWO, Y8, Y9
	VMULPD       Y9, Y7, Y10
	TESTQ        R9, R9
	JZ           sigmoid64_d2
	VMOVUPD      Y10, (R9)(AX*8)
sigmoid64_d2:
	TESTQ        R10, R10
	JZ           sigmoid64_next
	VMULPD       Y9, Y10, Y11
	VADDPD       Y7, Y7, Y12
	VMULPD       Y7, Y12, Y12
	VSUBPD       Y12, Y11, Y11
	VMOVUPD      Y11, (R10)(AX*8)
sigmoid64_next:
	ADDQ         $4, AX
sigmoid64_cond:
	CMPQ         AX, CX
	JLT          sigmoid64_loop
	VZEROUPPER
	RET

// func swish64AVX(f, d1, d2, d3, x *float64, n int)
//
// swish: f = x·g, d1 = g + x·q, d2 = 2q + x·q·u,
// d3 = 3q·u + x·(q·u·u − 2·q·q), u = 1 − 2g, e = exp(−|x|).
TEXT ·swish64AVX(SB), NOSPLIT, $0-48
	MOVQ         f+0(FP), DI
	MOVQ         d1+8(FP), R8
	MOVQ         d2+16(FP), R9
	MOVQ         d3+24(FP), R10
	MOVQ         x+32(FP), SI
	MOVQ         n+40(FP), CX
	MOVQ         R8, BX
	ORQ          R9, BX
	ORQ          R10, BX
	XORQ         AX, AX
	VMOVUPD      CLAMP, Y15
	VXORPD       Y14, Y14, Y14
	JMP          swish64_cond
swish64_loop:
	VMOVUPD      (SI)(AX*8), Y0
	VORPD        SIGN, Y0, Y1
	VMAXPD       Y1, Y15, Y1
	EXP64(Y1,    Y2, Y3, Y4)
	VADDPD       ONE, Y4, Y5
	VMULPD       Y5, Y5, Y6
	VDIVPD       Y6, Y4, Y7
	VMOVUPD      ONE, Y8
	VBLENDVPD    Y0, Y4, Y8, Y8
	VDIVPD       Y5, Y8, Y8
	TESTQ        DI, DI
	JZ           swish64_f
	VMULPD       Y8, Y0, Y1
	VMOVUPD      Y1, (DI)(AX*8)
swish64_f:
	VMULPD       Y7, Y0, Y10
	TESTQ        R8, R8
	JZ           swish64_d1
	VADDPD       Y10, Y8, Y11
	VMOVUPD      Y11, (R8)(AX*8)
swish64_d1:
	VMOVUPD      ONE, Y9
	VFNMADD231PD TWO, Y8, Y9
	VADDPD       Y7, Y7, Y13
	TESTQ        R9, R9
	JZ           swish64_d2
	VMULPD       Y9, Y10, Y12
	VADDPD       Y12, Y13, Y12
	VMOVUPD      Y12, (R9)(AX*8)
swish64_d2:
	TESTQ        R10, R10
	JZ           swish64_next
	VMULPD       Y9, Y7, Y1
	VMULPD       Y9, Y1, Y1
	VMULPD       Y7, Y13, Y2
	VSUBPD       Y2, Y1, Y1
	VMULPD       Y1, Y0, Y1
	VMULPD       THREE, Y7, Y2
	VMULPD       Y9, Y2, Y2
	VADDPD       Y1, Y2, Y2
	VMOVUPD      Y2, (R10)(AX*8)
swish64_next:
	ADDQ         $4, AX
swish64_cond:
	CMPQ         AX, CX
	JLT          swish64_loop
	VZEROUPPER
	RET

// func softplus32AVX(f, d1, d2, d3, x *float32, n int)
//
// softplus: f = max(x, 0) + log1p(e), d1 = g, d2 = q, d3 = q·(1 − 2g), e = exp(−|x|).
TEXT ·softplus32AVX(SB), NOSPLIT, $0-48
	MOVQ         f+0(FP), DI
	MOVQ         d1+8(FP), R8
	MOVQ         d2+16(FP), R9
	MOVQ         d3+24(FP), R10
	MOVQ         x+32(FP), SI
	MOVQ         n+40(FP), CX
	MOVQ         R8, BX
	ORQ          R9, BX
	ORQ          R10, BX
	XORQ         AX, AX
	VMOVUPS      SCLAMP, Y15
	VXORPS       Y14, Y14, Y14
	JMP          softplus32_cond
softplus32_loop:
	VMOVUPS      (SI)(AX*4), Y0
	VORPS        SSIGN, Y0, Y1
	VMAXPS       Y1, Y15, Y1
	EXP32(Y1,    Y2, Y3, Y4)
	TESTQ        BX, BX
	JZ           softplus32_f
	VADDPS       SONE, Y4, Y5
	VMULPS       Y5, Y5, Y6
	VDIVPS       Y6, Y4, Y7
	VMOVUPS      SONE, Y8
	VBLENDVPS    Y0, Y4, Y8, Y8
	VDIVPS       Y5, Y8, Y8
	TESTQ        R8, R8
	JZ           softplus32_d1
	VMOVUPS      Y8, (R8)(AX*4)
softplus32_d1:
	TESTQ        R9, R9
	JZ           softplus32_d2
	VMOVUPS      Y7, (R9)(AX*4)
softplus32_d2:
	TESTQ        R10, R10
	JZ           softplus32_f
	VMOVUPS      SONE, Y9
	VFNMADD231PS STWO, Y8, Y9
	VMULPS       Y9, Y7, Y9
	VMOVUPS      Y9, (R10)(AX*4)
softplus32_f:
	TESTQ        DI, DI
	JZ           softplus32_next
	LOG1P32(Y4,  Y10, Y1, Y2, Y3, Y5, Y6)
	VMAXPS       Y0, Y14, Y11
	VADDPS       Y10, Y11, Y11
	VMOVUPS      Y11, (DI)(AX*4)
softplus32_next:
	ADDQ         $8, AX
softplus32_cond:
	CMPQ         AX, CX
	JLT          softplus32_loop
	VZEROUPPER
	RET

// func lnCosh32AVX(f, d1, d2, d3, x *float32, n int)
//
// ln cosh: f = |x| + log1p(e) − ln 2, d1 = t, d2 = s, d3 = −2·t·s, e = exp(−2|x|).
TEXT ·lnCosh32AVX(SB), NOSPLIT, $0-48
	MOVQ         f+0(FP), DI
	MOVQ         d1+8(FP), R8
	MOVQ         d2+16(FP), R9
	MOVQ         d3+24(FP), R10
	MOVQ         x+32(FP), SI
	MOVQ         n+40(FP), CX
	MOVQ         R8, BX
	ORQ          R9, BX
	ORQ          R10, BX
	XORQ         AX, AX
	VMOVUPS      SCLAMP, Y15
	VXORPS       Y14, Y14, Y14
	JMP          lnCosh32_cond
lnCosh32_loop:
	VMOVUPS      (SI)(AX*4), Y0
	VANDPS       SABS, Y0, Y13
	VMULPS       SNEGTWO, Y13, Y1
	VMAXPS       Y1, Y15, Y1
	EXP32(Y1,    Y2, Y3, Y4)
	TESTQ        BX, BX
	JZ           lnCosh32_f
	VADDPS       SONE, Y4, Y5
	VMULPS       Y5, Y5, Y6
	VMULPS       SFOUR, Y4, Y7
	VDIVPS       Y6, Y7, Y7
	VMOVUPS      SONE, Y8
	VSUBPS       Y4, Y8, Y8
	VDIVPS       Y5, Y8, Y8
	VCMPPS       $1, Y14, Y0, Y9
	VANDPS       SSIGN, Y9, Y9
	VXORPS       Y9, Y8, Y8
	TESTQ        R8, R8
	JZ           lnCosh32_d1
	VMOVUPS      Y8, (R8)(AX*4)
lnCosh32_d1:
	TESTQ        R9, R9
	JZ           lnCosh32_d2
	VMOVUPS      Y7, (R9)(AX*4)
lnCosh32_d2:
	TESTQ        R10, R10
	JZ           lnCosh32_f
	VMULPS       SNEGTWO, Y8, Y9
	VMULPS       Y7, Y9, Y9
	VMOVUPS      Y9, (R10)(AX*4)
lnCosh32_f:
	TESTQ        DI, DI
	JZ           lnCosh32_next
	LOG1P32(Y4,  Y10, Y1, Y2, Y3, Y5, Y6)
	VADDPS       Y10, Y13, Y10
	VSUBPS       SLNHI, Y10, Y10
	VMOVUPS      Y10, (DI)(AX*4)
lnCosh32_next:
	ADDQ         $8, AX
lnCosh32_cond:
	CMPQ         AX, CX
	JLT          lnCosh32_loop
	VZEROUPPER
	RET

// func tanh32AVX(f, d1, d2, d3, x *float32, n int)
//
// tanh: f = t, d1 = s, d2 = −2·t·s, d3 = −2·s·s + 4·t·t·s, e = exp(−2|x|).
TEXT ·tanh32AVX(SB), NOSPLIT, $0-48
	MOVQ         f+0(FP), DI
	MOVQ         d1+8(FP), R8
	MOVQ         d2+16(FP), R9
	MOVQ         d3+24(FP), R10
	MOVQ         x+32(FP), SI
	MOVQ         n+40(FP), CX
	MOVQ         R8, BX
	ORQ          R9, BX
	ORQ          R10, BX
	XORQ         AX, AX
	VMOVUPS      SCLAMP, Y15
	VXORPS       Y14, Y14, Y14
	JMP          tanh32_cond
tanh32_loop:
	VMOVUPS      (SI)(AX*4), Y0
	VANDPS       SABS, Y0, Y13
	VMULPS       SNEGTWO, Y13, Y1
	VMAXPS       Y1, Y15, Y1
	EXP32(Y1,    Y2, Y3, Y4)
	VADDPS       SONE, Y4, Y5
	VMULPS       Y5, Y5, Y6
	VMULPS       SFOUR, Y4, Y7
	VDIVPS       Y6, Y7, Y7
	VMOVUPS      SONE, Y8
	VSUBPS       Y4, Y8, Y8
	VDIVPS       Y5, Y8, Y8
	VCMPPS       $1, Y14, Y0, Y9
	VANDPS       SSIGN, Y9, Y9
	VXORPS       Y9, Y8, Y8
	TESTQ        DI, DI
	JZ           tanh32_f
	VMOVUPS      Y8, (DI)(AX*4)
tanh32_f:
	TESTQ        R8, R8
	JZ           tanh32_d1
	VMOVUPS      Y7, (R8)(AX*4)
tanh32_d1:
	TESTQ        R9, R9
	JZ           tanh32_d2
	VMULPS       SNEGTWO, Y8, Y9
	VMULPS       Y7, Y9, Y9
	VMOVUPS      Y9, (R9)(AX*4)
tanh32_d2:
	TESTQ        R10, R10
	JZ           tanh32_next
	VMULPS       SNEGTWO, Y7, Y10
	VMULPS       Y7, Y10, Y10
	VMULPS       SFOUR, Y8, Y11
	VMULPS       Y8, Y11, Y11
	VMULPS       Y7, Y11, Y11
	VADDPS       Y11, Y10, Y10
	VMOVUPS      Y10, (R10)(AX*4)
tanh32_next:
	ADDQ         $8, AX
tanh32_cond:
	CMPQ         AX, CX
	JLT          tanh32_loop
	VZEROUPPER
	RET

// func sigmoid32AVX(f, d1, d2, d3, x *float32, n int)
//
// sigmoid: f = g, d1 = q, d2 = q·u, d3 = q·u·u − 2·q·q, u = 1 − 2g, e = exp(−|x|).
TEXT ·sigmoid32AVX(SB), NOSPLIT, $0-48
	MOVQ         f+0(FP), DI
	MOVQ         d1+8(FP), R8
	MOVQ         d2+16(FP), R9
	MOVQ         d3+24(FP), R10
	MOVQ         x+32(FP), SI
	MOVQ         n+40(FP), CX
	MOVQ         R8, BX
	ORQ          R9, BX
	ORQ          R10, BX
	XORQ         AX, AX
	VMOVUPS      SCLAMP, Y15
	VXORPS       Y14, Y14, Y14
	JMP          sigmoid32_cond
sigmoid32_loop:
	VMOVUPS      (SI)(AX*4), Y0
	VORPS        SSIGN, Y0, Y1
	VMAXPS       Y1, Y15, Y1
	EXP32(Y1,    Y2, Y3, Y4)
	VADDPS       SONE, Y4, Y5
	VMULPS       Y5, Y5, Y6
	VDIVPS       Y6, Y4, Y7
	VMOVUPS      SONE, Y8
	VBLENDVPS    Y0, Y4, Y8, Y8
	VDIVPS       Y5, Y8, Y8
	TESTQ        DI, DI
	JZ           sigmoid32_f
	VMOVUPS      Y8, (DI)(AX*4)
sigmoid32_f:
	TESTQ        R8, R8
	JZ           sigmoid32_d1
	VMOVUPS      Y7, (R8)(AX*4)
sigmoid32_d1:
	VMOVUPS      SONE, Y9
	VFNMADD231PS STWO, Y8, Y9
	VMULPS       Y9, Y7, Y10
	TESTQ        R9, R9
	JZ           sigmoid32_d2
	VMOVUPS      Y10, (R9)(AX*4)
sigmoid32_d2:
	TESTQ        R10, R10
	JZ           sigmoid32_next
	VMULPS       Y9, Y10, Y11
	VADDPS       Y7, Y7, Y12
	VMULPS       Y7, Y12, Y12
	VSUBPS       Y12, Y11, Y11
	VMOVUPS      Y11, (R10)(AX*4)
sigmoid32_next:
	ADDQ         $8, AX
sigmoid32_cond:
	CMPQ         AX, CX
	JLT          sigmoid32_loop
	VZEROUPPER
	RET

// func swish32AVX(f, d1, d2, d3, x *float32, n int)
//
// swish: f = x·g, d1 = g + x·q, d2 = 2q + x·q·u,
// d3 = 3q·u + x·(q·u·u − 2·q·q), u = 1 − 2g, e = exp(−|x|).
TEXT ·swish32AVX(SB), NOSPLIT, $0-48
	MOVQ         f+0(FP), DI
	MOVQ         d1+8(FP), R8
	MOVQ         d2+16(FP), R9
	MOVQ         d3+24(FP), R10
	MOVQ         x+32(FP), SI
	MOVQ         n+40(FP), CX
	MOVQ         R8, BX
	ORQ          R9, BX
	ORQ          R10, BX
	XORQ         AX, AX
	VMOVUPS      SCLAMP, Y15
	VXORPS       Y14, Y14, Y14
	JMP          swish32_cond
swish32_loop:
	VMOVUPS      (SI)(AX*4), Y0
	VORPS        SSIGN, Y0, Y1
	VMAXPS       Y1, Y15, Y1
	EXP32(Y1,    Y2, Y3, Y4)
	VADDPS       SONE, Y4, Y5
	VMULPS       Y5, Y5, Y6
	VDIVPS       Y6, Y4, Y7
	VMOVUPS      SONE, Y8
	VBLENDVPS    Y0, Y4, Y8, Y8
	VDIVPS       Y5, Y8, Y8
	TESTQ        DI, DI
	JZ           swish32_f
	VMULPS       Y8, Y0, Y1
	VMOVUPS      Y1, (DI)(AX*4)
swish32_f:
	VMULPS       Y7, Y0, Y10
	TESTQ        R8, R8
	JZ           swish32_d1
	VADDPS       Y10, Y8, Y11
	VMOVUPS      Y11, (R8)(AX*4)
swish32_d1:
	VMOVUPS      SONE, Y9
	VFNMADD231PS STWO, Y8, Y9
	VADDPS       Y7, Y7, Y13
	TESTQ        R9, R9
	JZ           swish32_d2
	VMULPS       Y9, Y10, Y12
	VADDPS       Y12, Y13, Y12
	VMOVUPS      Y12, (R9)(AX*4)
swish32_d2:
	TESTQ        R10, R10
	JZ           swish32_next
	VMULPS       Y9, Y7, Y1
	VMULPS       Y9, Y1, Y1
	VMULPS       Y7, Y13, Y2
	VSUBPS       Y2, Y1, Y1
	VMULPS       Y1, Y0, Y1
	VMULPS       STHREE, Y7, Y2
	VMULPS       Y9, Y2, Y2
	VADDPS       Y1, Y2, Y2
	VMOVUPS      Y2, (R10)(AX*4)
swish32_next:
	ADDQ         $8, AX
swish32_cond:
	CMPQ         AX, CX
	JLT          swish32_loop
	VZEROUPPER
	RET
