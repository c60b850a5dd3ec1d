package kern

import "math"

// Activations with their first three derivatives, in the numerically stable
// forms of [github.com/mafc-dev/mafc/ir.Act.Eval] (which is the
// reference these are tested against): with e = exp(−|x|),
// sigmoid(x)(1 − sigmoid(x)) = e/(1 + e)², and with e = exp(−2|x|),
// sech²x = 4e/(1 + e)².

// logistic returns, with e = exp(−|x|), g = sigmoid(x) and
// q = g(1 − g) = e/(1 + e)², in forms that cannot overflow.
func logistic(x float64) (e, g, q float64) {
	e = math.Exp(-math.Abs(x))
	d := 1 + e
	q = e / (d * d)
	g = 1 / d
	if x < 0 {
		g = e / d
	}
	return e, g, q
}

// tanhSech2 returns, with e = exp(−2|x|), t = tanh x and
// s = sech²x = 4e/(1 + e)², in forms that cannot overflow.
func tanhSech2(x float64) (e, t, s float64) {
	e = math.Exp(-2 * math.Abs(x))
	d := 1 + e
	s = 4 * e / (d * d)
	t = (1 - e) / d
	if x < 0 {
		t = -t
	}
	return e, t, s
}

// Softplus returns ln(1 + eˣ) and its derivatives σ′ = g = sigmoid(x),
// σ″ = g(1 − g), σ‴ = g(1 − g)(1 − 2g).
func Softplus(x float64) (f, d1, d2, d3 float64) {
	e, g, q := logistic(x)
	return math.Max(x, 0) + math.Log1p(e), g, q, q * (1 - 2*g)
}

// LnCosh returns ln cosh x and its derivatives tanh x, sech²x and
// −2·tanh x·sech²x.
func LnCosh(x float64) (f, d1, d2, d3 float64) {
	e, t, s := tanhSech2(x)
	return math.Abs(x) + math.Log1p(e) - math.Ln2, t, s, -2 * t * s
}

// Tanh returns tanh x and its derivatives.
func Tanh(x float64) (f, d1, d2, d3 float64) {
	_, t, s := tanhSech2(x)
	return t, s, -2 * t * s, -2*s*s + 4*t*t*s
}

// Sigmoid returns 1/(1 + e⁻ˣ) and its derivatives.
func Sigmoid(x float64) (f, d1, d2, d3 float64) {
	_, g, q := logistic(x)
	u := 1 - 2*g
	return g, q, q * u, q*u*u - 2*q*q
}

// Swish returns x·sigmoid(x) (SiLU) and its derivatives.
func Swish(x float64) (f, d1, d2, d3 float64) {
	_, g, q := logistic(x)
	u := 1 - 2*g
	return x * g, g + x*q, 2*q + x*q*u, 3*q*u + x*(q*u*u-2*q*q)
}

// Quadratic returns x²/2 and its derivatives x, 1, 0.
func Quadratic(x float64) (f, d1, d2, d3 float64) { return 0.5 * x * x, x, 1, 0 }

// Identity returns x and its derivatives 1, 0, 0.
func Identity(x float64) (f, d1, d2, d3 float64) { return x, 1, 0, 0 }

// AddColScaled adds T[o,i]·d[i] to G[o,i] for nout×nin matrices.
func AddColScaled[T Float](G, Tm, d []T, nout, nin int) {
	for o := 0; o < nout; o++ {
		g, t := G[o*nin:o*nin+nin], Tm[o*nin:o*nin+nin]
		for i, x := range t {
			g[i] += x * d[i]
		}
	}
}
