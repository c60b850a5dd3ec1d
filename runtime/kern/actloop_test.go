package kern

import (
	"math"
	"math/rand/v2"
	"testing"
)

// actCase is one call of the three loops: which inputs and outputs exist.
type actCase struct {
	nb, size                    int
	yL, aL, d2, qv, qShared, yT bool // ActFwd
	d3, rd, abL, e              bool // ActRevValue (aL, qv, qShared too), ActRevTangent
}

func actRand[T Float](r *rand.Rand, n int) []T {
	s := make([]T, n)
	for i := range s {
		s[i] = T(r.NormFloat64())
	}
	return s
}

func cloneOf[T Float](s []T) []T {
	if s == nil {
		return nil
	}
	return append([]T(nil), s...)
}

func opt[T Float](on bool, s []T) []T {
	if !on {
		return nil
	}
	return s
}

// runActCase runs the three loops once with the assembly kernels (when
// asm) or the portable loops on copies of the same inputs and returns
// every output.
func runActCase[T Float](c actCase, seed uint64, asm bool) [][]T {
	saved := useActAsm
	useActAsm = asm
	defer func() { useActAsm = saved }()
	r := rand.New(rand.NewPCG(seed, 7))
	n := c.nb * c.size
	d1, d2, d3 := actRand[T](r, n), actRand[T](r, n), actRand[T](r, n)
	aL, aT, rd := actRand[T](r, n), actRand[T](r, n), actRand[T](r, n)
	yb, ybT, ybL := actRand[T](r, n), actRand[T](r, n), actRand[T](r, n)
	qn := n
	if c.qShared {
		qn = c.size
	}
	q := opt(c.qv, actRand[T](r, qn))
	yL, yT := opt(c.yL, actRand[T](r, n)), opt(c.yT, actRand[T](r, n))
	ab, abT, abL, e := actRand[T](r, n), actRand[T](r, n), opt(c.abL, actRand[T](r, n)), opt(c.e, actRand[T](r, n))
	ActFwd(yL, yT, d1, opt(c.d2, d2), opt(c.aL, aL), aT, q, c.nb, c.size)
	ActRevValue(ab, d1, d2, opt(c.d3, d3), yb, aT, ybT, opt(c.aL, aL), q, ybL, opt(c.rd, rd), c.nb, c.size)
	ActRevTangent(abT, abL, e, d1, d2, ybT, ybL, c.nb, c.size)
	return [][]T{yL, yT, ab, abT, abL, e}
}

func bitsEqual[T Float](a, b []T) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float64bits(float64(a[i])) != math.Float64bits(float64(b[i])) {
			return false
		}
	}
	return true
}

func actCases() []actCase {
	var cs []actCase
	shapes := [][2]int{{1, 4096}, {3, 16}, {2, 13}, {1, 7}, {5, 3}, {4, 256}}
	for i := 0; i < 1<<9; i++ {
		bit := func(k int) bool { return i>>k&1 != 0 }
		s := shapes[i%len(shapes)]
		cs = append(cs, actCase{nb: s[0], size: s[1], yL: bit(0), aL: bit(1), d2: bit(2), qv: bit(3), qShared: bit(3) && bit(4), yT: bit(5),
			d3: bit(2) != bit(4), rd: bit(6), abL: bit(7), e: bit(8)})
	}
	return cs
}

// TestActLoopsAsm: the AVX kernels give the portable loops' bits for every
// combination of terms, shared and per-element q, lengths with tails, in
// both precisions.
func TestActLoopsAsm(t *testing.T) {
	if !useActAsm {
		t.Skip("no AVX kernels on this machine or build; the portable loops are tested by TestActLoopsValues")
	}
	for i, c := range actCases() {
		for _, name := range []string{"float64", "float32"} {
			var ok bool
			if name == "float64" {
				ok = allEqual(runActCase[float64](c, uint64(i), true), runActCase[float64](c, uint64(i), false))
			} else {
				ok = allEqual(runActCase[float32](c, uint64(i), true), runActCase[float32](c, uint64(i), false))
			}
			if !ok {
				t.Fatalf("case %d %+v, %s: assembly and portable loops differ", i, c, name)
			}
		}
	}
}

func allEqual[T Float](a, b [][]T) bool {
	for i := range a {
		if !bitsEqual(a[i], b[i]) {
			return false
		}
	}
	return true
}

// TestActLoopsValues checks the loops (whichever path runs) against the
// formulas written out for one element.
func TestActLoopsValues(t *testing.T) {
	const nb, size = 2, 6
	n := nb * size
	r := rand.New(rand.NewPCG(3, 4))
	d1, d2, d3 := actRand[float64](r, n), actRand[float64](r, n), actRand[float64](r, n)
	aL, aT, rd := actRand[float64](r, n), actRand[float64](r, n), actRand[float64](r, n)
	yb, ybT, ybL := actRand[float64](r, n), actRand[float64](r, n), actRand[float64](r, n)
	q := actRand[float64](r, size) // shared
	yL, yT := make([]float64, n), make([]float64, n)
	ab, abT, abL, e := actRand[float64](r, n), actRand[float64](r, n), actRand[float64](r, n), make([]float64, n)
	ab0, abT0, abL0 := cloneOf(ab), cloneOf(abT), cloneOf(abL)
	ActFwd(yL, yT, d1, d2, aL, aT, q, nb, size)
	ActRevValue(ab, d1, d2, d3, yb, aT, ybT, aL, q, ybL, rd, nb, size)
	ActRevTangent(abT, abL, e, d1, d2, ybT, ybL, nb, size)
	near := func(what string, k int, got, want float64) {
		if math.Abs(got-want) > 1e-12*(1+math.Abs(want)) {
			t.Errorf("%s[%d] = %v, want %v", what, k, got, want)
		}
	}
	for k := 0; k < n; k++ {
		qk := q[k%size]
		near("yL", k, yL[k], d1[k]*aL[k]+d2[k]*qk)
		near("yT", k, yT[k], d1[k]*aT[k])
		near("ab", k, ab[k], ab0[k]+d1[k]*yb[k]+d2[k]*aT[k]*ybT[k]+(d2[k]*aL[k]+d3[k]*qk)*ybL[k]+d2[k]*rd[k])
		near("abT", k, abT[k], abT0[k]+d1[k]*ybT[k])
		near("abL", k, abL[k], abL0[k]+d1[k]*ybL[k])
		near("e", k, e[k], 2*d2[k]*ybL[k])
	}
	// q nil is the constant 1; no σ″ term and no aL leave yL = 0.
	ActFwd(yL, nil, d1, d2, nil, nil, nil, nb, size)
	near("yL(q=1)", 5, yL[5], d2[5])
	ActFwd(yL, nil, d1, nil, nil, nil, nil, nb, size)
	near("yL(0)", 5, yL[5], 0)
}

func BenchmarkActRevValue(b *testing.B) {
	const n = 4096
	r := rand.New(rand.NewPCG(1, 2))
	s := func() []float64 { return actRand[float64](r, n) }
	ab, d1, d2, d3, yb, aT, ybT, aL, q, ybL := s(), s(), s(), s(), s(), s(), s(), s(), s(), s()
	for _, asm := range []bool{false, true} {
		name := map[bool]string{false: "portable", true: "asm"}[asm]
		b.Run(name, func(b *testing.B) {
			if asm && !useActAsm {
				b.Skip("no AVX kernels")
			}
			saved := useActAsm
			useActAsm = asm
			defer func() { useActAsm = saved }()
			for b.Loop() {
				ActRevValue(ab, d1, d2, d3, yb, aT, ybT, aL, q, ybL, nil, 1, n)
			}
		})
	}
}

// TestPoolAsm: PoolSum and PoolAdd give the portable loops' bits with the
// assembly kernels, for channel counts with and without a tail, in both
// precisions, and PoolSum gives the sums.
func TestPoolAsm(t *testing.T) {
	for _, C := range []int{1, 3, 4, 6, 8, 12, 16, 20, 32, 48} {
		for _, S := range []int{1, 5, 256} {
			const nrows = 3
			ok64 := poolCase[float64](t, C, S, nrows)
			ok32 := poolCase[float32](t, C, S, nrows)
			if !ok64 || !ok32 {
				t.Fatalf("C=%d S=%d: assembly and portable pools differ (float64 ok %v, float32 ok %v)", C, S, ok64, ok32)
			}
		}
	}
}

func poolCase[T Float](t *testing.T, C, S, nrows int) bool {
	run := func(asm bool) ([]T, []T) {
		saved := useActAsm
		useActAsm = asm && saved
		defer func() { useActAsm = saved }()
		r := rand.New(rand.NewPCG(uint64(C), uint64(S)))
		x, o := actRand[T](r, nrows*S*C), actRand[T](r, nrows*C)
		o0 := cloneOf(o)
		PoolSum(o, x, nrows, S, C)
		for rr := 0; rr < nrows; rr++ {
			for c := 0; c < C; c++ {
				want := float64(o0[rr*C+c])
				for p := 0; p < S; p++ {
					want += float64(x[(rr*S+p)*C+c])
				}
				if math.Abs(float64(o[rr*C+c])-want) > 1e-4*(1+math.Abs(want)) {
					t.Fatalf("PoolSum C=%d S=%d [%d,%d] = %v, want %v", C, S, rr, c, o[rr*C+c], want)
				}
			}
		}
		PoolAdd(x, o, 0.25, nrows, S, C)
		return o, x
	}
	o1, x1 := run(true)
	o2, x2 := run(false)
	return bitsEqual(o1, o2) && bitsEqual(x1, x2)
}

// TestRowsAsm: RowsNorm2, RowsScale (also in place) and RowsScaleAdd give
// the same bits with and without the AVX kernels, and RowsNorm2 the sums
// of squares.
func TestRowsAsm(t *testing.T) {
	for _, n := range []int{1, 7, 16, 37} {
		for _, W := range []int{1, 3} {
			const nb = 2
			run := func(asm bool) [][]float64 {
				saved := useActAsm
				useActAsm = asm && saved
				defer func() { useActAsm = saved }()
				r := rand.New(rand.NewPCG(uint64(n), uint64(W)))
				src, d := actRand[float64](r, nb*W*n), actRand[float64](r, nb*n)
				q, dst, acc := make([]float64, nb*n), make([]float64, nb*W*n), actRand[float64](r, nb*W*n)
				RowsNorm2(q, src, nb, W, n)
				RowsScale(dst, src, d, nb, W, n)
				RowsScaleAdd(acc, src, d, nb, W, n)
				in := cloneOf(src)
				RowsScale(in, in, d, nb, W, n)
				for b := 0; b < nb; b++ {
					for j := 0; j < n; j++ {
						var want float64
						for k := 0; k < W; k++ {
							x := src[(b*W+k)*n+j]
							want += x * x
						}
						if math.Abs(q[b*n+j]-want) > 1e-12*(1+want) {
							t.Fatalf("RowsNorm2 n=%d W=%d [%d,%d] = %v, want %v", n, W, b, j, q[b*n+j], want)
						}
					}
				}
				return [][]float64{q, dst, acc, in}
			}
			if !allEqual(run(true), run(false)) {
				t.Fatalf("n=%d W=%d: the row kernels differ with and without assembly", n, W)
			}
		}
	}
}
