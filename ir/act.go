package ir

import "math"

// Eval returns σ(x), σ′(x), σ″(x) and σ‴(x) for the activation a.
//
// Every formula is evaluated in a numerically stable form: with e = exp(−|x|)
// (or exp(−2|x|) for ln cosh), softplus(x) = max(x, 0) + log1p(e),
// ln cosh x = |x| + log1p(exp(−2|x|)) − ln 2, sigmoid(x)(1 − sigmoid(x)) =
// e/(1 + e)² and sech²x = 4e/(1 + e)², so that σ and its derivatives of
// ±1000 are finite and exact to rounding. It panics on an unknown activation.
func (a Act) Eval(x float64) (f, d1, d2, d3 float64) {
	switch a {
	case Softplus:
		g, q := sigmoidQ(x)
		f = math.Max(x, 0) + math.Log1p(math.Exp(-math.Abs(x)))
		return f, g, q, q * (1 - 2*g)
	case LnCosh:
		t, s := tanhSech2(x)
		ax := math.Abs(x)
		f = ax + math.Log1p(math.Exp(-2*ax)) - math.Ln2
		return f, t, s, -2 * t * s
	case Tanh:
		t, s := tanhSech2(x)
		return t, s, -2 * t * s, -2*s*s + 4*t*t*s
	case Sigmoid:
		g, q := sigmoidQ(x)
		return g, q, q * (1 - 2*g), q*(1-2*g)*(1-2*g) - 2*q*q
	case Swish:
		g, q := sigmoidQ(x)
		u := 1 - 2*g
		return x * g, g + x*q, 2*q + x*q*u, 3*q*u + x*(q*u*u-2*q*q)
	case Quadratic:
		return 0.5 * x * x, x, 1, 0
	case Identity:
		return x, 1, 0, 0
	}
	panic("ir: unknown activation " + string(a))
}

// sigmoidQ returns g = 1/(1 + e⁻ˣ) and q = g(1 − g), both without
// cancellation or overflow.
func sigmoidQ(x float64) (g, q float64) {
	e := math.Exp(-math.Abs(x))
	d := 1 + e
	q = e / (d * d)
	if x >= 0 {
		return 1 / d, q
	}
	return e / d, q
}

// tanhSech2 returns tanh x and sech²x = 1 − tanh²x, the latter as 4e/(1 + e)²
// with e = exp(−2|x|) so that it does not cancel for large |x|.
func tanhSech2(x float64) (t, s float64) {
	e := math.Exp(-2 * math.Abs(x))
	d := 1 + e
	s = 4 * e / (d * d)
	t = (1 - e) / d
	if x < 0 {
		t = -t
	}
	return t, s
}
