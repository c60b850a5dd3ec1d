package mnist

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Lambda is λ of the logit transform y = logit(λ + (1 − 2λ)·x), as in the
// MAF paper (its code calls it alpha).
const Lambda = 1e-6

// MaxAbsLogit bounds |y| for every preprocessed pixel: logit(1 − λ) ≈ 13.8155.
var MaxAbsLogit = math.Log((1 - Lambda) / Lambda)

// Logit maps x ∈ [0, 1] to y = logit(λ + (1 − 2λ)·x).
func Logit(x float64) float64 {
	return logitPair(x, 1-x)
}

// logitPair returns logit(λ + (1 − 2λ)·x) given x and 1 − x, each computed
// without cancellation by the caller: 1 − s = λ + (1 − 2λ)(1 − x).
func logitPair(x, oneMinusX float64) float64 {
	const c = 1 - 2*Lambda
	return math.Log((Lambda + c*x) / (Lambda + c*oneMinusX))
}

// InverseLogit maps y back to x = (sigmoid(y) − λ)/(1 − 2λ).
func InverseLogit(y float64) float64 {
	return (sigmoid(y) - Lambda) / (1 - 2*Lambda)
}

func sigmoid(y float64) float64 {
	if y >= 0 {
		return 1 / (1 + math.Exp(-y))
	}
	e := math.Exp(y)
	return e / (1 + e)
}

// Preprocess dequantises and logit-transforms one or more images:
// dst[i] = logit(λ + (1 − 2λ)·(pixels[i] + u_i)/256) with fresh noise
// u_i = rng.Float64() ~ U[0,1), drawn in order i = 0, 1, …. It does not
// allocate. dst and pixels must have equal lengths (it panics otherwise,
// like an out-of-range index).
func Preprocess(dst []float64, pixels []uint8, rng *rand.Rand) {
	if len(dst) != len(pixels) {
		panic(fmt.Sprintf("mnist: Preprocess: len(dst) = %d but len(pixels) = %d", len(dst), len(pixels)))
	}
	for i, k := range pixels {
		u := rng.Float64()
		// x = (k+u)/256 and 1−x = (256−k−u)/256, both exact up to rounding.
		dst[i] = logitPair((float64(k)+u)/256, (float64(256-int(k))-u)/256)
	}
}

// PreprocessAt is Preprocess with noise that is a pure function of seed
// and index: it gives exactly what
//
//	Preprocess(dst, pixels, rand.New(rand.NewPCG(seed, index)))
//
// gives, without allocating. Use it for validation and test sets, with
// index the image's index in its set, so that the dequantised evaluation
// data (and hence the reported likelihoods) do not depend on batch size,
// order or parallelism, and are reproducible from the seed.
func PreprocessAt(dst []float64, pixels []uint8, seed, index uint64) {
	if len(dst) != len(pixels) {
		panic(fmt.Sprintf("mnist: PreprocessAt: len(dst) = %d but len(pixels) = %d", len(dst), len(pixels)))
	}
	var src rand.PCG
	src.Seed(seed, index)
	for i, k := range pixels {
		u := float64(src.Uint64()<<11>>11) / (1 << 53) // as rand.Rand.Float64
		dst[i] = logitPair((float64(k)+u)/256, (float64(256-int(k))-u)/256)
	}
}

// ToPixels quantises logit-space values back to pixels:
// dst[i] = clamp(⌊256·InverseLogit(y[i])⌋, 0, 255). It inverts Preprocess
// (unless the noise u fell within about 1e-12 of 0 or 1, where rounding may
// move the pixel by one). dst and y must have equal lengths.
func ToPixels(dst []uint8, y []float64) {
	if len(dst) != len(y) {
		panic(fmt.Sprintf("mnist: ToPixels: len(dst) = %d but len(y) = %d", len(dst), len(y)))
	}
	for i, v := range y {
		k := math.Floor(256 * InverseLogit(v))
		dst[i] = uint8(min(max(k, 0), 255))
	}
}

// LogitJacobian returns ln |det ∂y/∂x| of the preprocessing transform for
// one image y (D = len(y), normally 784):
//
//	D·ln(1 − 2λ) − Σ_i [ln s_i + ln(1 − s_i)],  s = sigmoid(y),
//
// computed stably from y: −ln s − ln(1 − s) = |y| + 2·ln(1 + e^{−|y|}).
// It is the term added to ln p_y(y) to get ln p_x(x).
func LogitJacobian(y []float64) float64 {
	var sum float64
	for _, v := range y {
		a := math.Abs(v)
		sum += a + 2*math.Log1p(math.Exp(-a))
	}
	return float64(len(y))*math.Log1p(-2*Lambda) + sum
}

// PixelLogDensity converts a model's log density in logit space,
// ln p_y(y), into the log density ln p_x(x) of the dequantised pixels
// x ∈ [0, 1]^D: ln p_x = ln p_y + LogitJacobian(y).
func PixelLogDensity(logPY float64, y []float64) float64 {
	return logPY + LogitJacobian(y)
}

// BitsPerDim converts a negative log-likelihood in logit space,
// nllLogit = −ln p_y(y) in nats, into bits per dimension in pixel space:
//
//	bits/dim = −ln p_x(x) / (D·ln 2) + 8,  D = len(y),
//
// where the +8 = log2(256) rescales x ∈ [0,1]^D to pixel values in
// [0,256)^D. The conversion is affine in nllLogit and LogitJacobian(y), so
// per-sample values and data-set averages convert alike.
func BitsPerDim(nllLogit float64, y []float64) float64 {
	d := float64(len(y))
	return (nllLogit-LogitJacobian(y))/(d*math.Ln2) + 8
}
