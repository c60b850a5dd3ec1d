package figures

import (
	"fmt"
	"image"
	"image/color"
	"math"
	"strconv"

	"gonum.org/v1/plot/text"
)

// Layout of image grids (pixels).
const (
	gridTargetWidth = 900 // the grid is scaled up to about this width
	gridMaxScale    = 8   // at most this many output pixels per image pixel
	gridSep         = 2   // separator width
	gridMargin      = 10
	gridTitleH      = 40
	gaussColGap     = 8  // gap between time columns in Gaussianisation
	gaussRowGap     = 4  // gap between rows in Gaussianisation
	gaussLabelH     = 34 // height of the column-label band
)

var sepGrey = color.Gray{Y: 0x80}

// gridLayout is the pixel layout of an image grid: image i (row-major over
// cols columns) has its top-left pixel at origin(i) and each image pixel is
// a k×k block.
type gridLayout struct {
	x0, y0     int // top-left corner of the first image
	k          int // output pixels per image pixel
	w, h       int // image size in image pixels
	cols, rows int
	dx, dy     int // pitch between image origins
}

func (g gridLayout) origin(i int) image.Point {
	return image.Pt(g.x0+(i%g.cols)*g.dx, g.y0+(i/g.cols)*g.dy)
}

func (g gridLayout) rect(i int) image.Rectangle {
	o := g.origin(i)
	return image.Rect(o.X, o.Y, o.X+g.k*g.w, o.Y+g.k*g.h)
}

// pixelScale picks the integer scale so that n images of width w plus
// gaps fit in about gridTargetWidth pixels.
func pixelScale(n, w, gaps int) int {
	k := (gridTargetWidth - gaps) / (n * w)
	return max(1, min(k, gridMaxScale))
}

func checkImages(what string, imgs [][]float64, w, h int) error {
	if w <= 0 || h <= 0 || w > maxPixels || h > maxPixels {
		return fmt.Errorf("bad image size %dx%d", w, h)
	}
	if len(imgs) == 0 {
		return fmt.Errorf("%s: no images", what)
	}
	for i, im := range imgs {
		if len(im) != w*h {
			return fmt.Errorf("%s[%d] has %d values, want %dx%d=%d", what, i, len(im), w, h, w*h)
		}
		for j, v := range im {
			if math.IsNaN(v) {
				return fmt.Errorf("%s[%d][%d] is NaN", what, i, j)
			}
		}
	}
	return nil
}

// grayImage converts row-major values to a w×h gray image via f, which
// maps a value to an intensity in [0,1] (clamped).
func grayImage(v []float64, w, h int, f func(float64) float64) *image.Gray {
	g := image.NewGray(image.Rect(0, 0, w, h))
	for i, x := range v {
		y := f(x)
		if !(y >= 0) { // also NaN
			y = 0
		}
		if y > 1 {
			y = 1
		}
		g.Pix[i] = uint8(math.Round(y * 255))
	}
	return g
}

func identity(x float64) float64 { return x }

// sigmoid is the display map of Gaussianisation.
func sigmoid(x float64) float64 { return 1 / (1 + math.Exp(-x)) }

// imageGridLayout computes the layout used by ImageGrid.
func imageGridLayout(n, w, h, cols int, title string) (gridLayout, int, int) {
	cols = min(cols, n)
	rows := (n + cols - 1) / cols
	k := pixelScale(cols, w, (cols+1)*gridSep)
	top := gridMargin
	if title != "" {
		top = gridTitleH
	}
	g := gridLayout{
		x0: gridMargin + gridSep, y0: top + gridSep, k: k, w: w, h: h,
		cols: cols, rows: rows, dx: k*w + gridSep, dy: k*h + gridSep,
	}
	W := 2*gridMargin + cols*g.dx + gridSep
	H := top + rows*g.dy + gridSep + gridMargin
	return g, W, H
}

// ImageGrid writes a grid of grayscale images to path. Each image has w×h
// row-major values in [0,1] (0 black, 1 white; values outside are clamped,
// NaN is an error), and they are laid out row by row in cols columns,
// separated by thin grey lines, with the title above. Images are enlarged
// by an integer factor (nearest neighbour, up to 8) so that the grid is
// about 900 pixels wide.
func ImageGrid(path string, images [][]float64, w, h, cols int, title string) error {
	return render(path, func() (*canvas, error) {
		if cols <= 0 {
			return nil, fmt.Errorf("cols = %d, want > 0", cols)
		}
		if err := checkImages("images", images, w, h); err != nil {
			return nil, err
		}
		g, W, H := imageGridLayout(len(images), w, h, cols, title)
		c, err := newCanvas(W, H)
		if err != nil {
			return nil, err
		}
		// Separator lines: paint the whole grid area grey, then the images.
		c.fill(image.Rect(g.x0-gridSep, g.y0-gridSep, g.x0-gridSep+g.cols*g.dx+gridSep,
			g.y0-gridSep+g.rows*g.dy+gridSep), sepGrey)
		for i, im := range images {
			r := g.rect(i)
			c.blit(r, scaleNearest(grayImage(im, w, h, identity), r.Dx(), r.Dy()))
		}
		if title != "" {
			c.text(float64(W)/2, gridTitleH/2, title, textStyle(14, text.XCenter, text.YCenter))
		}
		return c, nil
	})
}

// gaussLayout computes the layout used by Gaussianisation.
func gaussLayout(rows, cols, w, h int) (gridLayout, int, int) {
	k := pixelScale(cols, w, (cols-1)*gaussColGap+2*gridMargin)
	k = min(k, 6)
	g := gridLayout{
		x0: gridMargin, y0: gaussLabelH, k: k, w: w, h: h,
		cols: cols, rows: rows, dx: k*w + gaussColGap, dy: k*h + gaussRowGap,
	}
	W := 2*gridMargin + cols*g.dx - gaussColGap
	H := gaussLabelH + rows*g.dy - gaussRowGap + gridMargin
	return g, W, H
}

// Gaussianisation writes a figure like the paper's Figure 3b to path: each
// row is one test image's trajectory under the flow, shown at the times
// in times (column labels "t = …"), from data (left) to latent (right).
// rows[i][j] is the image of row i at times[j], w×h row-major real values.
//
// Display map: every value x is shown with intensity sigmoid(x) =
// 1/(1+e^−x) (0 black, 1 white). For data in logit space (the paper's
// preprocessing of dequantised pixels) this recovers the pixel intensity at
// t = 0, and latent N(0,1) values appear as mid-grey noise. The map is
// fixed, not per-image, so that columns are comparable. NaN is an error.
func Gaussianisation(path string, rows [][][]float64, w, h int, times []float64) error {
	return render(path, func() (*canvas, error) {
		if len(rows) == 0 {
			return nil, fmt.Errorf("gaussianisation: no rows")
		}
		if len(times) == 0 {
			return nil, fmt.Errorf("gaussianisation: no times")
		}
		if err := checkFinite("times", times); err != nil {
			return nil, err
		}
		for i, r := range rows {
			if len(r) != len(times) {
				return nil, fmt.Errorf("rows[%d] has %d images, want len(times)=%d", i, len(r), len(times))
			}
			if err := checkImages(fmt.Sprintf("rows[%d]", i), r, w, h); err != nil {
				return nil, err
			}
		}
		g, W, H := gaussLayout(len(rows), len(times), w, h)
		c, err := newCanvas(W, H)
		if err != nil {
			return nil, err
		}
		for i, r := range rows {
			for j, im := range r {
				rc := g.rect(i*len(times) + j)
				c.blit(rc, scaleNearest(grayImage(im, w, h, sigmoid), rc.Dx(), rc.Dy()))
			}
		}
		for j, t := range times {
			cx := float64(g.x0+j*g.dx) + float64(g.k*w)/2
			num := strconv.FormatFloat(t, 'g', 4, 64)
			lbl, avail := "t = "+num, px(float64(g.dx-4))
			sty := textStyle(12, text.XCenter, text.YCenter)
			if sty.Width(lbl) > avail {
				lbl = num
			}
			for size := 11.0; size > 6 && sty.Width(lbl) > avail; size-- {
				sty = textStyle(size, text.XCenter, text.YCenter)
			}
			c.text(cx, gaussLabelH/2, lbl, sty)
		}
		return c, nil
	})
}
