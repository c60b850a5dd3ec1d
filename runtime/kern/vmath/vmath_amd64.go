//go:build amd64 && !noasm

package vmath

import (
	"math"
	"unsafe"

	"golang.org/x/sys/cpu"
)

//go:generate go run gen_amd64.go

// useAsm selects the AVX2/FMA assembly kernels (vmath_amd64.s); it is a
// variable so that tests and benchmarks can force the portable code.
var useAsm = cpu.X86.HasAVX2 && cpu.X86.HasFMA

// The assembly kernels process n elements (n a multiple of 4 for float64, of
// 8 for float32) of x and write the outputs whose pointers are not nil. They
// read each block of 64 elements of x before writing any output of the
// block, so x may equal an output.

//go:noescape
func softplus64AVX(f, d1, d2, d3, x *float64, n int)

//go:noescape
func lnCosh64AVX(f, d1, d2, d3, x *float64, n int)

//go:noescape
func tanh64AVX(f, d1, d2, d3, x *float64, n int)

//go:noescape
func sigmoid64AVX(f, d1, d2, d3, x *float64, n int)

//go:noescape
func swish64AVX(f, d1, d2, d3, x *float64, n int)

//go:noescape
func softplus32AVX(f, d1, d2, d3, x *float32, n int)

//go:noescape
func lnCosh32AVX(f, d1, d2, d3, x *float32, n int)

//go:noescape
func tanh32AVX(f, d1, d2, d3, x *float32, n int)

//go:noescape
func sigmoid32AVX(f, d1, d2, d3, x *float32, n int)

//go:noescape
func swish32AVX(f, d1, d2, d3, x *float32, n int)

// probe64AVX and probe32AVX expose exp and log1p of the assembly to the
// tests: e[i] = exp(−|x[i]|), l[i] = log1p(x[i]) for x[i] ∈ [0, 1].
//
//go:noescape
func probe64AVX(e, l, x *float64, n int)

//go:noescape
func probe32AVX(e, l, x *float32, n int)

// vec64 calls the float64 kernel of the given kind.
func vec64(kind int, f, d1, d2, d3, x *float64, n int) {
	switch kind {
	case kindSoftplus:
		softplus64AVX(f, d1, d2, d3, x, n)
	case kindLnCosh:
		lnCosh64AVX(f, d1, d2, d3, x, n)
	case kindTanh:
		tanh64AVX(f, d1, d2, d3, x, n)
	case kindSigmoid:
		sigmoid64AVX(f, d1, d2, d3, x, n)
	case kindSwish:
		swish64AVX(f, d1, d2, d3, x, n)
	}
}

// vec32 calls the float32 kernel of the given kind.
func vec32(kind int, f, d1, d2, d3, x *float32, n int) {
	switch kind {
	case kindSoftplus:
		softplus32AVX(f, d1, d2, d3, x, n)
	case kindLnCosh:
		lnCosh32AVX(f, d1, d2, d3, x, n)
	case kindTanh:
		tanh32AVX(f, d1, d2, d3, x, n)
	case kindSigmoid:
		sigmoid32AVX(f, d1, d2, d3, x, n)
	case kindSwish:
		swish32AVX(f, d1, d2, d3, x, n)
	}
}

// first returns &s[0], or nil for a nil (or empty) s.
func first[T float32 | float64](s []T) *T {
	if len(s) == 0 {
		return nil
	}
	return &s[0]
}

// pick returns &b[0] if s is not nil (the output is wanted), else nil.
func pick[T float32 | float64](s []T, b []T) *T {
	if s == nil {
		return nil
	}
	return &b[0]
}

// run64 evaluates the activation kind on x with the assembly; see run.
func run64(kind int, f, d1, d2, d3, x []float64) { run(kind, f, d1, d2, d3, x) }

// run32 is run64 for float32.
func run32(kind int, f, d1, d2, d3, x []float32) { run(kind, f, d1, d2, d3, x) }

// run evaluates the activation kind on x with the assembly: whole vectors
// (4 float64 or 8 float32 elements) in place, the remaining elements
// through a zero-padded vector on the stack, so that every result is
// computed by the same code. The outputs have been checked to hold len(x)
// elements.
func run[T float32 | float64](kind int, f, d1, d2, d3, x []T) {
	var xb, fb, b1, b2, b3 [8]T
	w := 32 / int(unsafe.Sizeof(xb[0]))
	n := len(x)
	m := n &^ (w - 1)
	if m > 0 {
		vec(kind, first(f), first(d1), first(d2), first(d3), &x[0], m)
	}
	if m == n {
		return
	}
	copy(xb[:], x[m:])
	vec(kind, pick(f, fb[:]), pick(d1, b1[:]), pick(d2, b2[:]), pick(d3, b3[:]), &xb[0], w)
	if f != nil {
		copy(f[m:n], fb[:])
	}
	if d1 != nil {
		copy(d1[m:n], b1[:])
	}
	if d2 != nil {
		copy(d2[m:n], b2[:])
	}
	if d3 != nil {
		copy(d3[m:n], b3[:])
	}
}

// vec calls vec64 or vec32, as T is float64 or float32.
func vec[T float32 | float64](kind int, f, d1, d2, d3, x *T, n int) {
	if unsafe.Sizeof(*x) == 8 {
		vec64(kind, (*float64)(unsafe.Pointer(f)), (*float64)(unsafe.Pointer(d1)), (*float64)(unsafe.Pointer(d2)), (*float64)(unsafe.Pointer(d3)), (*float64)(unsafe.Pointer(x)), n)
		return
	}
	vec32(kind, (*float32)(unsafe.Pointer(f)), (*float32)(unsafe.Pointer(d1)), (*float32)(unsafe.Pointer(d2)), (*float32)(unsafe.Pointer(d3)), (*float32)(unsafe.Pointer(x)), n)
}

// Sign and magnitude masks: entry 0 has only the sign bit set in every
// lane, entry 1 every bit but the sign.
var (
	m64 = [2][4]uint64{
		{1 << 63, 1 << 63, 1 << 63, 1 << 63},
		{1<<63 - 1, 1<<63 - 1, 1<<63 - 1, 1<<63 - 1},
	}
	m32 = [2][8]uint32{
		{1 << 31, 1 << 31, 1 << 31, 1 << 31, 1 << 31, 1 << 31, 1 << 31, 1 << 31},
		{1<<31 - 1, 1<<31 - 1, 1<<31 - 1, 1<<31 - 1, 1<<31 - 1, 1<<31 - 1, 1<<31 - 1, 1<<31 - 1},
	}
)

// Indices into the constant tables c64 and c32; the assembly refers to
// entry i as c64+32·i (see the #defines in vmath_amd64.s).
const (
	cOne = iota
	cTwo
	cHalf
	cClamp
	cMagic
	cMagicB
	cLog2E
	cLn2Hi
	cLn2Lo
	cLnHi
	cLnLo
	cFour
	cThree
	cNegTwo
	cTwoM64
	cTinyM
	cTinyFM
	cESMin
	cESMinM
	cOSmall
	cSqMin
	cLgSmall
	cESlow
	cXSmall
	cE13
	cE12
	cE11
	cE10
	cE9
	cE8
	cE7
	cE6
	cE5
	cE4
	cE3
	cE2
	cL11
	cL10
	cL9
	cL8
	cL7
	cL6
	cL5
	cL4
	cL3
	cL2
	cL1
	cCount
)

// c64 holds the float64 constants of the assembly, each replicated to a
// 32-byte vector.
var c64 = [cCount][4]float64{
	cOne:     {1, 1, 1, 1},
	cTwo:     {2, 2, 2, 2},
	cHalf:    {0.5, 0.5, 0.5, 0.5},
	cClamp:   {expMin64, expMin64, expMin64, expMin64},
	cMagic:   {magic64, magic64, magic64, magic64},
	cMagicB:  {magic64 + 1023 + 64, magic64 + 1023 + 64, magic64 + 1023 + 64, magic64 + 1023 + 64},
	cLog2E:   {math.Log2E, math.Log2E, math.Log2E, math.Log2E},
	cLn2Hi:   {ln2Hi64, ln2Hi64, ln2Hi64, ln2Hi64},
	cLn2Lo:   {ln2Lo64, ln2Lo64, ln2Lo64, ln2Lo64},
	cLnHi:    {ln2Near64, ln2Near64, ln2Near64, ln2Near64},
	cLnLo:    {ln2Tail64, ln2Tail64, ln2Tail64, ln2Tail64},
	cFour:    {4, 4, 4, 4},
	cThree:   {3, 3, 3, 3},
	cNegTwo:  {-2, -2, -2, -2},
	cTwoM64:  {twoM64, twoM64, twoM64, twoM64},
	cTinyM:   {tinyM64, tinyM64, tinyM64, tinyM64},
	cTinyFM:  {tinyM32in64, tinyM32in64, tinyM32in64, tinyM32in64},
	cESMin:   {esMin64, esMin64, esMin64, esMin64},
	cESMinM:  {esMinM64, esMinM64, esMinM64, esMinM64},
	cOSmall:  {oSmall64, oSmall64, oSmall64, oSmall64},
	cSqMin:   {sqMin64, sqMin64, sqMin64, sqMin64},
	cLgSmall: {log1pSmall64, log1pSmall64, log1pSmall64, log1pSmall64},
	cESlow:   {esSlow64, esSlow64, esSlow64, esSlow64},
	cXSmall:  {xSmall64, xSmall64, xSmall64, xSmall64},
	cE13:     {e13, e13, e13, e13},
	cE12:     {e12, e12, e12, e12},
	cE11:     {e11, e11, e11, e11},
	cE10:     {e10, e10, e10, e10},
	cE9:      {e9, e9, e9, e9},
	cE8:      {e8, e8, e8, e8},
	cE7:      {e7, e7, e7, e7},
	cE6:      {e6, e6, e6, e6},
	cE5:      {e5, e5, e5, e5},
	cE4:      {e4, e4, e4, e4},
	cE3:      {e3, e3, e3, e3},
	cE2:      {e2, e2, e2, e2},
	cL11:     {l11, l11, l11, l11},
	cL10:     {l10, l10, l10, l10},
	cL9:      {l9, l9, l9, l9},
	cL8:      {l8, l8, l8, l8},
	cL7:      {l7, l7, l7, l7},
	cL6:      {l6, l6, l6, l6},
	cL5:      {l5, l5, l5, l5},
	cL4:      {l4, l4, l4, l4},
	cL3:      {l3, l3, l3, l3},
	cL2:      {l2, l2, l2, l2},
	cL1:      {l1, l1, l1, l1},
}

// c32 holds the float32 constants of the assembly (the same entries, in
// float32; the exp and log1p polynomials use only E7…E2 and L5…L1, and the
// float32 kernels, which compute their derivatives in float64 with c64,
// do not use TINYFM, ESMINM, OSMALL and SQMIN, left 0), each replicated to
// a 32-byte vector.
var c32 = [cCount][8]float32{
	cOne:     {1, 1, 1, 1, 1, 1, 1, 1},
	cTwo:     {2, 2, 2, 2, 2, 2, 2, 2},
	cHalf:    {0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5},
	cClamp:   {expMin32, expMin32, expMin32, expMin32, expMin32, expMin32, expMin32, expMin32},
	cMagic:   {magic32, magic32, magic32, magic32, magic32, magic32, magic32, magic32},
	cMagicB:  {magic32 + 127 + 64, magic32 + 127 + 64, magic32 + 127 + 64, magic32 + 127 + 64, magic32 + 127 + 64, magic32 + 127 + 64, magic32 + 127 + 64, magic32 + 127 + 64},
	cLog2E:   {math.Log2E, math.Log2E, math.Log2E, math.Log2E, math.Log2E, math.Log2E, math.Log2E, math.Log2E},
	cLn2Hi:   {ln2Hi32, ln2Hi32, ln2Hi32, ln2Hi32, ln2Hi32, ln2Hi32, ln2Hi32, ln2Hi32},
	cLn2Lo:   {ln2Lo32, ln2Lo32, ln2Lo32, ln2Lo32, ln2Lo32, ln2Lo32, ln2Lo32, ln2Lo32},
	cLnHi:    {ln2Near32, ln2Near32, ln2Near32, ln2Near32, ln2Near32, ln2Near32, ln2Near32, ln2Near32},
	cLnLo:    {ln2Tail32, ln2Tail32, ln2Tail32, ln2Tail32, ln2Tail32, ln2Tail32, ln2Tail32, ln2Tail32},
	cFour:    {4, 4, 4, 4, 4, 4, 4, 4},
	cThree:   {3, 3, 3, 3, 3, 3, 3, 3},
	cNegTwo:  {-2, -2, -2, -2, -2, -2, -2, -2},
	cTwoM64:  {twoM64, twoM64, twoM64, twoM64, twoM64, twoM64, twoM64, twoM64},
	cTinyM:   {tinyM32, tinyM32, tinyM32, tinyM32, tinyM32, tinyM32, tinyM32, tinyM32},
	cESMin:   {esMin32, esMin32, esMin32, esMin32, esMin32, esMin32, esMin32, esMin32},
	cLgSmall: {log1pSmall32, log1pSmall32, log1pSmall32, log1pSmall32, log1pSmall32, log1pSmall32, log1pSmall32, log1pSmall32},
	cESlow:   {esSlow32, esSlow32, esSlow32, esSlow32, esSlow32, esSlow32, esSlow32, esSlow32},
	cXSmall:  {xSmall32, xSmall32, xSmall32, xSmall32, xSmall32, xSmall32, xSmall32, xSmall32},
	cE13:     {e13, e13, e13, e13, e13, e13, e13, e13},
	cE12:     {e12, e12, e12, e12, e12, e12, e12, e12},
	cE11:     {e11, e11, e11, e11, e11, e11, e11, e11},
	cE10:     {e10, e10, e10, e10, e10, e10, e10, e10},
	cE9:      {e9, e9, e9, e9, e9, e9, e9, e9},
	cE8:      {e8, e8, e8, e8, e8, e8, e8, e8},
	cE7:      {e7, e7, e7, e7, e7, e7, e7, e7},
	cE6:      {e6, e6, e6, e6, e6, e6, e6, e6},
	cE5:      {e5, e5, e5, e5, e5, e5, e5, e5},
	cE4:      {e4, e4, e4, e4, e4, e4, e4, e4},
	cE3:      {e3, e3, e3, e3, e3, e3, e3, e3},
	cE2:      {e2, e2, e2, e2, e2, e2, e2, e2},
	cL11:     {l11, l11, l11, l11, l11, l11, l11, l11},
	cL10:     {l10, l10, l10, l10, l10, l10, l10, l10},
	cL9:      {l9, l9, l9, l9, l9, l9, l9, l9},
	cL8:      {l8, l8, l8, l8, l8, l8, l8, l8},
	cL7:      {l7, l7, l7, l7, l7, l7, l7, l7},
	cL6:      {l6, l6, l6, l6, l6, l6, l6, l6},
	cL5:      {l5, l5, l5, l5, l5, l5, l5, l5},
	cL4:      {l4, l4, l4, l4, l4, l4, l4, l4},
	cL3:      {l3, l3, l3, l3, l3, l3, l3, l3},
	cL2:      {l2, l2, l2, l2, l2, l2, l2, l2},
	cL1:      {l1, l1, l1, l1, l1, l1, l1, l1},
}
