package figures

import (
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// LikelihoodData is the content of [LikelihoodFigure].
type LikelihoodData struct {
	Title string
	// Loss is the training loss (the batch NLL, nats) against the step;
	// it needs at least one point. Evals are further curves against the
	// step, such as the validation NLL.
	Loss  Series
	Evals []Series
	// Optimum, when HasOptimum, is drawn as a dashed horizontal line (the
	// best achievable NLL, where it is known).
	Optimum    float64
	HasOptimum bool
	// For 2-D data: the target's points (DataX, DataY) and the flow's
	// samples (SampleX, SampleY), drawn as two scatter panels with the
	// same axes below the curves. Leave all four empty for other data.
	DataX, DataY, SampleX, SampleY []float64
}

// Layout of LikelihoodFigure (pixels).
const (
	likeWidth       = 900
	likeCurveHeight = 450
	likePanelHeight = 470
	maxScatter      = 20000 // points drawn per panel
)

// LikelihoodFigure writes the figure of a likelihood run to path: the loss
// curves, the optimum if known, and for 2-D data the target's points
// beside the flow's samples. Points outside the central 99% of the data
// (per axis, padded) are not drawn, so that a few outlying samples do not
// squash the view.
func LikelihoodFigure(path string, d LikelihoodData) error {
	return render(path, func() (*canvas, error) {
		scatter, err := checkLikelihoodData(d)
		if err != nil {
			return nil, err
		}
		h := likeCurveHeight
		if scatter {
			h += likePanelHeight
		}
		c, err := newCanvas(likeWidth, h)
		if err != nil {
			return nil, err
		}
		if err := likelihoodCurves(c, d); err != nil {
			return nil, err
		}
		if !scatter {
			return c, nil
		}
		if err := scatterPanels(c, d); err != nil {
			return nil, err
		}
		return c, nil
	})
}

// checkLikelihoodData checks d and reports whether it holds the points
// and samples of the scatter panels.
func checkLikelihoodData(d LikelihoodData) (scatter bool, err error) {
	if err := checkSeries("loss", d.Loss); err != nil {
		return false, err
	}
	for i, s := range d.Evals {
		if err := checkSeries(fmt.Sprintf("evals[%d] %q", i, s.Name), s); err != nil {
			return false, err
		}
	}
	if d.HasOptimum && !isFinite(d.Optimum) {
		return false, fmt.Errorf("optimum %v is not finite", d.Optimum)
	}
	scatter = len(d.DataX)+len(d.DataY)+len(d.SampleX)+len(d.SampleY) > 0
	if scatter {
		if len(d.DataX) == 0 || len(d.DataX) != len(d.DataY) || len(d.SampleX) == 0 || len(d.SampleX) != len(d.SampleY) {
			return false, fmt.Errorf("scatter panels need data and samples with equal-length, non-empty X and Y (got %d/%d data, %d/%d samples)",
				len(d.DataX), len(d.DataY), len(d.SampleX), len(d.SampleY))
		}
		for name, v := range map[string][]float64{"data.X": d.DataX, "data.Y": d.DataY, "samples.X": d.SampleX, "samples.Y": d.SampleY} {
			if err := checkFinite(name, v); err != nil {
				return false, err
			}
		}
	}
	return scatter, nil
}

// likelihoodCurves draws the loss and evaluation curves, and the optimum
// if known, in the top likeCurveHeight pixels of c, with a y range robust
// to the first steps' losses.
func likelihoodCurves(c *canvas, d LikelihoodData) error {
	p := newPlot(d.Title, "step", "negative log-likelihood (nats)")
	items, err := addSeries(p, append([]Series{withName(d.Loss, "training batch")}, d.Evals...))
	if err != nil {
		return err
	}
	if d.HasOptimum {
		lo, hi := d.Loss.X[0], d.Loss.X[len(d.Loss.X)-1]
		l, err := hline(d.Optimum, lo, math.Max(hi, lo+1), color.Black, dashStyle)
		if err != nil {
			return err
		}
		p.Add(l)
		items = append(items, legendItem{"optimum " + fmtNum(d.Optimum), []plot.Thumbnailer{l}})
	}
	// Robust y-range: the first steps' losses can be far above the rest.
	var ys []float64
	for _, s := range append([]Series{d.Loss}, d.Evals...) {
		ys = append(ys, s.Y...)
	}
	if d.HasOptimum {
		ys = append(ys, d.Optimum)
	}
	lo, hi := percentile(ys, 0), percentile(ys, 0.98)
	p.Y.Min, p.Y.Max = padRange(math.Min(lo, hi), hi, 0.05)
	if p.X.Min == p.X.Max {
		p.X.Min, p.X.Max = padRange(p.X.Min, p.X.Max, 0)
	}
	drawPlot(c.region(10, 8, float64(c.w)-10, likeCurveHeight-8), p, items)
	return nil
}

// scatterPanels draws the target's points and the flow's samples side by
// side below the curves, on the same axes: the central 99% of the data
// per axis, padded, at most maxScatter points each.
func scatterPanels(c *canvas, d LikelihoodData) error {
	xlo, xhi := padRange(percentile(d.DataX, 0.005), percentile(d.DataX, 0.995), 0.15)
	ylo, yhi := padRange(percentile(d.DataY, 0.005), percentile(d.DataY, 0.995), 0.15)
	panels := []struct {
		title string
		x, y  []float64
		col   color.Color
	}{
		{fmt.Sprintf("data (%d points)", len(d.DataX)), d.DataX, d.DataY, colorAt(0)},
		{fmt.Sprintf("flow samples (%d)", len(d.SampleX)), d.SampleX, d.SampleY, colorAt(1)},
	}
	w := float64(c.w) / 2
	for i, pn := range panels {
		sp := newPlot(pn.title, "x₁", "x₂")
		sp.X.Min, sp.X.Max, sp.Y.Min, sp.Y.Max = xlo, xhi, ylo, yhi
		var pts plotter.XYs
		for k := range pn.x {
			if len(pts) == maxScatter {
				break
			}
			if x, y := pn.x[k], pn.y[k]; x >= xlo && x <= xhi && y >= ylo && y <= yhi {
				pts = append(pts, plotter.XY{X: x, Y: y})
			}
		}
		if len(pts) > 0 {
			s, err := plotter.NewScatter(pts)
			if err != nil {
				return err
			}
			s.Color = pn.col
			s.Shape = draw.CircleGlyph{}
			s.Radius = vg.Points(1.2)
			sp.Add(s)
		}
		sp.Draw(c.region(float64(i)*w+10, likeCurveHeight, float64(i+1)*w-10, float64(c.h)-8))
	}
	return nil
}
