package figures

import (
	"math"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"
)

func likelihoodData(scatter bool) LikelihoodData {
	rng := rand.New(rand.NewPCG(1, 1))
	d := LikelihoodData{Title: "moons: training", HasOptimum: true, Optimum: 1.1}
	for i := 1; i <= 200; i++ {
		d.Loss.X = append(d.Loss.X, float64(i))
		d.Loss.Y = append(d.Loss.Y, 1.2+3/float64(i)+0.05*rng.NormFloat64())
	}
	d.Evals = []Series{{Name: "validation", X: []float64{1, 100, 200}, Y: []float64{4, 1.4, 1.25}}}
	if scatter {
		for i := 0; i < 500; i++ {
			t := math.Pi * rng.Float64()
			d.DataX = append(d.DataX, math.Cos(t)+0.1*rng.NormFloat64())
			d.DataY = append(d.DataY, math.Sin(t)+0.1*rng.NormFloat64())
			d.SampleX = append(d.SampleX, rng.NormFloat64())
			d.SampleY = append(d.SampleY, rng.NormFloat64())
		}
		d.SampleX[0] = 1e6 // an outlier is left out, not drawn off the panel
	}
	return d
}

func TestLikelihoodFigure(t *testing.T) {
	dir := t.TempDir()
	if *figDir != "" {
		dir = *figDir
	}
	for _, scatter := range []bool{false, true} {
		path := filepath.Join(dir, "likelihood.png")
		h := likeCurveHeight
		if scatter {
			path = filepath.Join(dir, "likelihood2d.png")
			h += likePanelHeight
		}
		if err := LikelihoodFigure(path, likelihoodData(scatter)); err != nil {
			t.Fatalf("LikelihoodFigure(scatter %v) = %v", scatter, err)
		}
		checkPNG(t, path, likeWidth, h, 8)
	}
}

func TestLikelihoodFigureErrors(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f.png")
	cases := []struct {
		name string
		edit func(*LikelihoodData)
		want string
	}{
		{"no loss", func(d *LikelihoodData) { d.Loss = Series{} }, "loss has no points"},
		{"NaN loss", func(d *LikelihoodData) { d.Loss.Y[3] = math.NaN() }, "loss.Y[3] = NaN is not finite"},
		{"eval lengths", func(d *LikelihoodData) { d.Evals[0].Y = d.Evals[0].Y[:1] }, `evals[0] "validation": len(X)=3 != len(Y)=1`},
		{"optimum", func(d *LikelihoodData) { d.Optimum = math.Inf(1) }, "optimum +Inf is not finite"},
		{"samples missing", func(d *LikelihoodData) { d.SampleX, d.SampleY = nil, nil }, "scatter panels need data and samples"},
		{"infinite data", func(d *LikelihoodData) { d.DataY[2] = math.Inf(-1) }, "data.Y[2] = -Inf is not finite"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := likelihoodData(true)
			c.edit(&d)
			err := LikelihoodFigure(path, d)
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), path) {
				t.Errorf("LikelihoodFigure = %v, want an error naming %s and containing %q", err, path, c.want)
			}
		})
	}
}
