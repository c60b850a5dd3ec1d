package mnist

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func allPixels() []uint8 {
	p := make([]uint8, 256)
	for i := range p {
		p[i] = uint8(i)
	}
	return p
}

func TestMaxAbsLogit(t *testing.T) {
	assert.InDelta(t, 13.8155, MaxAbsLogit, 1e-4)
	assert.InDelta(t, -13.8155, Logit(0), 1e-4)
	assert.InDelta(t, 13.8155, Logit(1), 1e-4)
	assert.Equal(t, 0.0, Logit(0.5))
}

func TestPreprocessRangeAndInverse(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	px := allPixels()
	y := make([]float64, len(px))
	back := make([]uint8, len(px))
	for range 200 {
		Preprocess(y, px, rng)
		for i, v := range y {
			require.False(t, math.IsNaN(v))
			require.LessOrEqual(t, math.Abs(v), MaxAbsLogit+1e-9)
			require.Less(t, math.Abs(v), 13.9)
			// x = (k+u)/256 lies in [k/256, (k+1)/256).
			x := InverseLogit(v)
			require.GreaterOrEqual(t, x, float64(i)/256-1e-12)
			require.Less(t, x, float64(i+1)/256+1e-12)
		}
		ToPixels(back, y)
		require.Equal(t, px, back)
	}

	// Extremes of the noise: u = 0 at k = 0 and u → 1 at k = 255.
	assert.InDelta(t, -MaxAbsLogit, Logit(0), 1e-12)
	assert.InDelta(t, MaxAbsLogit, Logit(math.Nextafter(1, 0)), 1e-6)
}

func TestPreprocessMatchesFormula(t *testing.T) {
	// Preprocess must equal logit(λ + (1−2λ)(k+u)/256) with u drawn in order.
	px := allPixels()
	y := make([]float64, len(px))
	Preprocess(y, px, rand.New(rand.NewPCG(7, 8)))
	rng := rand.New(rand.NewPCG(7, 8))
	for i, k := range px {
		u := rng.Float64()
		s := Lambda + (1-2*Lambda)*(float64(k)+u)/256
		want := math.Log(s / (1 - s))
		assert.InDelta(t, want, y[i], 1e-9*math.Max(1, math.Abs(want)), "pixel %d", k)
	}
}

func TestPreprocessAt(t *testing.T) {
	px := allPixels()
	got := make([]float64, len(px))
	want := make([]float64, len(px))
	for _, tc := range []struct{ seed, index uint64 }{{0, 0}, {1, 0}, {0, 1}, {42, 59999}, {math.MaxUint64, 12345}} {
		PreprocessAt(got, px, tc.seed, tc.index)
		Preprocess(want, px, rand.New(rand.NewPCG(tc.seed, tc.index)))
		assert.Equal(t, want, got, "seed %d index %d", tc.seed, tc.index)
	}
	// Different indices get different noise.
	a := make([]float64, len(px))
	PreprocessAt(a, px, 3, 0)
	PreprocessAt(got, px, 3, 1)
	assert.NotEqual(t, a, got)
}

func TestPreprocessNoAlloc(t *testing.T) {
	px := allPixels()
	y := make([]float64, len(px))
	rng := rand.New(rand.NewPCG(1, 1))
	assert.Zero(t, testing.AllocsPerRun(100, func() { Preprocess(y, px, rng) }))
	assert.Zero(t, testing.AllocsPerRun(100, func() { PreprocessAt(y, px, 5, 6) }))
}

func TestPreprocessLengthMismatchPanics(t *testing.T) {
	assert.PanicsWithValue(t, "mnist: Preprocess: len(dst) = 1 but len(pixels) = 2",
		func() { Preprocess(make([]float64, 1), make([]uint8, 2), rand.New(rand.NewPCG(1, 1))) })
	assert.Panics(t, func() { PreprocessAt(make([]float64, 3), make([]uint8, 2), 0, 0) })
	assert.Panics(t, func() { ToPixels(make([]uint8, 3), make([]float64, 2)) })
}

// logJacobianDirect is the change of variables computed naively, per
// pixel, by a central finite difference of y(x) = Logit(x).
func logJacobianDirect(x []float64) float64 {
	var sum float64
	for _, v := range x {
		h := 1e-6 * math.Min(math.Min(v, 1-v), 1e-3)
		if h == 0 {
			h = 1e-12
		}
		dydx := (Logit(v+h) - Logit(v-h)) / (2 * h)
		sum += math.Log(dydx)
	}
	return sum
}

func TestLogitJacobian(t *testing.T) {
	tests := []struct {
		name string
		x    []float64 // pixel-space values (k+u)/256
	}{
		{"mid grey", []float64{128.5 / 256}},
		{"black", []float64{0.5 / 256}},
		{"white", []float64{255.5 / 256}},
		{"near edges", []float64{1e-4, 1 - 1e-4}},
		{"mixed", []float64{0.5 / 256, 17.25 / 256, 99.9 / 256, 200.01 / 256, 255.99 / 256}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			y := make([]float64, len(tc.x))
			for i, v := range tc.x {
				y[i] = Logit(v)
			}
			got := LogitJacobian(y)
			// Finite differences.
			assert.InDelta(t, logJacobianDirect(tc.x), got, 1e-5)
			// Closed form in x: Σ ln(1−2λ) − ln s − ln(1−s), s = λ + (1−2λ)x.
			var want float64
			for _, v := range tc.x {
				s := Lambda + (1-2*Lambda)*v
				want += math.Log(1-2*Lambda) - math.Log(s) - math.Log(1-s)
			}
			assert.InDelta(t, want, got, 1e-9*math.Max(1, math.Abs(want)))
		})
	}
}

func TestLogitJacobianExtremes(t *testing.T) {
	// Stable for |y| large where s or 1 − s underflows in a naive formula.
	for _, y := range []float64{-800, -40, 40, 800} {
		got := LogitJacobian([]float64{y})
		want := math.Log1p(-2*Lambda) + math.Abs(y) + 2*math.Log1p(math.Exp(-math.Abs(y)))
		assert.InDelta(t, want, got, 1e-12*math.Abs(want))
		assert.False(t, math.IsInf(got, 0))
	}
}

// logisticLogDensity is ln p_y for independent standard logistic y_i.
func logisticLogDensity(y []float64) float64 {
	var s float64
	for _, v := range y {
		s += -math.Abs(v) - 2*math.Log1p(math.Exp(-math.Abs(v)))
	}
	return s
}

func TestBitsPerDimExact(t *testing.T) {
	// If y_i are standard logistic, sigmoid(y_i) is uniform on (0,1), so x is
	// uniform with density (1−2λ) per dimension: ln p_x = D ln(1−2λ)
	// exactly, and bits/dim = 8 − log2(1−2λ) for every y.
	rng := rand.New(rand.NewPCG(3, 4))
	px := make([]uint8, D)
	for i := range px {
		px[i] = uint8(rng.IntN(256))
	}
	y := make([]float64, D)
	Preprocess(y, px, rng)
	lp := logisticLogDensity(y)
	assert.InDelta(t, D*math.Log1p(-2*Lambda), PixelLogDensity(lp, y), 1e-9)
	assert.InDelta(t, 8-math.Log1p(-2*Lambda)/math.Ln2, BitsPerDim(-lp, y), 1e-12)

	// A model that is ε nats per dimension worse costs ε/ln 2 bits/dim.
	assert.InDelta(t, 8-math.Log1p(-2*Lambda)/math.Ln2+0.5/math.Ln2, BitsPerDim(-lp+0.5*D, y), 1e-12)
}

func TestBitsPerDimVersusDirect(t *testing.T) {
	// Gaussian model in logit space on a few pixels; compare with the change
	// of variables done by finite differences in pixel space.
	x := []float64{3.5 / 256, 128.2 / 256, 250.9 / 256}
	y := make([]float64, len(x))
	var lpy float64
	for i, v := range x {
		y[i] = Logit(v)
		lpy += -0.5*y[i]*y[i]/25 - 0.5*math.Log(2*math.Pi*25)
	}
	lpx := lpy + logJacobianDirect(x)
	want := -lpx/(float64(len(x))*math.Ln2) + 8
	assert.InDelta(t, want, BitsPerDim(-lpy, y), 1e-6)
}
