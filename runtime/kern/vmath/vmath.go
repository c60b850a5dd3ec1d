package vmath

// The activation kinds, selecting the assembly kernel in vec64/vec32.
const (
	kindSoftplus = iota
	kindLnCosh
	kindTanh
	kindSigmoid
	kindSwish
)

// Softplus64 writes, for each i < len(x), f[i] = ln(1 + e^x[i]) and its
// derivatives d1[i] = sigmoid(x[i]) = g, d2[i] = g(1 − g) and
// d3[i] = g(1 − g)(1 − 2g), in the forms of kern.Softplus (see the package
// documentation for the formulas and the accuracy: within
// max(4 ulp, 2u·μ) of kern.Softplus, μ the running error bound of its
// formula, which is a few ulp except near x = 0 for d3; outputs below the
// smallest normal are +0, subnormal inputs count as 0). Any of f, d1, d2,
// d3 may be nil (not computed; a nil f skips the logarithm); the others need
// at least len(x) elements, or it panics. x may be the same slice as one
// output. It does not allocate and is safe for concurrent use.
func Softplus64(f, d1, d2, d3, x []float64) {
	check(len(x), f, d1, d2, d3)
	if useAsm {
		run64(kindSoftplus, f, d1, d2, d3, x)
		return
	}
	softplusGo(f, d1, d2, d3, x)
}

// LnCosh64 writes, for each i < len(x), f[i] = ln cosh x[i] and its
// derivatives d1[i] = tanh x[i], d2[i] = sech²x[i] and
// d3[i] = −2·tanh x[i]·sech²x[i], in the forms of kern.LnCosh (accuracy: see
// the package documentation). Any of f, d1, d2, d3 may be nil (not computed;
// a nil f skips the logarithm); the others need at least len(x) elements,
// or it panics. x may be the same slice as one output. It does not allocate
// and is safe for concurrent use.
func LnCosh64(f, d1, d2, d3, x []float64) {
	check(len(x), f, d1, d2, d3)
	if useAsm {
		run64(kindLnCosh, f, d1, d2, d3, x)
		return
	}
	lnCoshGo(f, d1, d2, d3, x)
}

// Tanh64 writes, for each i < len(x), f[i] = tanh x[i] = t and its
// derivatives d1[i] = s = sech²x[i] = 1 − t², d2[i] = −2ts and
// d3[i] = −2s² + 4t²s, in the forms of kern.Tanh (accuracy: see the package
// documentation). Any of f, d1, d2, d3 may be nil (not computed); the others
// need at least len(x) elements, or it panics. x may be the same slice as
// one output. It does not allocate and is safe for concurrent use.
func Tanh64(f, d1, d2, d3, x []float64) {
	check(len(x), f, d1, d2, d3)
	if useAsm {
		run64(kindTanh, f, d1, d2, d3, x)
		return
	}
	tanhGo(f, d1, d2, d3, x)
}

// Sigmoid64 writes, for each i < len(x), f[i] = g = 1/(1 + e^−x[i]) and its
// derivatives d1[i] = q = g(1 − g), d2[i] = q(1 − 2g) and
// d3[i] = q(1 − 2g)² − 2q², in the forms of kern.Sigmoid (accuracy: see the
// package documentation). Any of f, d1, d2, d3 may be nil (not computed);
// the others need at least len(x) elements, or it panics. x may be the same
// slice as one output. It does not allocate and is safe for concurrent use.
func Sigmoid64(f, d1, d2, d3, x []float64) {
	check(len(x), f, d1, d2, d3)
	if useAsm {
		run64(kindSigmoid, f, d1, d2, d3, x)
		return
	}
	sigmoidGo(f, d1, d2, d3, x)
}

// Swish64 writes, for each i < len(x), f[i] = x·g (swish, SiLU; g the
// sigmoid of x = x[i], q = g(1 − g), u = 1 − 2g) and its derivatives
// d1[i] = g + x·q, d2[i] = 2q + x·q·u and d3[i] = 3q·u + x·(q·u² − 2q²), in
// the forms of kern.Swish (accuracy: see the package documentation; as
// there, f(−Inf) and the derivatives at ±Inf are NaN). Any of f, d1, d2, d3
// may be nil (not computed); the others need at least len(x) elements, or
// it panics. x may be the same slice as one output. It does not allocate and
// is safe for concurrent use.
func Swish64(f, d1, d2, d3, x []float64) {
	check(len(x), f, d1, d2, d3)
	if useAsm {
		run64(kindSwish, f, d1, d2, d3, x)
		return
	}
	swishGo(f, d1, d2, d3, x)
}

// Softplus32 is Softplus64 for float32: each output is within
// max(4 ulp, 2u·μ) (u = 2⁻²⁴, see the package documentation) of
// kern.Softplus(float64(x[i])) rounded to float32, or +0 where below the
// smallest normal float32 (d2 and d3 where |x| > 87.34, f and d1 too where
// x < −87.34); measured, within 1 ulp of it. It does not allocate and is safe for
// concurrent use.
func Softplus32(f, d1, d2, d3, x []float32) {
	check(len(x), f, d1, d2, d3)
	if useAsm {
		run32(kindSoftplus, f, d1, d2, d3, x)
		return
	}
	softplusGo(f, d1, d2, d3, x)
}

// LnCosh32 is LnCosh64 for float32, with the accuracy of Softplus32
// relative to kern.LnCosh. It does not allocate and is safe for concurrent
// use.
func LnCosh32(f, d1, d2, d3, x []float32) {
	check(len(x), f, d1, d2, d3)
	if useAsm {
		run32(kindLnCosh, f, d1, d2, d3, x)
		return
	}
	lnCoshGo(f, d1, d2, d3, x)
}

// Tanh32 is Tanh64 for float32, with the accuracy of Softplus32 relative to
// kern.Tanh. It does not allocate and is safe for concurrent use.
func Tanh32(f, d1, d2, d3, x []float32) {
	check(len(x), f, d1, d2, d3)
	if useAsm {
		run32(kindTanh, f, d1, d2, d3, x)
		return
	}
	tanhGo(f, d1, d2, d3, x)
}

// Sigmoid32 is Sigmoid64 for float32, with the accuracy of Softplus32
// relative to kern.Sigmoid. It does not allocate and is safe for concurrent
// use.
func Sigmoid32(f, d1, d2, d3, x []float32) {
	check(len(x), f, d1, d2, d3)
	if useAsm {
		run32(kindSigmoid, f, d1, d2, d3, x)
		return
	}
	sigmoidGo(f, d1, d2, d3, x)
}

// Swish32 is Swish64 for float32, with the accuracy of Softplus32 relative
// to kern.Swish. It does not allocate and is safe for concurrent use.
func Swish32(f, d1, d2, d3, x []float32) {
	check(len(x), f, d1, d2, d3)
	if useAsm {
		run32(kindSwish, f, d1, d2, d3, x)
		return
	}
	swishGo(f, d1, d2, d3, x)
}

// check panics unless every non-nil output has at least n elements.
func check[T float32 | float64](n int, f, d1, d2, d3 []T) {
	if (f != nil && len(f) < n) || (d1 != nil && len(d1) < n) ||
		(d2 != nil && len(d2) < n) || (d3 != nil && len(d3) < n) {
		panic("vmath: an output is shorter than x")
	}
}
