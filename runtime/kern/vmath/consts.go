package vmath

import "math"

// Constants of exp and log1p, shared by the Go and the assembly code (the
// tables in vmath_amd64.go replicate them per lane).
const (
	// magic64 = 1.5·2⁵²: y + magic64 rounds y to an integer k (ties to
	// even) held in the low mantissa bits, for |y| < 2⁵¹.
	magic64 = 0x1.8p52
	// magic32 = 1.5·2²³ is magic64 for float32.
	magic32 = 0x1.8p23

	// ln2Hi64 is ln 2 rounded down to 32 significant bits, so that k·ln2Hi64
	// is exact for |k| < 2²¹; ln2Lo64 = ln 2 − ln2Hi64 (rounded).
	ln2Hi64 = 0x1.62e42feep-01
	ln2Lo64 = math.Ln2 - ln2Hi64
	// ln2Hi32 is ln 2 rounded down to 16 significant bits (k·ln2Hi32 exact
	// in float32 for |k| < 2⁸); ln2Lo32 = ln 2 − ln2Hi32.
	ln2Hi32 = 0x1.62e4p-01
	ln2Lo32 = math.Ln2 - ln2Hi32
	// ln2Near64 and ln2Near32 are ln 2 rounded to float64 and float32,
	// written out so that the tails below are computed exactly (untyped).
	ln2Near64 = 0x1.62e42fefa39efp-01
	ln2Near32 = 0x1.62e43p-01
	// ln2Tail64 = ln 2 − ln2Near64 and ln2Tail32 = ln 2 − ln2Near32: the
	// parts of ln 2 that the nearest floats miss (log1p adds ln 2 as head
	// and tail).
	ln2Tail64 = math.Ln2 - ln2Near64
	ln2Tail32 = math.Ln2 - ln2Near32

	// expMin64: exp(y) rounds to 0 in float64 for y < −745.14, so arguments
	// are clamped to expMin64 (which keeps k ≥ −1076).
	expMin64 = -746

	// twoM64 = 2⁻⁶⁴: the float32 kernels compute exp(y)·2⁶⁴, which is
	// normal for all y ≥ expMin32, and unscale it exactly in float64.
	twoM64 = 0x1p-64

	// expMin32 bounds the exp argument in the float32 kernels: below it they
	// use exp = 0. Every output then rounds to what the float64 reference
	// gives in float32 (|x|·exp(−|x|) < 2⁻¹⁵⁰ for |x| ≥ 130), and exp(y)·2⁶⁴
	// is a normal float32 above it (k ≥ −188).
	expMin32 = -130

	// tiny64 and tiny32 are the smallest normal float64 and float32: the
	// functions return +0 for outputs below them and take inputs below
	// them as 0. tinyM64 and tinyM32 are the largest subnormals, and
	// tinyM32in64 the largest float64 below tiny32: the assembly compares
	// the bits of magnitudes, as integers, with them.
	tiny64      = 0x1p-1022
	tiny32      = 0x1p-126
	tinyM64     = tiny64 - 0x1p-1074
	tinyM32     = tiny32 - 0x1p-149
	tinyM32in64 = tiny32 - 0x1p-179

	// esMin64 = 2⁶⁴·tiny64: the float64 code works with e·2⁶⁴, which is
	// below esMin64 exactly where e = exp(…) is below the normal range;
	// esMinM64 is the float64 below it. esMin32 = 2⁶⁴·tiny32 is the same
	// for the float32 log1p.
	esMin64  = 0x1p-958
	esMinM64 = esMin64 - 0x1p-1011
	esMin32  = 0x1p-62

	// oSmall64: where e is below the normal range, every output is either
	// of order 1 or proportional to e; computed from e·2⁶⁴ < esMin64, the
	// latter are below oSmall64 (|output| ≤ 745·e·2⁶⁴), the former above.
	oSmall64 = 0x1p-900

	// sqMin64: q·q and s·s use 0 for q, s < sqMin64 (where the square
	// would underflow, and is far below the rounding error of the terms
	// it is added to).
	sqMin64 = 0x1p-511

	// log1pSmall64 and log1pSmall32: below them log1p(e) rounds to e
	// (|log1p(e) − e| < e²/2 is below a quarter ulp), which log1p returns
	// without evaluating its polynomial, whose φ² and s² would underflow.
	log1pSmall64 = 0x1p-54
	log1pSmall32 = 0x1p-25

	// esSlow64, esSlow32, xSmall64 and xSmall32: the assembly runs a vector
	// through its slower code, which flushes the outputs and masks the
	// squares, only when a lane has e·2⁶⁴ below esSlow (e < 2⁻⁵⁰⁰, resp.
	// 2⁻¹²⁰) or, for swish, |x| below xSmall; elsewhere no output is below
	// the normal range (see outputLoop in gen_amd64.go).
	esSlow64 = 0x1p-436
	esSlow32 = 0x1p-56
	xSmall64 = 0x1p-1000
	xSmall32 = 0x1p-100
)

// Taylor coefficients 1/n! of exp, n = 2 … 13.
const (
	e2  = 1.0 / 2
	e3  = 1.0 / 6
	e4  = 1.0 / 24
	e5  = 1.0 / 120
	e6  = 1.0 / 720
	e7  = 1.0 / 5040
	e8  = 1.0 / 40320
	e9  = 1.0 / 362880
	e10 = 1.0 / 3628800
	e11 = 1.0 / 39916800
	e12 = 1.0 / 479001600
	e13 = 1.0 / 6227020800
)

// Coefficients 2/(2j+1) of R(w) = Σⱼ 2wʲ/(2j+1) in
// log1p(φ) = φ − (φ²/2 − s·(φ²/2 + R(s²))), s = φ/(2+φ).
const (
	l1  = 2.0 / 3
	l2  = 2.0 / 5
	l3  = 2.0 / 7
	l4  = 2.0 / 9
	l5  = 2.0 / 11
	l6  = 2.0 / 13
	l7  = 2.0 / 15
	l8  = 2.0 / 17
	l9  = 2.0 / 19
	l10 = 2.0 / 21
	l11 = 2.0 / 23
)
