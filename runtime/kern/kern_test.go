package kern

import (
	"math"
	"math/rand/v2"
	"testing"
)

// matVecRef is MatVec written naively, in float64 (addOuterRef is AddOuter).
func matVecRef(a, w []float64, m, n int, beta float64, c []float64) []float64 {
	out := make([]float64, m)
	for r := range m {
		s := 0.0
		for j := range n {
			s += a[r*n+j] * w[j]
		}
		out[r] = beta*c[r] + s
	}
	return out
}

func addOuterRef(a, w []float64, m, n int, beta float64, c []float64) []float64 {
	out := make([]float64, m*n)
	for r := range m {
		for j := range n {
			out[r*n+j] = beta*c[r*n+j] + a[r]*w[j]
		}
	}
	return out
}

func testMatVecOuter[T Float](t *testing.T, tol float64) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, sz := range [][2]int{{1, 1}, {3, 7}, {5, 512}, {192, 513}} {
		m, n := sz[0], sz[1]
		rnd := func(k int) ([]T, []float64) {
			v, f := make([]T, k), make([]float64, k)
			for i := range v {
				v[i] = T(rng.NormFloat64())
				f[i] = float64(v[i])
			}
			return v, f
		}
		a, af := rnd(m * n)
		w, wf := rnd(n)
		x, xf := rnd(m)
		for _, beta := range []T{0, 1, 0.5} {
			c, cf := rnd(m)
			want := matVecRef(af, wf, m, n, float64(beta), cf)
			MatVec(c, a, w, m, n, beta)
			for r := range m {
				if math.Abs(float64(c[r])-want[r]) > tol*(1+math.Abs(want[r]))*math.Sqrt(float64(n)) {
					t.Fatalf("MatVec %dx%d β=%v: c[%d] = %v, want %v", m, n, beta, r, c[r], want[r])
				}
			}
			o, of := rnd(m * n)
			wantO := addOuterRef(xf, wf, m, n, float64(beta), of)
			AddOuter(o, x, w, m, n, beta)
			for i := range o {
				if math.Abs(float64(o[i])-wantO[i]) > tol*(1+math.Abs(wantO[i])) {
					t.Fatalf("AddOuter %dx%d β=%v: c[%d] = %v, want %v", m, n, beta, i, o[i], wantO[i])
				}
			}
		}
	}
}

func TestMatVecAddOuter(t *testing.T) {
	testMatVecOuter[float64](t, 1e-14)
	testMatVecOuter[float32](t, 1e-6)
}
