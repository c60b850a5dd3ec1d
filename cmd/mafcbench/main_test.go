package main

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// checkOutputs checks the files a run writes and returns its results.
func checkOutputs(t *testing.T, dir string, wantCases int) []map[string]any {
	t.Helper()
	md, err := os.ReadFile(filepath.Join(dir, "bench.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"| case | mafc | PyTorch | PyTorch/mafc |", "CPU:", "Go:", "mafc commit:", "date:"} {
		if !bytes.Contains(md, []byte(want)) {
			t.Errorf("bench.md lacks %q:\n%s", want, md)
		}
	}
	png, err := os.ReadFile(filepath.Join(dir, "bench.png"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(png, []byte("\x89PNG")) {
		t.Errorf("bench.png is not a PNG")
	}
	js, err := os.ReadFile(filepath.Join(dir, "bench.json"))
	if err != nil {
		t.Fatal(err)
	}
	var rep struct {
		Results []map[string]any `json:"results"`
	}
	if err := json.Unmarshal(js, &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Results) != wantCases {
		t.Fatalf("bench.json has %d results, want %d", len(rep.Results), wantCases)
	}
	for _, r := range rep.Results {
		if v, ok := r["mafc_s"].(float64); !ok || !(v > 0) || math.IsInf(v, 0) {
			t.Errorf("%v: mafc time %v (note %v)", r["case"], r["mafc_s"], r["mafc_note"])
		}
	}
	return rep.Results
}

// TestGoSide runs the mafc side of the harness with one round per case,
// the PyTorch column switched off.
func TestGoSide(t *testing.T) {
	dir := t.TempDir()
	var out, errb bytes.Buffer
	code := run([]string{"-torch=false", "-quiet-wait=0", "-rounds", "1", "-float32", "-cases", `^ising16(f32)?/(grad|lap-fwd|train)$|^mnist/grad$`, "-out", dir}, &out, &errb)
	if code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out.String(), errb.String())
	}
	if !strings.Contains(out.String(), "skipped: -torch=false") {
		t.Errorf("the table does not mark the PyTorch column skipped:\n%s", out.String())
	}
	for _, r := range checkOutputs(t, dir, 7) {
		if r["pytorch_s"] != nil || !strings.HasPrefix(r["pytorch_note"].(string), "skipped") {
			t.Errorf("%v: PyTorch %v %v, want skipped", r["case"], r["pytorch_s"], r["pytorch_note"])
		}
	}
}

// TestWithPyTorch runs both sides on the cheap Ising cases when Debian's
// python3-torch imports (it never installs anything).
func TestWithPyTorch(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	if ok, why := torchImports(debianPython); !ok {
		t.Skipf("torch does not import in %s (%s); install python3-torch to run this test", debianPython, why)
	}
	dir := t.TempDir()
	var out, errb bytes.Buffer
	code := run([]string{"-install=false", "-quiet-wait=0", "-rounds", "1", "-cases", `^ising16/`, "-out", dir}, &out, &errb)
	if code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out.String(), errb.String())
	}
	for _, r := range checkOutputs(t, dir, 5) {
		if v, ok := r["pytorch_s"].(float64); !ok || !(v > 0) {
			t.Errorf("%v: PyTorch time %v (note %v)", r["case"], r["pytorch_s"], r["pytorch_note"])
		}
	}
	if !strings.Contains(out.String(), "target: ising16/train") {
		t.Errorf("no target verdict in the output:\n%s", out.String())
	}
}

func TestMedianAndPlan(t *testing.T) {
	if m := median([]float64{3, 1, 2}); m != 2 {
		t.Errorf("median = %v", m)
	}
	if m := median([]float64{4, 1, 2, 3}); m != 2.5 {
		t.Errorf("median = %v", m)
	}
	if !math.IsNaN(median(nil)) {
		t.Errorf("median(nil) is not NaN")
	}
	p := newPlan(false, 0)
	if r := p.roundsFor(60); r != minSlowRounds {
		t.Errorf("rounds for 60 s calls = %d, want %d", r, minSlowRounds)
	}
	if r := p.roundsFor(1e-3); r != p.maxRounds {
		t.Errorf("rounds for 1 ms = %d, want %d", r, p.maxRounds)
	}
	if k := p.repeats(1e-3); k != 50 {
		t.Errorf("repeats of 1 ms calls = %d, want 50", k)
	}
	if _, err := filterCases(allCases(false), "nothing-matches"); err == nil {
		t.Errorf("filterCases: no error for an empty selection")
	}
	keys := map[string]bool{}
	for _, c := range allCases(true) {
		if keys[c.Key] {
			t.Errorf("duplicate case %s", c.Key)
		}
		keys[c.Key] = true
		if !strings.Contains(string(torchScript), `"`+c.Key+`"`) {
			t.Errorf("case %s is not in torchbench.py's case lists", c.Key)
		}
	}
}

// fakeTorch is a PyTorch side whose calls take est seconds (it only says so).
type fakeTorch struct {
	est   float64
	timed int
	freed bool
}

func (f *fakeTorch) setup(string) (float64, bool, error) { return f.est, false, nil }
func (f *fakeTorch) time(_ string, n, _ int) ([]float64, error) {
	f.timed++
	ts := make([]float64, n)
	for i := range ts {
		ts[i] = f.est
	}
	return ts, nil
}
func (f *fakeTorch) free(string) { f.freed = true }
func (f *fakeTorch) pid() int    { return 0 }

// TestQuickSkipsSlowPyTorch: -quick skips a PyTorch case estimated to need
// more than 2 minutes and says so; a fast one is measured.
func TestQuickSkipsSlowPyTorch(t *testing.T) {
	c, err := filterCases(allCases(false), `^ising16/grad$`)
	if err != nil {
		t.Fatal(err)
	}
	var log bytes.Buffer
	slow := &fakeTorch{est: 50}
	r := measure(c[0], 2, newPlan(true, 0), slow, "", &log)
	if !strings.HasPrefix(r.TorchNote, "skipped (est. 50 s/call") || !math.IsNaN(r.Torch) || slow.timed != 0 || !slow.freed {
		t.Errorf("slow case: note %q, time %v, timed %d, freed %v", r.TorchNote, r.Torch, slow.timed, slow.freed)
	}
	if !(r.Mafc > 0) || r.MafcRounds < 3 {
		t.Errorf("mafc side: %v s in %d rounds", r.Mafc, r.MafcRounds)
	}
	fast := &fakeTorch{est: 0.01}
	r = measure(c[0], 2, newPlan(true, 0), fast, "", &log)
	if r.TorchNote != "" || r.Torch != 0.01 || r.TorchRounds < 3 || !(r.Ratio() > 0) {
		t.Errorf("fast case: note %q, time %v in %d rounds", r.TorchNote, r.Torch, r.TorchRounds)
	}
}
