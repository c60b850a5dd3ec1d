package kern

import "github.com/mafc-dev/mafc/runtime/kern/vmath"

// Batched activations: for every i, f[i], d1[i], d2[i], d3[i] = σ(x[i]) and
// its first three derivatives, in the forms of the scalar functions in
// act.go, computed by package vmath (AVX2/FMA vectorised where available;
// within a few ulp of the scalar forms, see vmath's documentation). Any of
// f, d1, d2, d3 may be nil (not computed); the others have len(x). They do
// not allocate.

// SoftplusN evaluates softplus on x.
func SoftplusN[T Float](f, d1, d2, d3, x []T) {
	vec(vmath.Softplus64, vmath.Softplus32, f, d1, d2, d3, x)
}

// LnCoshN evaluates ln cosh on x.
func LnCoshN[T Float](f, d1, d2, d3, x []T) { vec(vmath.LnCosh64, vmath.LnCosh32, f, d1, d2, d3, x) }

// TanhN evaluates tanh on x.
func TanhN[T Float](f, d1, d2, d3, x []T) { vec(vmath.Tanh64, vmath.Tanh32, f, d1, d2, d3, x) }

// SigmoidN evaluates the logistic sigmoid on x.
func SigmoidN[T Float](f, d1, d2, d3, x []T) {
	vec(vmath.Sigmoid64, vmath.Sigmoid32, f, d1, d2, d3, x)
}

// SwishN evaluates x·sigmoid(x) on x.
func SwishN[T Float](f, d1, d2, d3, x []T) { vec(vmath.Swish64, vmath.Swish32, f, d1, d2, d3, x) }

// QuadraticN evaluates x²/2 on x.
func QuadraticN[T Float](f, d1, d2, d3, x []T) { apply(Quadratic, f, d1, d2, d3, x) }

// IdentityN evaluates the identity on x.
func IdentityN[T Float](f, d1, d2, d3, x []T) { apply(Identity, f, d1, d2, d3, x) }

func vec[T Float](f64 func(f, d1, d2, d3, x []float64), f32 func(f, d1, d2, d3, x []float32), f, d1, d2, d3, x []T) {
	if is64[T]() {
		f64(asNil64(f), asNil64(d1), asNil64(d2), asNil64(d3), as64(x))
		return
	}
	f32(asNil32(f), asNil32(d1), asNil32(d2), asNil32(d3), as32(x))
}

// asNil64 is as64 that keeps nil as nil (an empty non-nil output is still
// an output).
func asNil64[T Float](s []T) []float64 {
	if s == nil {
		return nil
	}
	if len(s) == 0 {
		return []float64{}
	}
	return as64(s)
}

func asNil32[T Float](s []T) []float32 {
	if s == nil {
		return nil
	}
	if len(s) == 0 {
		return []float32{}
	}
	return as32(s)
}

func apply[T Float](act func(float64) (float64, float64, float64, float64), f, d1, d2, d3, x []T) {
	for i, v := range x {
		a, b, c, d := act(float64(v))
		if f != nil {
			f[i] = T(a)
		}
		if d1 != nil {
			d1[i] = T(b)
		}
		if d2 != nil {
			d2[i] = T(c)
		}
		if d3 != nil {
			d3[i] = T(d)
		}
	}
}
