package kern

// Batched activations: for every i, f[i], d1[i], d2[i], d3[i] = σ(x[i]) and
// its first three derivatives, in the forms of the scalar functions in
// act.go. Any of f, d1, d2, d3 may be nil (not computed); the others have
// len(x). They do not allocate.

// SoftplusN evaluates softplus on x.
func SoftplusN[T Float](f, d1, d2, d3, x []T) { apply(Softplus, f, d1, d2, d3, x) }

// LnCoshN evaluates ln cosh on x.
func LnCoshN[T Float](f, d1, d2, d3, x []T) { apply(LnCosh, f, d1, d2, d3, x) }

// TanhN evaluates tanh on x.
func TanhN[T Float](f, d1, d2, d3, x []T) { apply(Tanh, f, d1, d2, d3, x) }

// SigmoidN evaluates the logistic sigmoid on x.
func SigmoidN[T Float](f, d1, d2, d3, x []T) { apply(Sigmoid, f, d1, d2, d3, x) }

// SwishN evaluates x·sigmoid(x) on x.
func SwishN[T Float](f, d1, d2, d3, x []T) { apply(Swish, f, d1, d2, d3, x) }

// QuadraticN evaluates x²/2 on x.
func QuadraticN[T Float](f, d1, d2, d3, x []T) { apply(Quadratic, f, d1, d2, d3, x) }

// IdentityN evaluates the identity on x.
func IdentityN[T Float](f, d1, d2, d3, x []T) { apply(Identity, f, d1, d2, d3, x) }

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
