package vmath

import (
	"math"
	"testing"
)

var sink float64

func BenchmarkMicroExpNeg(b *testing.B) {
	xs := make([]float64, 1024)
	for i := range xs {
		xs[i] = -float64(i) / 100
	}
	for b.Loop() {
		s := 0.0
		for _, x := range xs {
			s += expNeg(x)
		}
		sink = s
	}
}
func BenchmarkMicroMathExp(b *testing.B) {
	xs := make([]float64, 1024)
	for i := range xs {
		xs[i] = -float64(i) / 100
	}
	for b.Loop() {
		s := 0.0
		for _, x := range xs {
			s += math.Exp(x)
		}
		sink = s
	}
}
func BenchmarkMicroLog1p(b *testing.B) {
	xs := make([]float64, 1024)
	for i := range xs {
		xs[i] = float64(i) / 1024
	}
	for b.Loop() {
		s := 0.0
		for _, x := range xs {
			s += log1pUnit(x)
		}
		sink = s
	}
}
func BenchmarkMicroMathLog1p(b *testing.B) {
	xs := make([]float64, 1024)
	for i := range xs {
		xs[i] = float64(i) / 1024
	}
	for b.Loop() {
		s := 0.0
		for _, x := range xs {
			s += math.Log1p(x)
		}
		sink = s
	}
}
func BenchmarkMicroDiv(b *testing.B) {
	xs := make([]float64, 1024)
	for i := range xs {
		xs[i] = float64(i) / 1024
	}
	for b.Loop() {
		s := 0.0
		for _, x := range xs {
			s += 1 / (1 + x)
		}
		sink = s
	}
}
