package figures

import (
	"fmt"
	"image/color"
	"math"
	"sort"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// NLLData is the input of NLLCurves. All NLL values are in nats.
type NLLData struct {
	Title string
	// Test is the test-set NLL versus (possibly fractional) epoch; required.
	// Name defaults to "test".
	Test Series
	// Train and Validation are optional (no points = absent); names default
	// to "train" and "validation".
	Train, Validation Series
	// Baselines maps a model name to its NLL, drawn as horizontal dashed
	// lines (e.g. "MADE": 1380.8, "Real NVP": 1323.2, "MAF": 1300.5).
	Baselines map[string]float64
	// Paper is the paper's curve as (epoch, NLL) points, drawn as a line through markers
	// (optional; Name defaults to "paper").
	Paper Series
}

// Layout of NLLCurves (pixels).
const (
	nllWidth  = 960
	nllHeight = 560
)

// NLLCurves writes a figure like the paper's Figure 3a to path: NLL (nats)
// versus epoch for the test (and optional train/validation) curves, the
// paper's curve (a line through markers) and one horizontal line per baseline. The
// legend sits outside the data area, on the right. When every value is
// positive and they span more than a factor of 3 (an untrained model's NLL
// is ten times the final one), the y axis is logarithmic and covers
// everything; otherwise it is linear and covers the baselines, the paper's
// points and the curves up to their 95th percentile, so a large initial NLL
// does not flatten the rest. A run much shorter than the paper's curve is
// drawn over its own epochs: the paper's points beyond it are left out and
// its last one becomes a dotted line.
func NLLCurves(path string, d NLLData) error {
	return render(path, func() (*canvas, error) {
		if err := checkSeries("Test", d.Test); err != nil {
			return nil, err
		}
		curves := []Series{withName(d.Test, "test")}
		for _, s := range []struct {
			name string
			s    Series
		}{{"train", d.Train}, {"validation", d.Validation}} {
			if len(s.s.X) == 0 && len(s.s.Y) == 0 {
				continue
			}
			if err := checkSeries(s.name, s.s); err != nil {
				return nil, err
			}
			curves = append(curves, withName(s.s, s.name))
		}
		hasPaper := len(d.Paper.X) != 0 || len(d.Paper.Y) != 0
		if hasPaper {
			if err := checkSeries("Paper", d.Paper); err != nil {
				return nil, err
			}
		}
		names := make([]string, 0, len(d.Baselines))
		for n, v := range d.Baselines {
			if !isFinite(v) {
				return nil, fmt.Errorf("baseline %q = %v is not finite", n, v)
			}
			names = append(names, n)
		}
		// Highest baseline first, so the legend reads top to bottom.
		sort.Slice(names, func(i, j int) bool {
			a, b := d.Baselines[names[i]], d.Baselines[names[j]]
			if a != b {
				return a > b
			}
			return names[i] < names[j]
		})

		c, err := newCanvas(nllWidth, nllHeight)
		if err != nil {
			return nil, err
		}
		p := newPlot(d.Title, "epoch", "NLL (nats)")
		var items []legendItem

		// Ranges.
		x0, x1 := math.Inf(1), math.Inf(-1)
		lo, hi, top := math.Inf(1), math.Inf(-1), math.Inf(-1)
		for _, s := range curves {
			for i := range s.X {
				x0, x1 = math.Min(x0, s.X[i]), math.Max(x1, s.X[i])
				lo, top = math.Min(lo, s.Y[i]), math.Max(top, s.Y[i])
			}
			hi = math.Max(hi, percentile(s.Y, 0.95))
		}
		// A run much shorter than the paper's curve keeps its own x range;
		// the paper's last point is then drawn as a line.
		var paperFinal *Series
		if hasPaper {
			px1 := math.Inf(-1)
			for _, v := range d.Paper.X {
				px1 = math.Max(px1, v)
			}
			if px1 > 4*math.Max(x1, 1) {
				in := Series{Name: d.Paper.Name}
				last := Series{Name: d.Paper.Name}
				for i, v := range d.Paper.X {
					if v <= x1 {
						in.X, in.Y = append(in.X, v), append(in.Y, d.Paper.Y[i])
					}
					if v == px1 {
						last.X, last.Y = []float64{v}, []float64{d.Paper.Y[i]}
					}
				}
				d.Paper, paperFinal = in, &last
				hasPaper = len(in.X) > 0
			}
		}
		if hasPaper {
			for i := range d.Paper.X {
				x0, x1 = math.Min(x0, d.Paper.X[i]), math.Max(x1, d.Paper.X[i])
				lo, hi = math.Min(lo, d.Paper.Y[i]), math.Max(hi, d.Paper.Y[i])
				top = math.Max(top, d.Paper.Y[i])
			}
		}
		if paperFinal != nil {
			lo, hi = math.Min(lo, paperFinal.Y[0]), math.Max(hi, paperFinal.Y[0])
		}
		for _, n := range names {
			lo, hi = math.Min(lo, d.Baselines[n]), math.Max(hi, d.Baselines[n])
		}
		logY := lo > 0 && top > 3*lo
		if logY {
			hi = top
		}
		if x0 == x1 {
			x0, x1 = x0-1, x1+1
		}
		if hasPaper { // room for the markers at the ends
			x0, x1 = padRange(x0, x1, 0.015)
		}

		for i, s := range curves {
			ps, th, err := seriesPlotters(s, colorAt(i), vg.Points(1.8))
			if err != nil {
				return nil, err
			}
			p.Add(ps...)
			items = append(items, legendItem{s.Name, th})
		}
		if hasPaper {
			// A curve with a marker per point: the paper's log has one
			// point per epoch.
			ln, sc, err := plotter.NewLinePoints(xys(d.Paper.X, d.Paper.Y))
			if err != nil {
				return nil, err
			}
			ln.Color = color.Black
			sc.Color = color.Black
			sc.Shape = draw.BoxGlyph{}
			sc.Radius = vg.Points(3.5)
			if len(d.Paper.X) > 60 {
				sc.Radius = vg.Points(1.5)
			}
			p.Add(ln, sc)
			items = append(items, legendItem{withName(d.Paper, "paper").Name, []plot.Thumbnailer{ln, sc}})
		}
		if paperFinal != nil {
			l, err := hline(paperFinal.Y[0], x0, x1, color.Black, dotStyle)
			if err != nil {
				return nil, err
			}
			p.Add(l)
			items = append(items, legendItem{fmt.Sprintf("%s, epoch %s: %s", withName(*paperFinal, "paper").Name, fmtNum(paperFinal.X[0]), fmtNum(paperFinal.Y[0])), []plot.Thumbnailer{l}})
		}
		for i, n := range names {
			l, err := hline(d.Baselines[n], x0, x1, colorAt(3+i), dashStyle)
			if err != nil {
				return nil, err
			}
			l.Width = vg.Points(1.2)
			p.Add(l)
			items = append(items, legendItem{n + ": " + fmtNum(d.Baselines[n]), []plot.Thumbnailer{l}})
		}
		p.X.Min, p.X.Max = x0, x1
		if logY {
			p.Y.Scale = plot.LogScale{}
			p.Y.Tick.Marker = plot.TickerFunc(logTicks)
			p.Y.Min, p.Y.Max = lo/1.05, hi*1.05
		} else {
			p.Y.Min, p.Y.Max = padRange(lo, hi, 0.05)
		}
		drawPlot(c.region(10, 8, float64(c.w)-10, float64(c.h)-8), p, items)
		return c, nil
	})
}

func withName(s Series, def string) Series {
	if s.Name == "" {
		s.Name = def
	}
	return s
}
