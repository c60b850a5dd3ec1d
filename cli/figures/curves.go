package figures

import (
	"fmt"
	"image/color"
	"math"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Layout of Curve and Bars (pixels).
const (
	curveWidth  = 900
	curveHeight = 540
)

// Curve writes a generic line plot to path: one line per series (distinct
// colours, dashed where Series.Dashed), with a legend outside the data area
// on the right listing the named series. Every series needs at least one
// point (a single point is drawn as a marker), equal-length X and Y and
// finite values.
func Curve(path string, title, xlabel, ylabel string, series []Series) error {
	return render(path, func() (*canvas, error) {
		if len(series) == 0 {
			return nil, fmt.Errorf("curve: no series")
		}
		for i, s := range series {
			if err := checkSeries(fmt.Sprintf("series[%d] %q", i, s.Name), s); err != nil {
				return nil, err
			}
		}
		c, err := newCanvas(curveWidth, curveHeight)
		if err != nil {
			return nil, err
		}
		p := newPlot(title, xlabel, ylabel)
		items, err := addSeries(p, series)
		if err != nil {
			return nil, err
		}
		if p.X.Min == p.X.Max {
			p.X.Min, p.X.Max = padRange(p.X.Min, p.X.Max, 0)
		}
		if p.Y.Min == p.Y.Max {
			p.Y.Min, p.Y.Max = padRange(p.Y.Min, p.Y.Max, 0)
		}
		drawPlot(c.region(10, 8, float64(c.w)-10, float64(c.h)-8), p, items)
		return c, nil
	})
}

// BarSeries is one series of a grouped bar chart: one value per group.
// NaN marks a missing value (no bar); ±Inf is an error.
type BarSeries struct {
	Name   string
	Values []float64
}

// BarOption configures Bars.
type BarOption func(*barOptions)

type barOptions struct {
	logY bool
}

// LogY makes Bars use a logarithmic y axis (all values must then be > 0).
func LogY() BarOption { return func(o *barOptions) { o.logY = true } }

// Bars writes a grouped bar chart to path: for each group (x axis, e.g. a
// benchmark case) one bar per series (e.g. "mafc", "PyTorch"), side by
// side, with a legend outside on the right. Each series needs one value per
// group. With LogY() the y axis is logarithmic. Values are printed above
// their bars when there is room.
func Bars(path, title, ylabel string, groups []string, series []BarSeries, opts ...BarOption) error {
	return render(path, func() (*canvas, error) {
		var o barOptions
		for _, f := range opts {
			if f != nil {
				f(&o)
			}
		}
		lo, hi, err := barRange(groups, series, o.logY)
		if err != nil {
			return nil, err
		}
		c, err := newCanvas(curveWidth, curveHeight)
		if err != nil {
			return nil, err
		}
		p := newPlot(title, "", ylabel)
		b := &groupedBars{n: len(groups), log: o.logY}
		var items []legendItem
		for i, s := range series {
			b.vals = append(b.vals, s.Values)
			b.colors = append(b.colors, colorAt(i))
			name := s.Name
			if name == "" {
				name = fmt.Sprintf("series %d", i+1)
			}
			items = append(items, legendItem{name, []plot.Thumbnailer{barThumb{colorAt(i)}}})
		}
		p.Add(b)
		p.NominalX(groups...)
		p.X.Min, p.X.Max = -0.5, float64(len(groups))-0.5
		barYAxis(p, lo, hi, o.logY)
		// Rotate the group names when they would not fit side by side.
		// The data area is roughly 70% of the figure width.
		var widest vg.Length
		for _, g := range groups {
			widest = max(widest, p.X.Tick.Label.Width(g))
		}
		if toPx(widest)+12 > 0.7*curveWidth/float64(len(groups)) {
			p.X.Tick.Label.Rotation = math.Pi / 6
			p.X.Tick.Label.XAlign = text.XRight
			p.X.Tick.Label.YAlign = text.YTop
		}
		drawPlot(c.region(10, 8, float64(c.w)-10, float64(c.h)-8), p, items)
		return c, nil
	})
}

// barRange checks that each series has one value per group, none
// infinite (NaN: missing) and, on a log axis, all positive, and returns
// the smallest and largest value present.
func barRange(groups []string, series []BarSeries, logY bool) (lo, hi float64, err error) {
	if len(groups) == 0 {
		return 0, 0, fmt.Errorf("bars: no groups")
	}
	if len(series) == 0 {
		return 0, 0, fmt.Errorf("bars: no series")
	}
	lo, hi = math.Inf(1), math.Inf(-1)
	for i, s := range series {
		if len(s.Values) != len(groups) {
			return 0, 0, fmt.Errorf("bars: series[%d] %q has %d values, want %d (one per group)",
				i, s.Name, len(s.Values), len(groups))
		}
		for j, v := range s.Values {
			if math.IsNaN(v) {
				continue
			}
			if math.IsInf(v, 0) {
				return 0, 0, fmt.Errorf("bars: series[%d] %q value %d is infinite", i, s.Name, j)
			}
			if logY && v <= 0 {
				return 0, 0, fmt.Errorf("bars: series[%d] %q value %d = %v, want > 0 on a log axis",
					i, s.Name, j, v)
			}
			lo, hi = math.Min(lo, v), math.Max(hi, v)
		}
	}
	if math.IsInf(lo, 1) {
		return 0, 0, fmt.Errorf("bars: all values are missing (NaN)")
	}
	return lo, hi, nil
}

// barYAxis sets p's y axis for bars from lo to hi: logarithmic with a
// factor 1.6 of room, or linear from 0 with 8% room on the side of the
// bars.
func barYAxis(p *plot.Plot, lo, hi float64, logY bool) {
	if logY {
		p.Y.Scale = plot.LogScale{}
		p.Y.Tick.Marker = plot.TickerFunc(logTicks)
		p.Y.Min, p.Y.Max = lo/1.6, hi*1.6
		return
	}
	p.Y.Min, p.Y.Max = math.Min(0, lo), math.Max(0, hi)
	span := p.Y.Max - p.Y.Min
	if span == 0 {
		span = 1
	}
	if hi > 0 {
		p.Y.Max += 0.08 * span
	}
	if lo < 0 {
		p.Y.Min -= 0.08 * span
	}
}

// groupedBars draws vals[s][g] as bars: group g is centred at x = g and its
// series share 80% of the unit width.
type groupedBars struct {
	n      int
	vals   [][]float64
	colors []color.Color
	log    bool
}

func (b *groupedBars) DataRange() (xmin, xmax, ymin, ymax float64) {
	ymin, ymax = math.Inf(1), math.Inf(-1)
	for _, vs := range b.vals {
		for _, v := range vs {
			if isFinite(v) {
				ymin, ymax = math.Min(ymin, v), math.Max(ymax, v)
			}
		}
	}
	if !b.log {
		ymin, ymax = math.Min(ymin, 0), math.Max(ymax, 0)
	}
	return -0.5, float64(b.n) - 0.5, ymin, ymax
}

func (b *groupedBars) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	S := len(b.vals)
	bw := 0.8 / float64(S)
	base := c.Min.Y
	if !b.log && p.Y.Min <= 0 && p.Y.Max >= 0 {
		base = trY(0)
	}
	edge := draw.LineStyle{Color: color.Gray{Y: 0x40}, Width: vg.Points(0.5)}
	lsty := textStyle(8, text.XCenter, text.YBottom)
	for s, vs := range b.vals {
		for g, v := range vs {
			xa := trX(float64(g) - 0.4 + float64(s)*bw)
			xb := trX(float64(g) - 0.4 + float64(s+1)*bw)
			if math.IsNaN(v) { // missing: mark the empty slot
				if lsty.Width("n/a") <= xb-xa+vg.Points(2) {
					lsty.YAlign = text.YBottom
					c.FillText(lsty, vg.Point{X: (xa + xb) / 2, Y: base + vg.Points(2)}, "n/a")
				}
				continue
			}
			top := trY(v)
			pts := []vg.Point{{X: xa, Y: base}, {X: xb, Y: base}, {X: xb, Y: top}, {X: xa, Y: top}}
			poly := c.ClipPolygonY(pts)
			if len(poly) == 0 {
				continue
			}
			c.FillPolygon(b.colors[s], poly)
			c.StrokeLines(edge, append(poly, poly[0]))
			lbl := strconv.FormatFloat(v, 'g', 3, 64)
			if lsty.Width(lbl) <= xb-xa+vg.Points(2) && top <= c.Max.Y {
				y := top + vg.Points(2)
				if v < 0 {
					y = top - vg.Points(2)
					lsty.YAlign = text.YTop
				} else {
					lsty.YAlign = text.YBottom
				}
				c.FillText(lsty, vg.Point{X: (xa + xb) / 2, Y: y}, lbl)
			}
		}
	}
}

// barThumb is the legend thumbnail of a bar series.
type barThumb struct{ col color.Color }

func (t barThumb) Thumbnail(c *draw.Canvas) {
	r := c.Rectangle
	c.FillPolygon(t.col, []vg.Point{r.Min, {X: r.Max.X, Y: r.Min.Y}, r.Max, {X: r.Min.X, Y: r.Max.Y}})
}

// logTicks places major ticks at powers of ten, plus 2× and 5× when the
// range spans at most two decades; other integer multiples are minor ticks.
func logTicks(lo, hi float64) []plot.Tick {
	if !(lo > 0) || !(hi > lo) {
		return nil
	}
	e0, e1 := math.Floor(math.Log10(lo)), math.Ceil(math.Log10(hi))
	few := e1-e0 <= 2
	var ticks []plot.Tick
	labelled := 0
	for e := e0; e <= e1; e++ {
		base := math.Pow(10, e)
		for m := 1; m <= 9; m++ {
			v := float64(m) * base
			if v < lo*(1-1e-9) || v > hi*(1+1e-9) {
				continue
			}
			t := plot.Tick{Value: v}
			if m == 1 || (few && (m == 2 || m == 5)) {
				t.Label = fmtNum(v)
				labelled++
			}
			ticks = append(ticks, t)
		}
	}
	if labelled < 2 {
		for i := range ticks {
			ticks[i].Label = fmtNum(ticks[i].Value)
		}
	}
	return ticks
}

// addSeries draws each series in its own colour and returns the legend
// entries of the named ones.
func addSeries(p *plot.Plot, series []Series) ([]legendItem, error) {
	var items []legendItem
	for i, s := range series {
		ps, th, err := seriesPlotters(s, colorAt(i), vg.Points(1.8))
		if err != nil {
			return nil, err
		}
		p.Add(ps...)
		if s.Name != "" {
			items = append(items, legendItem{s.Name, th})
		}
	}
	return items, nil
}
