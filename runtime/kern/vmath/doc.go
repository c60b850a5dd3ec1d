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
// [github.com/mafc-dev/mafc/runtime/ir.Act.Eval]) operation by operation;
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
// exp is computed with Cody–Waite range reduction y = k·ln 2 + r,
// |r| ≤ ln 2/2 (ln 2 split into a 32-bit head and a tail, so that k·head is
// exact), the Taylor polynomial of degree 13 (float64) or 7 (float32) in r,
// written as 1 + (r + r²·P(r)), and scaling by 2^k built from the exponent
// bits, applied as two factors 2^⌊k/2⌋·2^(k−⌊k/2⌋) so that subnormal results
// are rounded once and correctly. log1p is only needed on e ∈ [0, 1]: with
// φ = e (e < ½) or φ = (e − 1)/2 and k = 1 (e ≥ ½, so that 1 + e = 2(1 + φ)),
// φ ∈ [−¼, ½] is exact, s = φ/(2 + φ) and
// log1p(φ) = 2 atanh s = φ − (φ²/2 − s·(φ²/2 + R(s²))) with the Taylor series
// R(w) = Σⱼ 2wʲ/(2j + 1) (j ≤ 11 for float64, ≤ 5 for float32), then
// k·ln 2 is added in two parts. Both are within about 0.6 ulp of the exact
// value (measured: see the tests).
//
// # Accuracy
//
// Let v be the reference value (the float64 scalar function of kern; for
// the float32 functions, its value at float64(x[i]) rounded to float32) and
// S the "condition scale" of the output: the same formula evaluated with
// every term replaced by its magnitude (subtractions become additions, t is
// replaced by 1 because 1 − e may cancel, g, q, s, e by their values, x by
// |x|, u = 1 − 2g by 1 + 2g, ln 2 kept). For example S = q·(1 + 2g) for
// d3 of softplus, S = a + log1p(e) + ln 2 for ln cosh, S = 2·s·s + 4·s for
// d3 of tanh, and S = |f| wherever no cancellation can occur. Then every
// output w satisfies
//
//	|w − v| ≤ 4·max(ulp(v), ε·S),  ε = 2⁻⁵³ (float64) or 2⁻²⁴ (float32),
//
// where ulp(v) is the spacing of the floats at |v| in the output's precision
// (2⁻¹⁰⁷⁴ or 2⁻¹⁴⁹ at 0). ε·S is the size of the rounding error that the
// reference formula itself makes (and has to make) where it subtracts
// nearly equal terms, e.g. d3 of softplus near x = 0 or tanh x for tiny x
// (whose 1 − e loses digits). NaN outputs are exactly where the reference
// has NaN, and infinite outputs equal the reference's. The tests check this
// bound on dense grids, random inputs of all magnitudes and special values,
// for both implementations; the maxima they measure are printed with -v.
//
// # Implementations
//
// On amd64 CPUs with AVX2 and FMA (detected at run time with
// golang.org/x/sys/cpu) the functions run in assembly, 4 float64 or 8
// float32 lanes per instruction. A remainder of fewer than 4 (8) elements is
// copied to a padded buffer on the stack and processed by the same vector
// code, so each result depends only on x[i], never on its position or on
// len(x). Elsewhere, and when built with the noasm tag, a portable Go
// implementation runs (float32 is then computed in float64 and rounded);
// its results may differ from the assembly's in the last bits, both being
// within the bound above.
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
