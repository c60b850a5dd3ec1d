package figures

import (
	"flag"
	"image"
	"image/color"
	"image/png"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var figDir = flag.String("figdir", "", "if set, write sample figures of every kind to this directory")

// decode reads a PNG and returns it.
func decode(t *testing.T, path string) image.Image {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return img
}

// distinctColours counts the distinct colours of img.
func distinctColours(img image.Image) int {
	seen := map[color.RGBA64]bool{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bb, a := img.At(x, y).RGBA()
			seen[color.RGBA64{uint16(r), uint16(g), uint16(bb), uint16(a)}] = true
		}
	}
	return len(seen)
}

// checkPNG decodes path, checks its size and that it is not blank, and
// returns the image.
func checkPNG(t *testing.T, path string, w, h, minColours int) image.Image {
	t.Helper()
	img := decode(t, path)
	b := img.Bounds()
	if w > 0 && (b.Dx() != w || b.Dy() != h) {
		t.Errorf("%s: size %dx%d, want %dx%d", path, b.Dx(), b.Dy(), w, h)
	}
	if n := distinctColours(img); n < minColours {
		t.Errorf("%s: %d distinct colours, want >= %d (blank?)", path, n, minColours)
	}
	return img
}

func gray(img image.Image, x, y int) uint8 {
	return color.GrayModel.Convert(img.At(x, y)).(color.Gray).Y
}

// ---------------------------------------------------------------------------
// synthetic data

func sampleIsing(rng *rand.Rand, L int) IsingData {
	exact := -2.1157
	var steps, loss, se []float64
	for s := 0; s <= 2000; s += 10 {
		x := float64(s)
		l := exact + 1.5*math.Exp(-x/150) + 0.01*math.Exp(-x/1000) + 0.002*rng.NormFloat64()
		steps, loss, se = append(steps, x), append(loss, l), append(se, 0.004+0.02*math.Exp(-x/300))
	}
	d := IsingData{
		Title: "2D Ising model at criticality, L = 16", Steps: steps, Loss: loss, StdErr: se,
		Exact: exact, Reference: exact + 0.006, RefLabel: "paper (step 2000)",
	}
	for _, step := range []int{0, 100, 500, 1000, 2000} {
		// Correlation grows with training: blocky patterns of size ~step.
		blk := 1 + step/250
		t := SpinTiles{Step: step, L1: L, L2: L}
		for k := 0; k < 3; k++ {
			s := make([]int8, L*L)
			for i := 0; i < L; i++ {
				for j := 0; j < L; j++ {
					h := math.Sin(float64(i/blk)*1.7+float64(k)) * math.Cos(float64(j/blk)*2.3-float64(k))
					if h+0.3*rng.NormFloat64() > 0 {
						s[i*L+j] = 1
					} else {
						s[i*L+j] = -1
					}
				}
			}
			t.Spins = append(t.Spins, s)
		}
		d.Tiles = append(d.Tiles, t)
	}
	return d
}

func sampleNLL(rng *rand.Rand) NLLData {
	var ep, test, train []float64
	for e := 0.0; e <= 60; e += 0.5 {
		v := 1265 + 900*math.Exp(-e/1.5) + 120*math.Exp(-e/15)
		ep, test, train = append(ep, e), append(test, v+2*rng.NormFloat64()), append(train, v-8+4*rng.NormFloat64())
	}
	return NLLData{
		Title:     "MNIST density estimation (test NLL)",
		Test:      Series{Name: "mafc test", X: ep, Y: test},
		Train:     Series{Name: "mafc train", X: ep, Y: train, Dashed: true},
		Baselines: map[string]float64{"MADE": 1380.8, "Real NVP": 1323.2, "MAF": 1300.5},
		Paper:     Series{Name: "paper (MA flow)", X: []float64{0, 10, 100, 548}, Y: []float64{1447.7, 1370.6, 1273.2, 1255.6}},
	}
}

// digit draws a crude "0"-like ring into a 28x28 image.
func digit(rng *rand.Rand) []float64 {
	im := make([]float64, 28*28)
	r := 6 + 3*rng.Float64()
	cx, cy := 14+2*rng.NormFloat64(), 14+2*rng.NormFloat64()
	for y := 0; y < 28; y++ {
		for x := 0; x < 28; x++ {
			d := math.Hypot((float64(x)-cx)*1.3, float64(y)-cy) - r
			im[y*28+x] = math.Exp(-d * d / 3)
		}
	}
	return im
}

func sampleGauss(rng *rand.Rand) ([][][]float64, []float64) {
	times := []float64{0, 0.25, 0.5, 0.75, 1}
	var rows [][][]float64
	for i := 0; i < 4; i++ {
		d := digit(rng)
		var row [][]float64
		for _, t := range times {
			im := make([]float64, len(d))
			for k, v := range d {
				v = math.Min(math.Max(v, 0.02), 0.98)
				logit := math.Log(v / (1 - v))
				im[k] = (1-t)*logit + t*rng.NormFloat64()
			}
			row = append(row, im)
		}
		rows = append(rows, row)
	}
	return rows, times
}

// ---------------------------------------------------------------------------
// tests

func TestIsingFigure(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	d := sampleIsing(rng, 16)
	p := filepath.Join(t.TempDir(), "ising.png")
	if err := IsingFigure(p, d); err != nil {
		t.Fatal(err)
	}
	lay, err := layoutTiles(d.Tiles, isingWidth-2*isingMargin, isingMaxTilesH)
	if err != nil {
		t.Fatal(err)
	}
	img := checkPNG(t, p, isingWidth, isingPlotHeight+lay.height, 50)
	// Every tile is square, an exact multiple of the lattice, and reproduces
	// the spins: +1 black, -1 white.
	for g, tl := range d.Tiles {
		for j, s := range tl.Spins {
			r := lay.tileRect(g, j, tl.L1, tl.L2, isingPlotHeight)
			if r.Dx() != r.Dy() || r.Dx()%tl.L2 != 0 {
				t.Fatalf("tile %d/%d: rect %v not square multiple of %d", g, j, r, tl.L2)
			}
			k := r.Dx() / tl.L2
			for i := 0; i < tl.L1; i++ {
				for jj := 0; jj < tl.L2; jj++ {
					want := uint8(255)
					if s[i*tl.L2+jj] == 1 {
						want = 0
					}
					if got := gray(img, r.Min.X+jj*k+k/2, r.Min.Y+i*k+k/2); got != want {
						t.Fatalf("tile %d/%d site (%d,%d): gray %d, want %d", g, j, i, jj, got, want)
					}
				}
			}
		}
	}
	// Without tiles, without band, without reference.
	d2 := IsingData{Steps: d.Steps, Loss: d.Loss, Exact: d.Exact}
	p2 := filepath.Join(t.TempDir(), "ising2.png")
	if err := IsingFigure(p2, d2); err != nil {
		t.Fatal(err)
	}
	checkPNG(t, p2, isingWidth, isingPlotHeight, 20)
}

// TestIsingAnnealMarker: an anneal's end is drawn as a vertical line in
// the loss panel at its step.
func TestIsingAnnealMarker(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	d := sampleIsing(rng, 16)
	d.Tiles = nil
	dir := t.TempDir()
	plain, marked := filepath.Join(dir, "plain.png"), filepath.Join(dir, "marked.png")
	if err := IsingFigure(plain, d); err != nil {
		t.Fatal(err)
	}
	d.AnnealEnd = d.Steps[len(d.Steps)/2]
	if err := IsingFigure(marked, d); err != nil {
		t.Fatal(err)
	}
	a, b := checkPNG(t, plain, isingWidth, isingPlotHeight, 20), checkPNG(t, marked, isingWidth, isingPlotHeight, 20)
	// The line runs from the panel's bottom to its top: the middle third
	// of the panel's height differs in some column.
	differs := 0
	for x := 0; x < isingWidth; x++ {
		col := 0
		for y := isingPlotHeight / 3; y < 2*isingPlotHeight/3; y++ {
			if gray(a, x, y) != gray(b, x, y) {
				col++
			}
		}
		differs = max(differs, col)
	}
	if differs < isingPlotHeight/6 {
		t.Errorf("no vertical anneal marker: at most %d pixels of a column differ in the panel's middle third", differs)
	}
}

func TestIsingYRange(t *testing.T) {
	d := IsingData{Exact: -2}
	for i := 0; i < 100; i++ {
		d.Steps = append(d.Steps, float64(i))
		d.Loss = append(d.Loss, -1.9-0.0005*float64(i))
	}
	d.Loss[0], d.Loss[1] = 100, 50 // initial transient
	lo, hi := isingYRange(d)
	// The losses run from -1.9 to -1.9495 above the optimum -2: the panel
	// starts 5% of its span below the optimum, not 5% of |optimum|.
	if want := -2 - 0.05*(hi-lo)/1.1; math.Abs(lo-want) > 1e-12 || lo < -2.01 {
		t.Errorf("lo = %v, want %v: 5%% of the panel below the optimum", lo, want)
	}
	if hi > 10 {
		t.Errorf("hi = %v: initial transient not clipped", hi)
	}
	// Constant data at exact = 0 must still give a non-empty range.
	lo, hi = isingYRange(IsingData{Steps: []float64{0}, Loss: []float64{0}})
	if !(hi > lo) {
		t.Errorf("empty range [%v, %v]", lo, hi)
	}
}

func TestIsingErrors(t *testing.T) {
	dir := t.TempDir()
	ok := IsingData{Steps: []float64{0, 1}, Loss: []float64{1, 0.5}, Exact: 0.4}
	tile := SpinTiles{Step: 1, L1: 2, L2: 2, Spins: [][]int8{{1, -1, 1, -1}}}
	cases := map[string]func(d *IsingData){
		"empty":        func(d *IsingData) { d.Steps, d.Loss = nil, nil },
		"mismatch":     func(d *IsingData) { d.Steps = []float64{0} },
		"stderr len":   func(d *IsingData) { d.StdErr = []float64{1} },
		"stderr neg":   func(d *IsingData) { d.StdErr = []float64{1, -1} },
		"nan loss":     func(d *IsingData) { d.Loss = []float64{math.NaN(), 1} },
		"inf exact":    func(d *IsingData) { d.Exact = math.Inf(1) },
		"anneal nan":   func(d *IsingData) { d.AnnealEnd = math.NaN() },
		"anneal neg":   func(d *IsingData) { d.AnnealEnd = -1 },
		"tile size":    func(d *IsingData) { tl := tile; tl.Spins = [][]int8{{1, 1, 1}}; d.Tiles = []SpinTiles{tl} },
		"tile zero L":  func(d *IsingData) { tl := tile; tl.L1 = 0; d.Tiles = []SpinTiles{tl} },
		"tile no spin": func(d *IsingData) { tl := tile; tl.Spins = nil; d.Tiles = []SpinTiles{tl} },
		"tile value":   func(d *IsingData) { tl := tile; tl.Spins = [][]int8{{1, 0, 1, 1}}; d.Tiles = []SpinTiles{tl} },
		"too many tiles": func(d *IsingData) {
			for i := 0; i < 400; i++ {
				d.Tiles = append(d.Tiles, tile)
			}
		},
	}
	for name, mod := range cases {
		d := ok
		d.Tiles = []SpinTiles{tile}
		mod(&d)
		p := filepath.Join(dir, "x.png")
		err := IsingFigure(p, d)
		if err == nil {
			t.Errorf("%s: no error", name)
		} else if !strings.Contains(err.Error(), p) {
			t.Errorf("%s: error %q does not name the file", name, err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "x.png")); !os.IsNotExist(err) {
		t.Errorf("file written despite errors")
	}
	d := ok
	d.Tiles = []SpinTiles{tile}
	if err := IsingFigure(filepath.Join(dir, "x.png"), d); err != nil {
		t.Errorf("valid data: %v", err)
	}
}

func TestNLLCurves(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	d := sampleNLL(rng)
	p := filepath.Join(t.TempDir(), "nll.png")
	if err := NLLCurves(p, d); err != nil {
		t.Fatal(err)
	}
	checkPNG(t, p, nllWidth, nllHeight, 50)
	// Test curve only.
	p2 := filepath.Join(t.TempDir(), "nll2.png")
	if err := NLLCurves(p2, NLLData{Test: Series{X: []float64{1}, Y: []float64{1300}}}); err != nil {
		t.Fatal(err)
	}
	checkPNG(t, p2, nllWidth, nllHeight, 10)
	// A short run from an untrained model: log scale, the run's own epochs,
	// the paper's last point as a line.
	short := NLLData{
		Test:      Series{X: []float64{0.002, 0.1, 0.2, 0.3}, Y: []float64{15059.8, 4206.1, 2926.4, 1989.1}},
		Baselines: map[string]float64{"MAF": 1300.5},
		Paper:     Series{X: []float64{0, 10, 100, 548}, Y: []float64{1447.7, 1370.6, 1273.2, 1255.6}},
	}
	p3 := filepath.Join(t.TempDir(), "nll3.png")
	if err := NLLCurves(p3, short); err != nil {
		t.Fatal(err)
	}
	checkPNG(t, p3, nllWidth, nllHeight, 10)
	// Negative NLLs (a continuous density) stay on a linear axis.
	neg := NLLData{Test: Series{X: []float64{0, 1, 2}, Y: []float64{3, -1, -2}}}
	if err := NLLCurves(filepath.Join(t.TempDir(), "nll4.png"), neg); err != nil {
		t.Fatal(err)
	}

	bad := []NLLData{
		{},
		{Test: Series{X: []float64{1, 2}, Y: []float64{1}}},
		{Test: Series{X: []float64{1}, Y: []float64{math.NaN()}}},
		{Test: d.Test, Train: Series{X: []float64{1}}},
		{Test: d.Test, Paper: Series{X: []float64{1, 2}, Y: []float64{3}}},
		{Test: d.Test, Baselines: map[string]float64{"x": math.Inf(-1)}},
	}
	for i, b := range bad {
		if err := NLLCurves(p, b); err == nil {
			t.Errorf("bad[%d]: no error", i)
		}
	}
}

func TestImageGrid(t *testing.T) {
	const w, h, n, cols = 28, 28, 10, 4
	imgs := make([][]float64, n)
	for i := range imgs {
		imgs[i] = make([]float64, w*h)
	}
	// One white pixel at (x=5, y=7) of image 6; out-of-range values elsewhere
	// are clamped.
	imgs[6][7*w+5] = 1
	imgs[2][0] = 7  // clamps to white
	imgs[3][0] = -3 // clamps to black
	imgs[1][w*h-1] = 0.5
	p := filepath.Join(t.TempDir(), "grid.png")
	if err := ImageGrid(p, imgs, w, h, cols, "samples"); err != nil {
		t.Fatal(err)
	}
	g, W, H := imageGridLayout(n, w, h, cols, "samples")
	img := checkPNG(t, p, W, H, 3)
	o := g.origin(6)
	k := g.k
	if got := gray(img, o.X+5*k+k/2, o.Y+7*k+k/2); got != 255 {
		t.Errorf("white pixel rendered as %d", got)
	}
	if got := gray(img, o.X+6*k+k/2, o.Y+7*k+k/2); got != 0 {
		t.Errorf("neighbour of white pixel rendered as %d", got)
	}
	if got := gray(img, g.origin(2).X, g.origin(2).Y); got != 255 {
		t.Errorf("clamped 7 rendered as %d", got)
	}
	if got := gray(img, g.origin(3).X, g.origin(3).Y); got != 0 {
		t.Errorf("clamped -3 rendered as %d", got)
	}
	o1 := g.origin(1)
	if got := gray(img, o1.X+w*k-1, o1.Y+h*k-1); got != 128 {
		t.Errorf("0.5 rendered as %d", got)
	}
	// Separator between images 0 and 1 is grey.
	if got := gray(img, g.origin(1).X-1, g.origin(1).Y+3); got != sepGrey.Y {
		t.Errorf("separator rendered as %d", got)
	}

	bad := []struct {
		imgs [][]float64
		w, h int
		cols int
	}{
		{nil, w, h, 4},
		{imgs, w, h, 0},
		{imgs, 0, h, 4},
		{[][]float64{make([]float64, 5)}, w, h, 4},
		{[][]float64{{math.NaN()}}, 1, 1, 1},
	}
	for i, b := range bad {
		if err := ImageGrid(p, b.imgs, b.w, b.h, b.cols, ""); err == nil {
			t.Errorf("bad[%d]: no error", i)
		}
	}
	huge := make([][]float64, 10)
	for i := range huge {
		huge[i] = make([]float64, 1000)
	}
	if err := ImageGrid(p, huge, 1000, 1, 10, ""); err == nil {
		t.Errorf("10000-pixel-wide grid: no error")
	}
}

func TestGaussianisation(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	rows, times := sampleGauss(rng)
	p := filepath.Join(t.TempDir(), "gauss.png")
	if err := Gaussianisation(p, rows, 28, 28, times); err != nil {
		t.Fatal(err)
	}
	g, W, H := gaussLayout(len(rows), len(times), 28, 28)
	img := checkPNG(t, p, W, H, 50)
	// Display map is the sigmoid: value 0 -> 128 (rounded), large -> white.
	rows[0][0][0], rows[0][0][1] = 0, 50
	if err := Gaussianisation(p, rows, 28, 28, times); err != nil {
		t.Fatal(err)
	}
	img = decode(t, p)
	o := g.origin(0)
	if got := gray(img, o.X, o.Y); got != 128 {
		t.Errorf("value 0 rendered as %d, want 128", got)
	}
	if got := gray(img, o.X+g.k, o.Y); got != 255 {
		t.Errorf("value 50 rendered as %d, want 255", got)
	}

	if err := Gaussianisation(p, nil, 28, 28, times); err == nil {
		t.Error("no rows: no error")
	}
	if err := Gaussianisation(p, rows, 28, 28, nil); err == nil {
		t.Error("no times: no error")
	}
	if err := Gaussianisation(p, rows, 28, 28, times[:3]); err == nil {
		t.Error("times/row mismatch: no error")
	}
	if err := Gaussianisation(p, rows, 27, 28, times); err == nil {
		t.Error("wrong image size: no error")
	}
	if err := Gaussianisation(p, rows, 28, 28, []float64{0, 1, math.NaN(), 2, 3}); err == nil {
		t.Error("NaN time: no error")
	}
}

func TestCurveAndBars(t *testing.T) {
	dir := t.TempDir()
	var x, y1, y2 []float64
	for i := 0; i < 50; i++ {
		x = append(x, float64(i))
		y1 = append(y1, math.Sin(float64(i)/5))
		y2 = append(y2, math.Cos(float64(i)/5))
	}
	p := filepath.Join(dir, "curve.png")
	if err := Curve(p, "title", "x", "y", []Series{{Name: "sin", X: x, Y: y1}, {Name: "cos", X: x, Y: y2, Dashed: true}}); err != nil {
		t.Fatal(err)
	}
	checkPNG(t, p, curveWidth, curveHeight, 30)
	if err := Curve(p, "", "", "", []Series{{X: []float64{1}, Y: []float64{1}}}); err != nil {
		t.Fatalf("single point: %v", err)
	}
	checkPNG(t, p, curveWidth, curveHeight, 5)
	for i, s := range [][]Series{nil, {{X: x, Y: y1[:3]}}, {{}}, {{X: []float64{math.Inf(1)}, Y: []float64{1}}}} {
		if err := Curve(p, "", "", "", s); err == nil {
			t.Errorf("bad curve %d: no error", i)
		}
	}

	groups := []string{"gemm 256", "flow fwd", "flow bwd", "sampling"}
	series := []BarSeries{{Name: "mafc", Values: []float64{1.2, 30, 75, 4}}, {Name: "PyTorch", Values: []float64{2.5, 41, math.NaN(), 3.1}}}
	pb := filepath.Join(dir, "bars.png")
	if err := Bars(pb, "timings", "ms", groups, series); err != nil {
		t.Fatal(err)
	}
	checkPNG(t, pb, curveWidth, curveHeight, 30)
	if err := Bars(pb, "timings", "ms", groups, series, LogY()); err != nil {
		t.Fatal(err)
	}
	checkPNG(t, pb, curveWidth, curveHeight, 30)
	neg := []BarSeries{{Name: "a", Values: []float64{-1, 2, 3, 0}}}
	if err := Bars(pb, "", "", groups, neg); err != nil {
		t.Fatalf("negative values (linear): %v", err)
	}
	badBars := []struct {
		g    []string
		s    []BarSeries
		opts []BarOption
	}{
		{nil, series, nil},
		{groups, nil, nil},
		{groups, []BarSeries{{Values: []float64{1}}}, nil},
		{groups, neg, []BarOption{LogY()}},
		{groups, []BarSeries{{Values: []float64{1, 2, math.Inf(1), 3}}}, nil},
		{groups, []BarSeries{{Values: []float64{math.NaN(), math.NaN(), math.NaN(), math.NaN()}}}, nil},
	}
	for i, b := range badBars {
		if err := Bars(pb, "", "", b.g, b.s, b.opts...); err == nil {
			t.Errorf("bad bars %d: no error", i)
		}
	}
}

func TestLogTicks(t *testing.T) {
	ticks := logTicks(0.7, 130)
	var labels []string
	for _, tk := range ticks {
		if tk.Label != "" {
			labels = append(labels, tk.Label)
		}
	}
	if got := strings.Join(labels, ","); got != "1,10,100" {
		t.Errorf("labels %s", got)
	}
	ticks = logTicks(1.1, 1.9)
	if len(ticks) != 0 {
		t.Errorf("ticks %v", ticks)
	}
	if n := len(logTicks(1, 4)); n != 4 {
		t.Errorf("%d ticks in [1,4]", n)
	}
}

func TestUnwritablePath(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "no", "such", "dir", "f.png")
	errs := []error{
		IsingFigure(bad, IsingData{Steps: []float64{0}, Loss: []float64{1}}),
		NLLCurves(bad, NLLData{Test: Series{X: []float64{0}, Y: []float64{1}}}),
		ImageGrid(bad, [][]float64{{1}}, 1, 1, 1, ""),
		Gaussianisation(bad, [][][]float64{{{1}}}, 1, 1, []float64{0}),
		Curve(bad, "", "", "", []Series{{X: []float64{0}, Y: []float64{1}}}),
		Bars(bad, "", "", []string{"a"}, []BarSeries{{Values: []float64{1}}}),
		ImageGrid("", [][]float64{{1}}, 1, 1, 1, ""),
		ImageGrid(dir, [][]float64{{1}}, 1, 1, 1, ""), // a directory
	}
	for i, err := range errs {
		if err == nil {
			t.Errorf("case %d: no error", i)
		} else if i < 6 && !strings.Contains(err.Error(), bad) {
			t.Errorf("case %d: error %q does not name the file", i, err)
		}
	}
	// No temporary files are left behind after a failed rename.
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if strings.Contains(e.Name(), ".tmp-") {
			t.Errorf("temporary file %s left behind", e.Name())
		}
	}
}

// TestSampleFigures writes one sample figure of each kind to -figdir.
func TestSampleFigures(t *testing.T) {
	if *figDir == "" {
		t.Skip("set -figdir DIR to write sample figures")
	}
	if err := os.MkdirAll(*figDir, 0o755); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(7, 8))
	out := func(name string) string { return filepath.Join(*figDir, name) }
	check := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	check(IsingFigure(out("ising.png"), sampleIsing(rng, 16)))
	// Many checkpoints, a non-square lattice, a single-tile checkpoint.
	many := sampleIsing(rng, 16)
	many.Title, many.StdErr, many.Reference = "many checkpoints", nil, 0
	many.Tiles = nil
	for step := 0; step <= 9000; step += 1000 {
		tl := SpinTiles{Step: step, L1: 8, L2: 16}
		for k := 0; k < 4; k++ {
			sp := make([]int8, 8*16)
			for i := range sp {
				sp[i] = int8(1 - 2*rng.IntN(2))
			}
			tl.Spins = append(tl.Spins, sp)
		}
		many.Tiles = append(many.Tiles, tl)
	}
	check(IsingFigure(out("ising_many.png"), many))
	one := sampleIsing(rng, 32)
	one.Tiles = []SpinTiles{{Step: 2000, L1: 32, L2: 32, Spins: [][]int8{make([]int8, 32*32)}}}
	for i := range one.Tiles[0].Spins[0] {
		one.Tiles[0].Spins[0][i] = int8(1 - 2*((i/32/8+i%32/8)%2))
	}
	check(IsingFigure(out("ising_one.png"), one))
	check(NLLCurves(out("nll.png"), sampleNLL(rng)))
	var digits [][]float64
	for i := 0; i < 40; i++ {
		digits = append(digits, digit(rng))
	}
	check(ImageGrid(out("grid.png"), digits, 28, 28, 10, "MA flow samples (synthetic)"))
	rows, times := sampleGauss(rng)
	check(Gaussianisation(out("gauss.png"), rows, 28, 28, times))
	var x, y1, y2 []float64
	for i := 1; i <= 60; i++ {
		x = append(x, float64(i))
		y1 = append(y1, 1/math.Sqrt(float64(i)))
		y2 = append(y2, 1.5/math.Sqrt(float64(i)))
	}
	check(Curve(out("curve.png"), "Throughput", "batch", "time per sample (ms)",
		[]Series{{Name: "mafc", X: x, Y: y1}, {Name: "PyTorch", X: x, Y: y2, Dashed: true}}))
	groups := []string{"gemm 256", "MA flow fwd (MNIST)", "MA flow bwd (MNIST)", "Ising sampling", "potential grad"}
	series := []BarSeries{
		{Name: "mafc", Values: []float64{0.8, 31, 74, 5.5, 0.12}},
		{Name: "PyTorch", Values: []float64{1.1, 40, 92, math.NaN(), 0.3}},
	}
	check(Bars(out("bars.png"), "Benchmark timings", "time (ms)", groups, series))
	check(Bars(out("bars_log.png"), "Benchmark timings (log)", "time (ms)", groups, series, LogY()))
}

// TestDegenerate checks that valid but degenerate inputs render.
func TestDegenerate(t *testing.T) {
	p := filepath.Join(t.TempDir(), "d.png")
	ok := func(name string, err error) {
		t.Helper()
		if err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	ok("ising const zero", IsingFigure(p, IsingData{Steps: []float64{5, 5}, Loss: []float64{0, 0}, StdErr: []float64{0, 0}}))
	ok("ising one point", IsingFigure(p, IsingData{Steps: []float64{1}, Loss: []float64{-3}, Exact: -3.1, Reference: -3.05}))
	big := IsingData{Steps: []float64{1}, Loss: []float64{-3}}
	for i := 0; i < 20; i++ { // tiles smaller than the lattice: downsampled
		big.Tiles = append(big.Tiles, SpinTiles{Step: i, L1: 256, L2: 256, Spins: [][]int8{ones(65536), ones(65536)}})
	}
	big.Tiles = append(big.Tiles, SpinTiles{L1: 4, L2: 16, Spins: [][]int8{ones(64)}})
	ok("ising big lattice", IsingFigure(p, big))
	ok("curve vertical", Curve(p, "", "", "", []Series{{X: []float64{1, 1, 1}, Y: []float64{1, 2, 3}}}))
	ok("curve tiny range", Curve(p, "", "", "", []Series{{X: []float64{0, 1e-300}, Y: []float64{1e-300, 2e-300}}}))
	ok("curve huge", Curve(p, "", "", "", []Series{{X: []float64{0, 1e300}, Y: []float64{-1e300, 1e300}}}))
	ok("nll flat", NLLCurves(p, NLLData{Test: Series{X: []float64{0, 1}, Y: []float64{5, 5}}, Baselines: map[string]float64{"a": 5}}))
	ok("bars equal log", Bars(p, "", "", []string{"a"}, []BarSeries{{Values: []float64{3}}}, LogY()))
	ok("bars zero", Bars(p, "", "", []string{"a", "b"}, []BarSeries{{Values: []float64{0, 0}}}))
	ok("grid 1x1", ImageGrid(p, [][]float64{{0.3}}, 1, 1, 5, "one"))
	ok("gauss 1x1", Gaussianisation(p, [][][]float64{{{math.Inf(1)}}}, 1, 1, []float64{0}))
}

func ones(n int) []int8 {
	s := make([]int8, n)
	for i := range s {
		s[i] = 1
	}
	return s
}

// TestIsingClippedStart checks that the points of the loss curve above the
// panel (the start of training) are marked on its top edge, and that a
// curve inside the panel marks none.
func TestIsingClippedStart(t *testing.T) {
	d := sampleIsing(rand.New(rand.NewPCG(1, 1)), 8)
	_, hi := isingYRange(d)
	clip := clippedPoints(d, hi)
	if len(clip) == 0 || clip[0].X != d.Steps[0] || clip[0].Y != hi {
		t.Fatalf("clippedPoints(start ℓ = %v, top %v) = %v, want the first step on the top edge", d.Loss[0], hi, clip)
	}
	for i := range d.Loss {
		d.Loss[i] = d.Exact + 0.01
	}
	_, hi = isingYRange(d)
	if clip := clippedPoints(d, hi); len(clip) != 0 {
		t.Errorf("clippedPoints(flat curve) = %v, want none", clip)
	}
	path := filepath.Join(t.TempDir(), "ising.png")
	if err := IsingFigure(path, sampleIsing(rand.New(rand.NewPCG(1, 1)), 8)); err != nil {
		t.Fatal(err)
	}
}
