// Package vmath evaluates the smooth activation functions of mafc, together
// with their first three derivatives, on whole slices: ln(1 + eˣ) (softplus),
// ln cosh x, tanh x, the logistic sigmoid and x·sigmoid(x) (swish), for
// float64 and float32.
//
// Every function has the form
//
//	func Softplus64(f, d1, d2, d3, x []float64)
//
// and writes f[i] = σ(x[i]), d1[i] = σ′(x[i]), d2[i] = σ″(x[i]) and
// d3[i] = σ‴(x[i]) for i < len(x). Any of f, d1, d2, d3 may be nil: that
// output is then neither computed nor written (for softplus and ln cosh, a
// nil f also skips the logarithm). A non-nil output must have at least
// len(x) elements, otherwise the function panics before writing anything;
// only its first len(x) elements are written.
//
// # Formulas
//
// The results follow the numerically stable forms of the scalar reference
// functions [github.com/mafc-dev/mafc/runtime/kern.Softplus] etc. (and of
// [github.com/mafc-dev/mafc/ir.Act.Eval]) operation by operation;
// only exp and log1p are replaced by the implementations of this package.
// With a = |x|, e = exp(−a), d = 1 + e, g = 1/d (x ≥ 0) or e/d (x < 0),
// q = e/d² = g(1 − g) and u = 1 − 2g:
//
//	softplus  f = max(x, 0) + log1p(e), d1 = g, d2 = q, d3 = q·u
//	sigmoid   f = g, d1 = q, d2 = q·u, d3 = q·u·u − 2·q·q
//	swish     f = x·g, d1 = g + x·q, d2 = 2q + x·q·u,
//	          d3 = 3q·u + x·(q·u·u − 2·q·q)
//
// and with e = exp(−2a), d = 1 + e, s = 4e/d² (= sech²x) and
// t = ±(1 − e)/d (= tanh x, with the sign of x):
//
//	ln cosh   f = a + log1p(e) − ln 2, d1 = t, d2 = s, d3 = −2·t·s
//	tanh      f = t, d1 = s, d2 = −2·t·s, d3 = −2·s·s + 4·t·t·s
//
// These are finite and exact to rounding for |x| up to the largest floats
// (e underflows to 0), so ±1000, ±1e300 and ±Inf give the limits; NaN gives
// NaN in every output. Where the reference itself yields NaN, so does this
// package: swish of ±Inf has x·q = ±Inf·0, so f(−Inf) and all derivatives
// of ±Inf are NaN.
//
// # Below the normal range
//
// Saturated units (|x| beyond about 87 in float32, 708 in float64) have
// derivatives, and e, below the smallest normal number τ (2⁻¹²⁶ resp.
// 2⁻¹⁰²²), where the reference gives subnormal numbers. Intel cores take a
// microcode assist, about a hundred times slower, for every subnormal
// operand or result, here and in the products that consume the outputs
// (GEMM). So every output whose value is below τ is +0, an input below τ
// is taken as 0 (its outputs are those of +0), and no subnormal number is
// computed on the way (except in float64 swish of 0 < |x| < 2⁻¹⁰¹⁹, whose
// x·g and x·q are): e is kept as e·2⁶⁴, a normal number, down to the
// argument where exp rounds to 0, log1p returns e below 2⁻⁵⁴ (2⁻²⁵), where
// ln(1 + e) rounds to it, and q·q and s·s use 0 for q, s < 2⁻⁵¹¹. Outputs
// proportional to a subnormal e keep their normal values (float64 swish at
// x = −709.5: x·e ≈ −5·10⁻³⁰⁶, with e ≈ 7·10⁻³⁰⁹): the float32 functions
// compute the derivatives in float64 from e (normal there), the float64
// ones from e·2⁶⁴ and scale back. BenchmarkSubnormal compares ordinary
// with saturating inputs.
//
// # Accuracy
//
// Let v be the reference value: the scalar function of kern in float64 (for
// the float32 functions, its value at float64(x[i]) rounded to float32).
// The reference's own rounding errors are not negligible: near a zero of an
// output (d3 of softplus at x = 0, d2 and d3 of sigmoid, d1 and d2 of swish
// at their roots, d3 of tanh at tanh²x = 1/3), for ln cosh near 0 and for
// tanh x of tiny x (whose 1 − e loses digits) the reference is off by many
// of its own ulps, and compound outputs such as d3 of tanh amplify the
// rounding error of e by a few ulps. The bound therefore uses μ, the
// first-order running error bound of the reference formula (Higham,
// Accuracy and Stability of Numerical Algorithms, §3.3), in units of the
// unit roundoff u (2⁻⁵³ for float64, 2⁻²⁴ for float32), computed along the
// reference evaluation by
//
//	x and exact constants (1, 2, 3, 4, −2):  0;  ln 2 (a rounded constant): ln 2
//	e = exp(y):       2·max(e, τ)        (one ulp; τ = 2⁻¹⁰²² resp. 2⁻¹²⁶, the
//	                                      smallest normal: a subnormal e is only
//	                                      known to an absolute ulp)
//	log1p(e):         μ(e)/(1 + e) + 2·log1p(e)
//	a ± b:            μ(a) + μ(b) + |a ± b|
//	a·b:              |b|·μ(a) + |a|·μ(b) + |a·b|   (a·2ᵏ, exact: 2ᵏ·μ(a))
//	a/b:              (μ(a) + |a/b|·μ(b))/|b| + |a/b|
//
// To first order, every evaluation of the formula with unit roundoff u and
// with exp and log1p correct to one ulp — the reference as well as this
// package — is within u·μ of the exact value; so the two are within 2u·μ of
// each other, and every output is the value w̃ of such an evaluation,
//
//	|w̃ − v| ≤ max(4·ulp(v), 2u·μ),
//
// where ulp(v) is the spacing of the floats at |v| in the output's precision
// (2⁻¹⁰⁷⁴ resp. 2⁻¹⁴⁹ at 0), flushed: the output w is w̃, or +0 where |w̃| is
// below the smallest normal τ (see above). So w is never subnormal, w = +0
// where the reference is subnormal, and |w − v| ≤ max(4·ulp(v), 2u·μ) + τ
// everywhere: the absolute error is at most τ (plus the bound) below the
// normal range. Where no digits cancel, μ is a small multiple
// of |v|; near a zero of the output, 2u·μ is a few u times the magnitude of
// the terms. NaN outputs are exactly those where the reference has NaN, and
// infinite outputs equal the reference's. The tests (vmath_test.go) compute
// μ alongside the reference and check the bound and the flush on a dense
// grid over [−40, 40], random inputs of magnitudes 1e-300 … 1e3, the ranges
// where e and the outputs are subnormal and special values (±0, ±tiny, ±1e3,
// ±1e300, ±Inf, NaN); run them with -v for the largest errors (the flushed
// outputs are left out there). Measured (both implementations):
// float64 outputs are within 2–4 ulp of the reference where no digits cancel
// (up to 7 for the terms in sech² of ln cosh and tanh, which amplify the
// error of e), and within 1.8·u·μ everywhere; float32 outputs of the assembly are
// within 1 ulp of the rounded reference where no digits cancel, those of the
// portable code (computed in float64) are equal to it.
//
// # Implementations
//
// On amd64 CPUs with AVX2 and FMA (detected at run time with
// golang.org/x/sys/cpu) the functions run in assembly (vmath_amd64.s,
// generated by gen_amd64.go), in blocks of 64 elements: one loop computes
// e = exp(…) of the block into a buffer, a second one the outputs, so that
// the out-of-order core overlaps many vectors. exp works on 4 float64 or 8
// float32 lanes: Cody–Waite reduction y = k·ln 2 + r, |r| ≤ ln 2/2, with
// k = round(y·log₂e) obtained by adding 1.5·2⁵² (1.5·2²³) and ln 2 split
// into a head of 32 (16) bits, so that y − k·head is exact, and a tail; the
// Taylor polynomial of degree 13 (7) in r, as E(r²) + r·O(r²) by FMA, summed
// so that 1 + r is exact; scaling by 2ᵏ⁺⁶⁴ built in the exponent bits with
// an integer shift: the kernels keep e·2⁶⁴, which is normal down to the
// clamp of the argument (−746, resp. −130), below which e is 0. log1p is
// needed only on e ∈ [0, 1]: with φ = e (e < ½)
// or φ = (e − 1)/2 and k = 1 (e ≥ ½, so that 1 + e = 2(1 + φ)), φ ∈ [−¼, ½]
// is exact, s = φ/(2 + φ) and log1p(φ) = 2 atanh s = φ − (φ²/2 − s·(φ²/2 +
// R(s²))), R(w) = Σⱼ 2wʲ/(2j + 1) (j ≤ 11, resp. 5), with k·ln 2 + φ added
// exactly (Fast2Sum) before the small terms, and e itself below 2⁻⁵⁴
// (2⁻²⁵). Measured against a 256-bit
// reference: exp within 0.58 ulp, log1p within 0.75 ulp (float32: 0.7 and
// 0.75). The float32 kernels compute exp·2⁶⁴ in float32 (a normal number
// for all arguments down to −130, below which e is taken as 0, as every
// output then rounds as if it were) and log1p in float32 (of e, or 0 below
// 2⁻¹²⁶); the rest of the
// formulas — the divisions and the cancellations — run in float64 on the
// two 4-lane halves (x and e converted exactly) and are rounded once to
// float32. The float64 kernels unscale e·2⁶⁴ exactly. A vector with a lane
// near the underflow (e < 2⁻¹²⁰ in float32, e < 2⁻⁵⁰⁰ in float64, and for
// swish also |x| < 2⁻¹⁰⁰ resp. 2⁻¹⁰⁰⁰) runs through a second copy of the
// code that flushes the outputs below τ and masks the squares, and in
// float64 computes the lanes whose e is below τ from e·2⁶⁴ (1 + e = 1
// there, and every output is of order 1 or proportional to e·2⁶⁴, then
// scaled back by 2⁻⁶⁴); elsewhere no output can be below τ and the
// ordinary code runs, as fast as without the flush. A remainder of fewer
// than 4 (8) elements is copied to a padded vector on the stack and
// processed by the same code, so each result depends only on x[i], never
// on its position, on len(x) or on the other elements of its vector.
//
// Elsewhere, and when built with the noasm tag, a portable Go implementation
// runs: exp by a table of 2^(j/128) (head and tail) and the Taylor
// polynomial of degree 5 on |r| ≤ ln 2/256 (within 0.51 ulp), scaled by
// 2⁶⁴ below the normal range, log1p as above (within 0.83 ulp), written so that
// their accuracy does not depend on whether the compiler fuses
// multiply–adds; the outputs of an element near the underflow (as in the
// assembly) are flushed; float32 is computed in float64 (flushed below
// 2⁻¹²⁶) and rounded. Both are faster than math.Exp and math.Log1p. Results of the two
// implementations may differ in the last bits, both being within the bound
// and flushed alike.
//
// # Aliasing, allocation, concurrency
//
// The outputs must not overlap each other or x, except that x may be the
// very same slice as one output (same first element), e.g.
// Tanh64(x, nil, nil, nil, x) replaces x by tanh x: each x[i] is read before
// any output element i is written. No function allocates, keeps state or
// modifies anything but its outputs, so all are safe for concurrent use on
// disjoint outputs.
package vmath
