package figures

import (
	"fmt"
	"image"
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// IsingData is the input of IsingFigure.
type IsingData struct {
	Title     string
	Steps     []float64 // training steps (x axis)
	Loss      []float64 // variational loss per site ℓ, same length as Steps
	StdErr    []float64 // optional, same length as Loss: ±1 standard error band
	Exact     float64   // exact optimum -ln Z_cont / N
	Reference float64   // paper's value; 0 = none
	RefLabel  string    // legend label of Reference; default "paper"
	Tiles     []SpinTiles
	// AnnealEnd, when positive, is the last step of a temperature anneal:
	// a vertical line marks it, labelled AnnealLabel, since the losses up
	// to it are against hotter targets than Exact's.
	AnnealEnd   float64
	AnnealLabel string
}

// SpinTiles holds sampled spin configurations of one training checkpoint.
type SpinTiles struct {
	Step   int
	L1, L2 int      // lattice rows × columns
	Spins  [][]int8 // each L1*L2 values ±1, row-major (index i*L2+j)
}

// Layout constants of IsingFigure (pixels).
const (
	isingWidth      = 960
	isingPlotHeight = 500
	isingMargin     = 20
	isingTileGap    = 4  // between tiles of one checkpoint
	isingGroupGap   = 18 // between checkpoints
	isingMaxTile    = 150
	isingMinTile    = 6
	isingMaxTilesH  = 240 // maximum height of the tile rows
)

// IsingFigure writes a figure like the paper's Figure 4 to path.
//
// Top panel: ℓ versus training step (with an optional ±1 standard error
// band), the exact optimum as a dashed horizontal line labelled "exact" and
// the optional reference value as a dotted line. The y range runs from
// exact−0.05·|exact| (or lower if the data go lower) to the 95th percentile
// of the curve, so the initial transient does not flatten the approach.
//
// Bottom: the spin configurations of each checkpoint, in step order, as
// tiles with one square pixel block per site (+1 black, −1 white) and a
// "step N" label under each checkpoint's group. With no Tiles only the top
// panel is drawn.
func IsingFigure(path string, f IsingData) error {
	return render(path, func() (*canvas, error) {
		if err := validateIsing(f); err != nil {
			return nil, err
		}
		var lay *tileLayout
		h := isingPlotHeight
		if len(f.Tiles) > 0 {
			var err error
			lay, err = layoutTiles(f.Tiles, isingWidth-2*isingMargin, isingMaxTilesH)
			if err != nil {
				return nil, err
			}
			h += lay.height
		}
		c, err := newCanvas(isingWidth, h)
		if err != nil {
			return nil, err
		}
		if err := drawIsingPlot(c, f); err != nil {
			return nil, err
		}
		if lay != nil {
			drawTiles(c, f.Tiles, lay, isingPlotHeight)
		}
		return c, nil
	})
}

func validateIsing(f IsingData) error {
	if len(f.Loss) == 0 {
		return fmt.Errorf("ising: no loss values")
	}
	if len(f.Steps) != len(f.Loss) {
		return fmt.Errorf("ising: len(Steps)=%d != len(Loss)=%d", len(f.Steps), len(f.Loss))
	}
	if len(f.StdErr) != 0 && len(f.StdErr) != len(f.Loss) {
		return fmt.Errorf("ising: len(StdErr)=%d != len(Loss)=%d", len(f.StdErr), len(f.Loss))
	}
	if err := checkFinite("Steps", f.Steps); err != nil {
		return err
	}
	if err := checkFinite("Loss", f.Loss); err != nil {
		return err
	}
	if err := checkFinite("StdErr", f.StdErr); err != nil {
		return err
	}
	for i, s := range f.StdErr {
		if s < 0 {
			return fmt.Errorf("StdErr[%d] = %v is negative", i, s)
		}
	}
	if !isFinite(f.AnnealEnd) || f.AnnealEnd < 0 {
		return fmt.Errorf("ising: AnnealEnd=%v must be finite and not negative", f.AnnealEnd)
	}
	if !isFinite(f.Exact) || !isFinite(f.Reference) {
		return fmt.Errorf("ising: Exact=%v / Reference=%v must be finite", f.Exact, f.Reference)
	}
	for i, t := range f.Tiles {
		if t.L1 <= 0 || t.L2 <= 0 || t.L1 > 4096 || t.L2 > 4096 {
			return fmt.Errorf("Tiles[%d] (step %d): bad lattice size %dx%d", i, t.Step, t.L1, t.L2)
		}
		if len(t.Spins) == 0 {
			return fmt.Errorf("Tiles[%d] (step %d): no configurations", i, t.Step)
		}
		for j, s := range t.Spins {
			if len(s) != t.L1*t.L2 {
				return fmt.Errorf("Tiles[%d] (step %d): configuration %d has %d spins, want %dx%d=%d",
					i, t.Step, j, len(s), t.L1, t.L2, t.L1*t.L2)
			}
			for k, v := range s {
				if v != 1 && v != -1 {
					return fmt.Errorf("Tiles[%d] (step %d): configuration %d spin %d = %d, want ±1",
						i, t.Step, j, k, v)
				}
			}
		}
	}
	return nil
}

// isingYRange returns the y range of the loss panel: from just below the
// exact optimum (or the lowest loss less its error, or the reference) to
// the 95th percentile of the losses, which clips the start of training.
// The room below is a fraction of the panel's span, not of |optimum|, so
// that a flow within a fraction of a percent of the optimum still fills
// the panel.
func isingYRange(f IsingData) (lo, hi float64) {
	lo = f.Exact
	hi = percentile(f.Loss, 0.95)
	hi = math.Max(hi, f.Exact)
	for i, l := range f.Loss {
		v := l
		if len(f.StdErr) > 0 {
			v -= f.StdErr[i]
		}
		lo = math.Min(lo, v)
	}
	if f.Reference != 0 {
		lo = math.Min(lo, f.Reference)
		hi = math.Max(hi, f.Reference)
	}
	if hi-lo <= 1e-12*math.Max(1, math.Abs(hi)) {
		return padRange(lo, hi, 0.05)
	}
	return padRange(lo, hi, 0.05)
}

// clippedPoints returns the points of the loss curve above the panel's top
// hi, placed on the top edge, so that the figure shows where the curve
// leaves the panel.
func clippedPoints(f IsingData, hi float64) plotter.XYs {
	var xy plotter.XYs
	for i, l := range f.Loss {
		if l > hi {
			xy = append(xy, plotter.XY{X: f.Steps[i], Y: hi})
		}
	}
	return xy
}

// addErrorBand draws the ±1 standard error band of the loss, when f has
// standard errors, and returns its legend entry.
func addErrorBand(p *plot.Plot, f IsingData) ([]legendItem, error) {
	if len(f.StdErr) == 0 {
		return nil, nil
	}
	band := make(plotter.XYs, 0, 2*len(f.Loss))
	for i := range f.Loss {
		band = append(band, plotter.XY{X: f.Steps[i], Y: f.Loss[i] + f.StdErr[i]})
	}
	for i := len(f.Loss) - 1; i >= 0; i-- {
		band = append(band, plotter.XY{X: f.Steps[i], Y: f.Loss[i] - f.StdErr[i]})
	}
	poly, err := plotter.NewPolygon(band)
	if err != nil {
		return nil, err
	}
	poly.Color = color.RGBA{0x9e, 0xc5, 0xe8, 0xff}
	poly.LineStyle.Width = 0
	p.Add(poly)
	return []legendItem{{"±1 std. error", []plot.Thumbnailer{poly}}}, nil
}

// addAnnealMark draws a vertical line at the end of the temperature anneal
// and returns its legend entry.
func addAnnealMark(p *plot.Plot, f IsingData, ylo, yhi float64) (legendItem, error) {
	l, err := plotter.NewLine(plotter.XYs{{X: f.AnnealEnd, Y: ylo}, {X: f.AnnealEnd, Y: yhi}})
	if err != nil {
		return legendItem{}, err
	}
	l.Color, l.Width, l.Dashes = colorAt(2), vg.Points(1.5), dotStyle
	p.Add(l)
	lbl := f.AnnealLabel
	if lbl == "" {
		lbl = "end of the temperature anneal"
	}
	return legendItem{lbl, []plot.Thumbnailer{l}}, nil
}

// drawIsingPlot draws the loss curve with its error band, the exact
// optimum, the clipped start, the reference and the anneal's end.
func drawIsingPlot(c *canvas, f IsingData) error {
	p := newPlot(f.Title, "training step", "loss per site ℓ")
	x0, x1 := f.Steps[0], f.Steps[0]
	for _, s := range f.Steps {
		x0, x1 = math.Min(x0, s), math.Max(x1, s)
	}
	if x0 == x1 {
		x0, x1 = x0-1, x1+1
	}
	items, err := addErrorBand(p, f)
	if err != nil {
		return err
	}
	ps, th, err := seriesPlotters(Series{X: f.Steps, Y: f.Loss}, colorAt(0), vg.Points(1.5))
	if err != nil {
		return err
	}
	p.Add(ps...)
	items = append([]legendItem{{"loss ℓ", th}}, items...)

	ex, err := hline(f.Exact, x0, x1, color.Black, dashStyle)
	if err != nil {
		return err
	}
	p.Add(ex)
	items = append(items, legendItem{"optimum of the relaxation, −ln Z_cont/N (exact): " + fmtNum(f.Exact), []plot.Thumbnailer{ex}})
	ylo, yhi := isingYRange(f)
	if clip := clippedPoints(f, yhi); len(clip) > 0 {
		sc, err := plotter.NewScatter(clip)
		if err != nil {
			return err
		}
		sc.GlyphStyle = draw.GlyphStyle{Color: colorAt(0), Radius: vg.Points(4), Shape: draw.TriangleGlyph{}}
		p.Add(sc)
		first := 0
		for i, s := range f.Steps {
			if s < f.Steps[first] {
				first = i
			}
		}
		items = append(items, legendItem{fmt.Sprintf("clipped: %d points above the panel (start ℓ = %s at step %s)",
			len(clip), fmtNum(f.Loss[first]), fmtNum(f.Steps[first])), []plot.Thumbnailer{sc}})
	}
	if f.Reference != 0 {
		ref, err := hline(f.Reference, x0, x1, colorAt(3), dotStyle)
		if err != nil {
			return err
		}
		p.Add(ref)
		lbl := f.RefLabel
		if lbl == "" {
			lbl = "paper"
		}
		items = append(items, legendItem{lbl + ": " + fmtNum(f.Reference), []plot.Thumbnailer{ref}})
	}
	if f.AnnealEnd > 0 {
		item, err := addAnnealMark(p, f, ylo, yhi)
		if err != nil {
			return err
		}
		items = append(items, item)
	}
	p.X.Min, p.X.Max = x0, x1
	p.Y.Min, p.Y.Max = ylo, yhi
	drawPlot(c.region(10, 8, float64(c.w)-10, isingPlotHeight-8), p, items)
	return nil
}

// tileLayout is the pixel layout of the spin tiles. Every configuration
// gets a box of tileW×tileH pixels whose aspect is the tallest lattice
// aspect (L1/L2) among the checkpoints; the lattice is drawn centred in its
// box with an integer number of pixels per site where possible.
type tileLayout struct {
	tileW, tileH int   // box size (pixels)
	rows         int   // tile rows per checkpoint group
	cols         []int // columns of each group
	header       int   // height of the header text band
	label        int   // height of the step-label band
	height       int   // total height of the tile section
	groupX       []int // left edge of each group
	groupW       []int // width of each group
	tilesTop     int   // offset of the first tile row below the section top
}

func layoutTiles(tiles []SpinTiles, width, maxH int) (*tileLayout, error) {
	maxM := 0
	ratio := 0.0 // box height / width
	for _, t := range tiles {
		maxM = max(maxM, len(t.Spins))
		ratio = math.Max(ratio, float64(t.L1)/float64(t.L2))
	}
	G := len(tiles)
	boxH := func(w int) int { return int(math.Ceil(float64(w) * ratio)) }
	bestW, bestR, bestArea := -1, 1, -1
	for r := 1; r <= maxM; r++ {
		sumC, gaps := 0, (G-1)*isingGroupGap
		for _, t := range tiles {
			cc := (len(t.Spins) + r - 1) / r
			sumC += cc
			gaps += (cc - 1) * isingTileGap
		}
		w := (width - gaps) / sumC
		w = min(w, int(float64((maxH-(r-1)*isingTileGap)/r)/ratio))
		if boxH(w) > isingMaxTile {
			w = int(isingMaxTile / ratio)
		}
		w = min(w, isingMaxTile)
		if a := w * boxH(w); w > 0 && a > bestArea {
			bestW, bestR, bestArea = w, r, a
		}
	}
	if bestW < isingMinTile || boxH(bestW) < isingMinTile {
		return nil, fmt.Errorf("too many spin tiles (%d checkpoints, up to %d each) to fit in one figure", G, maxM)
	}
	l := &tileLayout{tileW: bestW, tileH: boxH(bestW), rows: bestR, header: 34, label: 30}
	total := (G - 1) * isingGroupGap
	for _, t := range tiles {
		cc := (len(t.Spins) + bestR - 1) / bestR
		l.cols = append(l.cols, cc)
		w := cc*l.tileW + (cc-1)*isingTileGap
		l.groupW = append(l.groupW, w)
		total += w
	}
	x := isingMargin + (width-total)/2
	for _, w := range l.groupW {
		l.groupX = append(l.groupX, x)
		x += w + isingGroupGap
	}
	l.tilesTop = l.header
	l.height = l.header + bestR*l.tileH + (bestR-1)*isingTileGap + l.label + 10
	return l, nil
}

// tileRect returns the pixel rectangle of configuration j of group g for
// a lattice of L1 rows and L2 columns, with the section starting at top.
func (l *tileLayout) tileRect(g, j, L1, L2, top int) image.Rectangle {
	r, cidx := j/l.cols[g], j%l.cols[g]
	bx := l.groupX[g] + cidx*(l.tileW+isingTileGap)
	by := top + l.tilesTop + r*(l.tileH+isingTileGap)
	var tw, th int
	if k := min(l.tileW/L2, l.tileH/L1); k >= 1 {
		tw, th = k*L2, k*L1
	} else { // fewer pixels than sites: downsample, keeping the aspect
		f := math.Min(float64(l.tileW)/float64(L2), float64(l.tileH)/float64(L1))
		tw, th = max(1, int(f*float64(L2))), max(1, int(f*float64(L1)))
	}
	x := bx + (l.tileW-tw)/2
	y := by + (l.tileH-th)/2
	return image.Rect(x, y, x+tw, y+th)
}

func drawTiles(c *canvas, tiles []SpinTiles, l *tileLayout, top int) {
	c.text(isingMargin, float64(top+6), "sampled spin configurations (black = +1, white = −1)",
		textStyle(12, text.XLeft, text.YTop))
	for g, t := range tiles {
		src := image.NewGray(image.Rect(0, 0, t.L2, t.L1))
		for j, spins := range t.Spins {
			for k, s := range spins {
				if s == 1 {
					src.Pix[k] = 0
				} else {
					src.Pix[k] = 255
				}
			}
			r := l.tileRect(g, j, t.L1, t.L2, top)
			c.fill(r.Inset(-1), frameGrey)
			c.blit(r, scaleNearest(src, r.Dx(), r.Dy()))
		}
		// Step label centred under the group, shortened/shrunk to fit.
		cx := float64(l.groupX[g]) + float64(l.groupW[g])/2
		ly := float64(top + l.tilesTop + l.rows*l.tileH + (l.rows-1)*isingTileGap + 6)
		avail := px(float64(l.groupW[g] + isingGroupGap - 4))
		lbl := fmt.Sprintf("step %d", t.Step)
		sty := textStyle(11, text.XCenter, text.YTop)
		if sty.Width(lbl) > avail {
			lbl = fmt.Sprint(t.Step)
		}
		for size := 11.0; size > 6 && sty.Width(lbl) > avail; size-- {
			sty = textStyle(size, text.XCenter, text.YTop)
		}
		c.text(cx, ly, lbl, sty)
	}
}
