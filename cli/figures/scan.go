package figures

import (
	"fmt"
	"image/color"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// ScanPanel is one panel of ScanFigure: a quantity against temperature,
// with an exact curve and estimates with error bars.
type ScanPanel struct {
	YLabel string
	// ExactT, Exact: the exact curve (drawn as a line), equal lengths.
	ExactT, Exact []float64
	Estimates     []ScanSeries
}

// ScanSeries is one kind of estimate at several temperatures: Y[i] ± Err[i]
// at T[i] (Err may be nil: no bars).
type ScanSeries struct {
	Name      string
	T, Y, Err []float64
}

// Layout of ScanFigure (pixels).
const (
	scanWidth       = 960
	scanPanelHeight = 380
)

// ScanFigure writes panels stacked vertically, sharing the temperature
// axis: in each, the exact curve as a black line and every estimate as
// markers with ±1 standard error bars, in the palette's colours. It
// returns an error for mismatched lengths or non-finite values.
func ScanFigure(path, title string, panels []ScanPanel) error {
	return render(path, func() (*canvas, error) {
		if len(panels) == 0 {
			return nil, fmt.Errorf("scan: no panels")
		}
		for i, p := range panels {
			if err := checkSeries(fmt.Sprintf("panel %d exact", i), Series{X: p.ExactT, Y: p.Exact}); err != nil {
				return nil, err
			}
			for _, s := range p.Estimates {
				if len(s.T) != len(s.Y) || (s.Err != nil && len(s.Err) != len(s.Y)) {
					return nil, fmt.Errorf("scan: panel %d, %q: lengths %d, %d, %d differ", i, s.Name, len(s.T), len(s.Y), len(s.Err))
				}
				for _, v := range [][]float64{s.T, s.Y, s.Err} {
					if err := checkFinite(s.Name, v); err != nil {
						return nil, err
					}
				}
			}
		}
		c, err := newCanvas(scanWidth, scanPanelHeight*len(panels))
		if err != nil {
			return nil, err
		}
		for i, pn := range panels {
			t := ""
			if i == 0 {
				t = title
			}
			p := newPlot(t, "temperature T", pn.YLabel)
			ex, err := plotter.NewLine(xys(pn.ExactT, pn.Exact))
			if err != nil {
				return nil, err
			}
			ex.Color, ex.Width = color.Black, vg.Points(1.2)
			p.Add(ex)
			items := []legendItem{{"exact (Kaufman)", []plot.Thumbnailer{ex}}}
			shapes := []draw.GlyphDrawer{draw.CircleGlyph{}, draw.SquareGlyph{}, draw.TriangleGlyph{}, draw.PyramidGlyph{}}
			for k, s := range pn.Estimates {
				if len(s.T) == 0 {
					continue
				}
				col := colorAt(k)
				pts := xys(s.T, s.Y)
				sc, err := plotter.NewScatter(pts)
				if err != nil {
					return nil, err
				}
				sc.GlyphStyle = draw.GlyphStyle{Color: col, Radius: vg.Points(3.5), Shape: shapes[k%len(shapes)]}
				p.Add(sc)
				if s.Err != nil {
					eb := make(errPoints, len(pts))
					for j := range pts {
						eb[j] = errPoint{pts[j].X, pts[j].Y, s.Err[j]}
					}
					bars, err := plotter.NewYErrorBars(eb)
					if err != nil {
						return nil, err
					}
					bars.Color = col
					p.Add(bars)
				}
				items = append(items, legendItem{s.Name, []plot.Thumbnailer{sc}})
			}
			top := float64(i * scanPanelHeight)
			drawPlot(c.region(10, top+8, float64(c.w)-10, top+scanPanelHeight-8), p, items)
		}
		return c, nil
	})
}

// errPoint and errPoints adapt points with symmetric y errors to
// plotter.YErrorBars.
type errPoint struct{ x, y, e float64 }

type errPoints []errPoint

func (p errPoints) Len() int                         { return len(p) }
func (p errPoints) XY(i int) (float64, float64)      { return p[i].x, p[i].y }
func (p errPoints) YError(i int) (float64, float64)  { return p[i].e, p[i].e }
func (p errPoints) XYError(i int) (float64, float64) { return 0, 0 }
func (p errPoints) Values(i int) (float64, float64)  { return p[i].x, p[i].y }
