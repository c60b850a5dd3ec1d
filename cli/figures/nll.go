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
		curves, hasPaper, names, err := nllInputs(d)
		if err != nil {
			return nil, err
		}
		c, err := newCanvas(nllWidth, nllHeight)
		if err != nil {
			return nil, err
		}
		p := newPlot(d.Title, "epoch", "NLL (nats)")
		r, paperFinal, hasPaper := nllRanges(&d, curves, names, hasPaper)
		items, err := nllPlotters(p, d, curves, names, hasPaper, paperFinal, r)
		if err != nil {
			return nil, err
		}
		p.X.Min, p.X.Max = r.x0, r.x1
		if r.logY {
			p.Y.Scale = plot.LogScale{}
			p.Y.Tick.Marker = plot.TickerFunc(logTicks)
			p.Y.Min, p.Y.Max = r.lo/1.05, r.hi*1.05
		} else {
			p.Y.Min, p.Y.Max = padRange(r.lo, r.hi, 0.05)
		}
		drawPlot(c.region(10, 8, float64(c.w)-10, float64(c.h)-8), p, items)
		return c, nil
	})
}

// nllInputs checks d's series and baselines and returns the curves to
// draw (test, then train and validation when given), whether the paper's
// curve is given, and the baselines' names, highest baseline first.
func nllInputs(d NLLData) (curves []Series, hasPaper bool, names []string, err error) {
	if err := checkSeries("Test", d.Test); err != nil {
		return nil, false, nil, err
	}
	curves = []Series{withName(d.Test, "test")}
	for _, s := range []struct {
		name string
		s    Series
	}{{"train", d.Train}, {"validation", d.Validation}} {
		if len(s.s.X) == 0 && len(s.s.Y) == 0 {
			continue
		}
		if err := checkSeries(s.name, s.s); err != nil {
			return nil, false, nil, err
		}
		curves = append(curves, withName(s.s, s.name))
	}
	hasPaper = len(d.Paper.X) != 0 || len(d.Paper.Y) != 0
	if hasPaper {
		if err := checkSeries("Paper", d.Paper); err != nil {
			return nil, false, nil, err
		}
	}
	names = make([]string, 0, len(d.Baselines))
	for n, v := range d.Baselines {
		if !isFinite(v) {
			return nil, false, nil, fmt.Errorf("baseline %q = %v is not finite", n, v)
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
	return curves, hasPaper, names, nil
}

// nllRange is the data range of an NLL figure: x from x0 to x1, y from lo
// to hi on a logarithmic axis when logY.
type nllRange struct {
	x0, x1, lo, hi float64
	logY           bool
}

// nllRanges returns the axes' ranges of NLLCurves. A run much shorter than
// the paper's curve keeps its own x range: d.Paper is then cut to it, and
// its last point is returned as paperFinal, to be drawn as a line. It also
// returns whether any of the paper's points are left.
func nllRanges(d *NLLData, curves []Series, names []string, hasPaper bool) (r nllRange, paperFinal *Series, hasPaperLeft bool) {
	x0, x1 := math.Inf(1), math.Inf(-1)
	lo, hi, top := math.Inf(1), math.Inf(-1), math.Inf(-1)
	for _, s := range curves {
		for i := range s.X {
			x0, x1 = math.Min(x0, s.X[i]), math.Max(x1, s.X[i])
			lo, top = math.Min(lo, s.Y[i]), math.Max(top, s.Y[i])
		}
		hi = math.Max(hi, percentile(s.Y, 0.95))
	}
	if hasPaper {
		d.Paper, paperFinal = cutPaper(d.Paper, x1)
		hasPaper = len(d.Paper.X) > 0
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
	return nllRange{x0, x1, lo, hi, logY}, paperFinal, hasPaper
}

// cutPaper returns the paper's curve as it is, with a nil final point,
// unless it runs more than four times as far as the run (which ends at
// epoch x1): then it returns its points up to x1 and, as final, its last
// point.
func cutPaper(paper Series, x1 float64) (Series, *Series) {
	px1 := math.Inf(-1)
	for _, v := range paper.X {
		px1 = math.Max(px1, v)
	}
	if px1 <= 4*math.Max(x1, 1) {
		return paper, nil
	}
	in := Series{Name: paper.Name}
	last := Series{Name: paper.Name}
	for i, v := range paper.X {
		if v <= x1 {
			in.X, in.Y = append(in.X, v), append(in.Y, paper.Y[i])
		}
		if v == px1 {
			last.X, last.Y = []float64{v}, []float64{paper.Y[i]}
		}
	}
	return in, &last
}

// nllPlotters adds the curves, the paper's curve and final value and the
// baselines of an NLL figure to p and returns their legend entries.
func nllPlotters(p *plot.Plot, d NLLData, curves []Series, names []string, hasPaper bool, paperFinal *Series, r nllRange) ([]legendItem, error) {
	var items []legendItem
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
		l, err := hline(paperFinal.Y[0], r.x0, r.x1, color.Black, dotStyle)
		if err != nil {
			return nil, err
		}
		p.Add(l)
		items = append(items, legendItem{fmt.Sprintf("%s, epoch %s: %s", withName(*paperFinal, "paper").Name, fmtNum(paperFinal.X[0]), fmtNum(paperFinal.Y[0])), []plot.Thumbnailer{l}})
	}
	for i, n := range names {
		l, err := hline(d.Baselines[n], r.x0, r.x1, colorAt(3+i), dashStyle)
		if err != nil {
			return nil, err
		}
		l.Width = vg.Points(1.2)
		p.Add(l)
		items = append(items, legendItem{n + ": " + fmtNum(d.Baselines[n]), []plot.Thumbnailer{l}})
	}
	return items, nil
}

func withName(s Series, def string) Series {
	if s.Name == "" {
		s.Name = def
	}
	return s
}
