package main

import (
	"archive/zip"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/floats/scalar"

	"github.com/mafc-dev/mafc/cli"
	"github.com/mafc-dev/mafc/data/npy"
	"github.com/mafc-dev/mafc/generated/ising8"
	"github.com/mafc-dev/mafc/generated/narrow"
	mafcrt "github.com/mafc-dev/mafc/runtime"
	"github.com/mafc-dev/mafc/train/ckpt"
)

// readmePython returns the numpy snippet of the README's "Hand-off to
// Python" section, so that the README cannot drift from what is tested.
func readmePython(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("../../README.md")
	require.NoError(t, err)
	s := string(b)
	i := strings.Index(s, "## Hand-off to Python")
	require.GreaterOrEqual(t, i, 0, "README.md has no \"Hand-off to Python\" section")
	s = s[i:]
	start := strings.Index(s, "```python\n")
	require.GreaterOrEqual(t, start, 0, "the section has no python block")
	s = s[start+len("```python\n"):]
	end := strings.Index(s, "```")
	require.GreaterOrEqual(t, end, 0)
	return s[:end]
}

// perturbedCheckpoint writes a checkpoint of pot with θ moved off its
// initial values (so that biases and every weight matter).
func perturbedCheckpoint(t *testing.T, pot mafcrt.Potential, path string) {
	t.Helper()
	rng := rand.New(rand.NewPCG(9, 9))
	for i := range pot.Params() {
		pot.Params()[i] += 0.05 * rng.NormFloat64()
	}
	pot.Sync()
	p := pot.Program()
	require.NoError(t, ckpt.Save(path, &ckpt.State{Model: p.Name, Hash: p.Hash(), Step: 3, Params: pot.Params()}))
}

// TestExportPython exports two bundled models (the paper's one-hidden-layer
// form, and a three-layer MLP with biases and three activations), runs the
// README's numpy snippet with Debian's python3 on a few points and checks
// φ against the generated kernels to 1e-12.
func TestExportPython(t *testing.T) {
	const py = "/usr/bin/python3"
	if err := exec.Command(py, "-c", "import numpy").Run(); err != nil {
		t.Skipf("SKIP: %s cannot import numpy (%v): apt-get install python3-numpy (.ci/run installs it) to check the README's Python snippet", py, err)
	}
	snippet := readmePython(t)
	for _, c := range []struct {
		spec string
		pot  mafcrt.Potential
	}{
		{"../../testdata/ising8.maf", ising8.New()},
		{"../../testdata/narrow.maf", narrow.New()},
	} {
		t.Run(c.pot.Name(), func(t *testing.T) {
			dir := t.TempDir()
			ck := filepath.Join(dir, "m.ckpt")
			perturbedCheckpoint(t, c.pot, ck)
			code, stdout, stderr := mafc(t, "export", c.spec, "-ckpt", ck, "-o", filepath.Join(dir, "model.npz"))
			require.Equal(t, 0, code, stderr)
			require.Contains(t, stdout, "model.npz: "+c.pot.Name()+" at step 3")

			const B = 5
			D := c.pot.Dim()
			rng := rand.New(rand.NewPCG(1, 2))
			x := make([]float64, B*D)
			for i := range x {
				x[i] = rng.NormFloat64()
			}
			require.NoError(t, npy.WriteFile(filepath.Join(dir, "x.npy"), x, B, D))
			script := snippet + "\nnp.save('phi.npy', phi(np.load('x.npy')))\nprint(json.loads(bytes(z['flow.json']))['steps'], bytes(z['spec.maf']).decode().splitlines()[-1])\n"
			cmd := exec.Command(py, "-c", script)
			cmd.Dir = dir
			out, err := cmd.CombinedOutput()
			require.NoError(t, err, "the README's snippet: %s", out)
			src, err := os.ReadFile(c.spec)
			require.NoError(t, err)
			lines := strings.Split(strings.TrimSpace(string(src)), "\n")
			assert.Equal(t, strings.Join([]string{strconv.Itoa(c.pot.Program().Flow.Steps), lines[len(lines)-1]}, " ")+"\n", string(out), "flow.json steps and spec.maf from Python")

			got, shape, err := npy.ReadFile(filepath.Join(dir, "phi.npy"))
			require.NoError(t, err)
			require.Equal(t, []int{B}, shape)
			want := make([]float64, B)
			c.pot.Phi(c.pot.NewWorkspace(B), want, x)
			for b := range want {
				// 1e-12: numpy and the generated kernels sum the same
				// terms in other orders (rounding of order 1e-15).
				assert.True(t, scalar.EqualWithinAbsOrRel(got[b], want[b], 1e-12, 1e-12), "φ(x_%d): numpy %v, mafc %v", b, got[b], want[b])
			}
		})
	}
}

func TestExportArchive(t *testing.T) {
	dir := t.TempDir()
	ck := filepath.Join(dir, "m.ckpt")
	perturbedCheckpoint(t, ising8.New(), ck)
	out := filepath.Join(dir, "m.npz")
	p := ising8.Program()
	set, err := cli.Export(p, []byte("spec text"), ck, out)
	require.NoError(t, err)
	assert.Equal(t, int64(3), set.Step)
	assert.Equal(t, []string{"z2:construction", "translations:random", "d4:random"}, set.Symmetries)
	zr, err := zip.OpenReader(out)
	require.NoError(t, err)
	defer zr.Close()
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
	}
	assert.Equal(t, []string{"theta/h.dense.W.npy", "theta/phi.W.npy", "spec.maf.npy", "ir.json.npy", "flow.json.npy"}, names)
	f, err := zr.File[0].Open()
	require.NoError(t, err)
	w, shape, err := npy.Read(f)
	require.NoError(t, err)
	assert.Equal(t, []int{128, 64}, shape, "theta/h.dense.W shape")
	st, err := ckpt.Load(ck)
	require.NoError(t, err)
	assert.Equal(t, st.Params[:128*64], w, "theta/h.dense.W values")
}

func TestExportErrors(t *testing.T) {
	dir := t.TempDir()
	ck := filepath.Join(dir, "m.ckpt")
	perturbedCheckpoint(t, ising8.New(), ck)
	bad := filepath.Join(dir, "bad.maf")
	require.NoError(t, os.WriteFile(bad, []byte("model bad\ninput x: vector(4)\npotential {\n  phi = relu(x)\n}\n"), 0o644))
	ising := "../../testdata/ising8.maf"
	cases := []failCase{
		{"no -ckpt", []string{"export", ising}, 2, "-ckpt is required"},
		{"-o", []string{"export", ising, "-ckpt", ck, "-o", filepath.Join(dir, "m.zip")}, 2, `want a .npz file`},
		{"extra argument", []string{"export", ising, "-ckpt", ck, "stray"}, 2, `unexpected arguments ["stray"]`},
		{"other model", []string{"export", "../../testdata/ising16.maf", "-ckpt", ck, "-o", filepath.Join(dir, "x.npz")}, 1, `is for model "ising8"`},
		{"no checkpoint", []string{"export", ising, "-ckpt", dir, "-o", filepath.Join(dir, "x.npz")}, 1, "no checkpoint in this directory"},
		{"missing checkpoint", []string{"export", ising, "-ckpt", filepath.Join(dir, "none.ckpt"), "-o", filepath.Join(dir, "x.npz")}, 1, "none.ckpt: no such file"},
		{"bad spec", []string{"export", bad, "-ckpt", ck, "-o", filepath.Join(dir, "x.npz")}, 1, bad + ":4:"},
	}
	runFailCases(t, cases)
	assert.NoFileExists(t, filepath.Join(dir, "x.npz"), "nothing written on error")
}

// TestExportSet: a run trained with -set train.precision=float32 (other
// kernels, so another hash) exports with the same -set flags; without them
// the error names the flags to give.
func TestExportSet(t *testing.T) {
	dir := t.TempDir()
	code, _, stderr := mafc(t, "train", "-set", "train.precision=float32", "-o", dir, "-steps", "1", "-batch", "4", "-eval-samples", "4", "-progress", "lines")
	require.Equal(t, 0, code, stderr)
	out := filepath.Join(t.TempDir(), "m.npz")
	code, _, stderr = mafc(t, "export", "-ckpt", dir, "-o", out)
	require.Equal(t, 1, code)
	require.Contains(t, stderr, `the checkpoint's run changed the spec with -set "train.precision=float32": give the same spec the same -set flags`)
	require.NoFileExists(t, out)
	code, stdout, stderr := mafc(t, "export", "-set", "train.precision=float32", "-ckpt", dir, "-o", out)
	require.Equal(t, 0, code, stderr)
	require.Contains(t, stdout, "wrote "+out)
	code, _, stderr = mafc(t, "export", "-set", "nosuch.setting=1", "-ckpt", dir, "-o", out)
	require.Equal(t, 1, code)
	require.Contains(t, stderr, "nosuch")
}

// TestExportDefaultSpec: without a spec, export uses the built-in default
// like the other model commands, with its flags intact.
func TestExportDefaultSpec(t *testing.T) {
	dir := t.TempDir()
	code, _, stderr := mafc(t, "train", "-o", dir, "-steps", "1", "-batch", "4", "-eval-samples", "4", "-progress", "lines")
	require.Equal(t, 0, code, stderr)
	out := filepath.Join(t.TempDir(), "m.npz")
	code, stdout, stderr := mafc(t, "export", "-ckpt", dir, "-o", out)
	require.Equal(t, 0, code, stderr)
	require.Contains(t, stdout, "exporting the built-in default")
	require.FileExists(t, out)
}
