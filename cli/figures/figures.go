// Package figures renders the figures of the Monge-Ampère flow paper
// (Zhang, E, Wang 2018) and the project's reports as PNG files.
//
// Every function takes plain data (slices, maps and the small structs
// declared here; nothing from other mafc packages), validates it, renders
// it with gonum.org/v1/plot at 100 dpi and writes the PNG atomically with
// internal/atomicfile: the image is encoded into a temporary file in the
// destination directory, which is then synced and renamed over path. Errors
// always name the file, and bad input (mismatched lengths, empty data,
// non-finite values, wrong tile sizes, unwritable paths) is reported as an
// error, never as a panic.
//
// Functions:
//
//   - IsingFigure: paper Figure 4 (loss per site vs step, exact -ln Z/N,
//     sampled spin configurations per checkpoint).
//   - NLLCurves: paper Figure 3a (NLL in nats vs epoch with baselines and
//     the paper's curve).
//   - ImageGrid: grid of grayscale images in [0,1] (MNIST samples).
//   - Gaussianisation: paper Figure 3b (image trajectories from data to
//     latent, shown through a sigmoid).
//   - LikelihoodFigure: loss curves of a likelihood run, and for 2-D data
//     the target's points beside the flow's samples.
//   - Curve and Bars: generic line plots and grouped bar charts.
package figures

import (
	"errors"
	"fmt"
	"image"
	"image/color"
	stddraw "image/draw"
	"image/png"
	"io"
	"math"
	"sort"
	"strconv"

	"github.com/mafc-dev/mafc/internal/atomicfile"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// DPI is the resolution of every figure written by this package.
const DPI = 100

// maxPixels bounds either side of a rendered figure (in pixels); inputs
// that would need a larger canvas are rejected.
const maxPixels = 8000

// Series is one named line of a line plot. X and Y must have the same,
// non-zero length and hold finite values. Dashed draws the line dashed.
type Series struct {
	Name   string
	X, Y   []float64
	Dashed bool
}

// palette holds the line/bar colours (the "tab10" colours).
var palette = []color.RGBA{
	{0x1f, 0x77, 0xb4, 0xff}, // blue
	{0xff, 0x7f, 0x0e, 0xff}, // orange
	{0x2c, 0xa0, 0x2c, 0xff}, // green
	{0xd6, 0x27, 0x28, 0xff}, // red
	{0x94, 0x67, 0xbd, 0xff}, // purple
	{0x8c, 0x56, 0x4b, 0xff}, // brown
	{0xe3, 0x77, 0xc2, 0xff}, // pink
	{0x7f, 0x7f, 0x7f, 0xff}, // grey
	{0xbc, 0xbd, 0x22, 0xff}, // olive
	{0x17, 0xbe, 0xcf, 0xff}, // cyan
}

func colorAt(i int) color.RGBA { return palette[i%len(palette)] }

var (
	dashStyle = []vg.Length{vg.Points(6), vg.Points(3)}
	dotStyle  = []vg.Length{vg.Points(2), vg.Points(2)}
	gridGrey  = color.Gray{Y: 0xe0}
	frameGrey = color.Gray{Y: 0x99}
)

// px converts a length in pixels (at DPI) to a vg.Length.
func px(n float64) vg.Length { return vg.Length(n) * vg.Inch / DPI }

// toPx converts a vg.Length to pixels (at DPI).
func toPx(l vg.Length) float64 { return float64(l.Dots(DPI)) }

// textStyle returns a plain-text style of the default plot font.
func textStyle(size float64, xa text.XAlignment, ya text.YAlignment) text.Style {
	return text.Style{
		Color:   color.Black,
		Font:    font.From(plot.DefaultFont, vg.Points(size)),
		XAlign:  xa,
		YAlign:  ya,
		Handler: plot.DefaultTextHandler,
	}
}

// canvas is a raster canvas addressed in pixels, origin at the top left.
// Vector drawing (plots, text) goes through vc; raster content (images,
// spin tiles) is copied straight into img so that every data pixel maps to
// an exact block of output pixels.
type canvas struct {
	vc   *vgimg.Canvas
	img  stddraw.Image
	w, h int
}

func newCanvas(w, h int) (*canvas, error) {
	if w <= 0 || h <= 0 || w > maxPixels || h > maxPixels {
		return nil, fmt.Errorf("figure would be %dx%d pixels (limit %d per side)", w, h, maxPixels)
	}
	vc := vgimg.NewWith(vgimg.UseWH(px(float64(w)), px(float64(h))), vgimg.UseDPI(DPI),
		vgimg.UseBackgroundColor(color.White))
	img := vc.Image()
	b := img.Bounds()
	return &canvas{vc: vc, img: img, w: b.Dx(), h: b.Dy()}, nil
}

// pt converts pixel coordinates (top-left origin) to a vg point.
func (c *canvas) pt(x, y float64) vg.Point {
	return vg.Point{X: px(x), Y: px(float64(c.h) - y)}
}

// region returns the draw.Canvas covering the pixel rectangle
// [x0,x1)×[y0,y1) (top-left origin).
func (c *canvas) region(x0, y0, x1, y1 float64) draw.Canvas {
	return draw.Canvas{
		Canvas:    c.vc,
		Rectangle: vg.Rectangle{Min: c.pt(x0, y1), Max: c.pt(x1, y0)},
	}
}

// text draws s at pixel position (x,y) with the given style.
func (c *canvas) text(x, y float64, s string, sty text.Style) {
	dc := draw.New(c.vc)
	dc.FillText(sty, c.pt(x, y), s)
}

// fill paints the pixel rectangle r with colour col.
func (c *canvas) fill(r image.Rectangle, col color.Color) {
	stddraw.Draw(c.img, r, &image.Uniform{C: col}, image.Point{}, stddraw.Src)
}

// blit copies src into the pixel rectangle r (same size as src).
func (c *canvas) blit(r image.Rectangle, src image.Image) {
	stddraw.Draw(c.img, r, src, src.Bounds().Min, stddraw.Src)
}

// scaleNearest resizes src to w×h pixels by nearest-neighbour sampling.
func scaleNearest(src *image.Gray, w, h int) *image.Gray {
	sb := src.Bounds()
	if sb.Dx() == w && sb.Dy() == h {
		return src
	}
	dst := image.NewGray(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		sy := sb.Min.Y + y*sb.Dy()/h
		for x := 0; x < w; x++ {
			sx := sb.Min.X + x*sb.Dx()/w
			dst.Pix[y*dst.Stride+x] = src.Pix[(sy-sb.Min.Y)*src.Stride+(sx-sb.Min.X)]
		}
	}
	return dst
}

// render validates path, runs build (which returns the finished canvas) and
// writes the PNG atomically. Any error or panic is reported naming path.
func render(path string, build func() (*canvas, error)) (err error) {
	if path == "" {
		return errors.New("figures: empty output path")
	}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("figures: %s: rendering failed: %v", path, r)
		}
	}()
	c, err := build()
	if err != nil {
		return fmt.Errorf("figures: %s: %w", path, err)
	}
	return writePNG(path, c.img)
}

// writePNG encodes img into path atomically (see [atomicfile]).
func writePNG(path string, img image.Image) error {
	err := atomicfile.Write(path, 0o644, func(w io.Writer) error { return png.Encode(w, img) })
	if err != nil {
		return fmt.Errorf("figures: %w", err)
	}
	return nil
}

// ---------------------------------------------------------------------------
// validation helpers

func checkFinite(what string, v []float64) error {
	for i, x := range v {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return fmt.Errorf("%s[%d] = %v is not finite", what, i, x)
		}
	}
	return nil
}

func checkSeries(what string, s Series) error {
	if len(s.X) == 0 {
		return fmt.Errorf("%s has no points", what)
	}
	if len(s.X) != len(s.Y) {
		return fmt.Errorf("%s: len(X)=%d != len(Y)=%d", what, len(s.X), len(s.Y))
	}
	if err := checkFinite(what+".X", s.X); err != nil {
		return err
	}
	return checkFinite(what+".Y", s.Y)
}

func isFinite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

// percentile returns the q-quantile (0..1) of v (nearest rank, v non-empty).
func percentile(v []float64, q float64) float64 {
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	i := int(math.Ceil(q*float64(len(s)-1) - 1e-9))
	if i < 0 {
		i = 0
	}
	if i >= len(s) {
		i = len(s) - 1
	}
	return s[i]
}

func xys(x, y []float64) plotter.XYs {
	pts := make(plotter.XYs, len(x))
	for i := range x {
		pts[i].X, pts[i].Y = x[i], y[i]
	}
	return pts
}

// fmtNum formats a value compactly for labels.
func fmtNum(v float64) string { return strconv.FormatFloat(v, 'g', 6, 64) }

// ---------------------------------------------------------------------------
// plots

// newPlot returns a plot with the package's common styling.
func newPlot(title, xlabel, ylabel string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.Title.TextStyle.Font.Size = vg.Points(14)
	p.Title.Padding = vg.Points(8)
	p.X.Label.Text = xlabel
	p.Y.Label.Text = ylabel
	p.X.Label.TextStyle.Font.Size = vg.Points(12)
	p.Y.Label.TextStyle.Font.Size = vg.Points(12)
	p.X.Tick.Label.Font.Size = vg.Points(10)
	p.Y.Tick.Label.Font.Size = vg.Points(10)
	p.X.Tick.Marker = plot.TickerFunc(niceTicks)
	p.Y.Tick.Marker = plot.TickerFunc(niceTicks)
	g := plotter.NewGrid()
	g.Vertical.Color = gridGrey
	g.Horizontal.Color = gridGrey
	p.Add(g)
	return p
}

type legendItem struct {
	name   string
	thumbs []plot.Thumbnailer
}

// drawPlot draws p into dc with its legend (items) placed outside the data
// area, to the right of it and aligned with its top. If the legend would
// need more than 40% of the width it goes below the plot, which gives up
// the legend's height; if it would then need more than half of the
// height it goes inside, at the top right. A legend outside never hides
// data.
func drawPlot(dc draw.Canvas, p *plot.Plot, items []legendItem) {
	if len(items) == 0 {
		p.Draw(dc)
		return
	}
	leg := plot.NewLegend()
	leg.Top, leg.Left = true, true
	leg.TextStyle.Font.Size = vg.Points(11)
	leg.Padding = vg.Points(4)
	leg.ThumbnailWidth = vg.Points(24)
	for _, it := range items {
		leg.Add(it.name, it.thumbs...)
	}
	lr := leg.Rectangle(dc)
	pad := vg.Points(6)
	lw := lr.Size().X + 3*pad
	if lw > 0.4*dc.Size().X {
		if lh := lr.Size().Y + 3*pad; lh <= 0.5*dc.Size().Y {
			pc := dc
			pc.Min.Y += lh
			p.Draw(pc)
			da := p.DataCanvas(pc)
			lc := draw.Canvas{Canvas: dc.Canvas, Rectangle: vg.Rectangle{
				Min: vg.Point{X: da.Min.X + pad, Y: dc.Min.Y + pad},
				Max: vg.Point{X: dc.Max.X - pad, Y: dc.Min.Y + pad + lr.Size().Y},
			}}
			drawFramedLegend(dc, leg, lc, lr.Size(), pad)
			return
		}
		p.Legend.Top = true
		p.Legend.TextStyle.Font.Size = vg.Points(10)
		for _, it := range items {
			p.Legend.Add(it.name, it.thumbs...)
		}
		p.Draw(dc)
		return
	}
	pc := dc
	pc.Max.X -= lw
	p.Draw(pc)
	da := p.DataCanvas(pc)
	lc := draw.Canvas{Canvas: dc.Canvas, Rectangle: vg.Rectangle{
		Min: vg.Point{X: pc.Max.X + 2*pad, Y: da.Max.Y - lr.Size().Y - pad},
		Max: vg.Point{X: dc.Max.X - pad, Y: da.Max.Y - pad},
	}}
	drawFramedLegend(dc, leg, lc, lr.Size(), pad)
}

// drawFramedLegend draws leg into lc, whose top left corner it starts
// from, in a light frame pad outside its size.
func drawFramedLegend(dc draw.Canvas, leg plot.Legend, lc draw.Canvas, size vg.Point, pad vg.Length) {
	fr := vg.Rectangle{
		Min: vg.Point{X: lc.Min.X - pad, Y: lc.Max.Y - size.Y - pad},
		Max: vg.Point{X: lc.Min.X + size.X + pad, Y: lc.Max.Y + pad},
	}
	dc.StrokeLines(draw.LineStyle{Color: frameGrey, Width: vg.Points(0.5)}, []vg.Point{
		fr.Min, {X: fr.Max.X, Y: fr.Min.Y}, fr.Max, {X: fr.Min.X, Y: fr.Max.Y}, fr.Min,
	})
	leg.Draw(lc)
}

// hline returns a horizontal line at y spanning [x0, x1].
func hline(y, x0, x1 float64, col color.Color, dashes []vg.Length) (*plotter.Line, error) {
	l, err := plotter.NewLine(plotter.XYs{{X: x0, Y: y}, {X: x1, Y: y}})
	if err != nil {
		return nil, err
	}
	l.Color = col
	l.Width = vg.Points(1.5)
	l.Dashes = dashes
	return l, nil
}

// seriesPlotters returns the plotters (a line, plus a marker when there is a
// single point) for s in colour col, and its legend thumbnails.
func seriesPlotters(s Series, col color.Color, width vg.Length) ([]plot.Plotter, []plot.Thumbnailer, error) {
	pts := xys(s.X, s.Y)
	l, err := plotter.NewLine(pts)
	if err != nil {
		return nil, nil, err
	}
	l.Color = col
	l.Width = width
	if s.Dashed {
		l.Dashes = dashStyle
	}
	ps := []plot.Plotter{l}
	th := []plot.Thumbnailer{l}
	if len(pts) == 1 {
		sc, err := plotter.NewScatter(pts)
		if err != nil {
			return nil, nil, err
		}
		sc.Color = col
		sc.Shape = draw.CircleGlyph{}
		sc.Radius = vg.Points(3)
		ps = append(ps, sc)
		th = append(th, sc)
	}
	return ps, th, nil
}

// padRange widens [lo,hi] by frac of its span (or a small absolute amount
// when the span is zero).
func padRange(lo, hi, frac float64) (float64, float64) {
	span := hi - lo
	if span <= 0 || !isFinite(span) {
		d := math.Max(math.Abs(lo)*0.01, 1e-3)
		return lo - d, hi + d
	}
	return lo - frac*span, hi + frac*span
}

// niceTicks is a linear-axis ticker with about six labelled ticks at
// 1, 2, 2.5 or 5 × 10^k spacing and unlabelled minor ticks in between.
func niceTicks(lo, hi float64) []plot.Tick {
	if !isFinite(lo) || !isFinite(hi) || !(hi > lo) {
		return nil
	}
	raw := (hi - lo) / 6
	e := math.Floor(math.Log10(raw))
	base := math.Pow(10, e)
	var step float64
	var minorDiv int
	prec := 0
	switch f := raw / base; {
	case f <= 1:
		step, minorDiv = base, 5
	case f <= 2:
		step, minorDiv = 2*base, 4
	case f <= 2.5:
		step, minorDiv = 2.5*base, 5
		prec = 1
	case f <= 5:
		step, minorDiv = 5*base, 5
	default:
		step, minorDiv = 10*base, 5
		e++
	}
	if e < 0 {
		prec += int(-e)
	}
	big := math.Max(math.Abs(lo), math.Abs(hi))
	label := func(v float64) string {
		if big >= 1e6 || big < 1e-4 {
			return strconv.FormatFloat(v, 'g', 4, 64)
		}
		return strconv.FormatFloat(v, 'f', prec, 64)
	}
	minor := step / float64(minorDiv)
	var ticks []plot.Tick
	i0 := math.Ceil(lo/minor - 1e-9)
	i1 := math.Floor(hi/minor + 1e-9)
	if i1-i0 > 1000 {
		return nil
	}
	for i := i0; i <= i1; i++ {
		v := i * minor
		if math.Abs(v) < minor*1e-9 {
			v = 0
		}
		t := plot.Tick{Value: v}
		if math.Mod(math.Abs(i), float64(minorDiv)) == 0 {
			t.Label = label(v)
		}
		ticks = append(ticks, t)
	}
	return ticks
}
