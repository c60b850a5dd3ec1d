package main

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mafc-dev/mafc/data/npy"
	"github.com/mafc-dev/mafc/dsl"
	"github.com/mafc-dev/mafc/train/ckpt"
)

func mafc(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var o, e bytes.Buffer
	code = run(args, &o, &e)
	return code, o.String(), e.String()
}

// failCase is a mafc command line that must fail with exit status code and
// a message on stderr containing want.
type failCase struct {
	name string
	args []string
	code int
	want string
}

// runFailCases runs each case as a subtest.
func runFailCases(t *testing.T, cases []failCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, _, stderr := mafc(t, c.args...)
			assert.Equal(t, c.code, code, "mafc %v: exit status (stderr %s)", c.args, stderr)
			assert.Contains(t, stderr, c.want, "mafc %v", c.args)
		})
	}
}

func TestUsage(t *testing.T) {
	code, _, stderr := mafc(t)
	require.Equal(t, 2, code)
	require.Contains(t, stderr, "Usage")
	code, _, stderr = mafc(t, "frobnicate")
	require.Equal(t, 2, code)
	require.Contains(t, stderr, `unknown command "frobnicate"`)
	code, _, _ = mafc(t, "check")
	require.Equal(t, 2, code)
	code, out, _ := mafc(t, "version")
	require.Equal(t, 0, code)
	require.Contains(t, out, "mafc")
}

func TestCheck(t *testing.T) {
	var specs []string
	for _, glob := range []string{"../../testdata/*.maf", "../../testdata/experiments/*.maf", "../../examples/*.maf"} {
		m, err := filepath.Glob(glob)
		require.NoError(t, err)
		require.NotEmpty(t, m, glob)
		specs = append(specs, m...)
	}
	code, out, stderr := mafc(t, append([]string{"check", "-v"}, specs...)...)
	require.Equal(t, 0, code, stderr)
	require.Contains(t, out, "804864 parameters")
	require.Contains(t, out, "131584 parameters")

	bad := filepath.Join(t.TempDir(), "bad.maf")
	require.NoError(t, os.WriteFile(bad, []byte("model bad\ninput x: vector(4)\npotential {\n  h = relu(dense(x, 3))\n  phi = dense(h, 1)\n}\n"), 0o644))
	code, _, stderr = mafc(t, "check", bad)
	require.Equal(t, 1, code)
	require.Contains(t, stderr, bad+":4:7: ")
	require.Contains(t, stderr, "C²")
	code, _, stderr = mafc(t, "check", filepath.Join(t.TempDir(), "missing.maf"))
	require.Equal(t, 1, code)
	require.Contains(t, stderr, "no such file")
}

func TestFmt(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.maf")
	require.NoError(t, os.WriteFile(path, []byte("model m   \ninput x:vector( 3 )\npotential{ h=tanh(dense(x,4)) ; phi=sum(h) }\n"), 0o644))
	code, out, stderr := mafc(t, "fmt", path)
	require.Equal(t, 0, code, stderr)
	require.NotEmpty(t, out)
	code, _, stderr = mafc(t, "fmt", "-w", path)
	require.Equal(t, 0, code, stderr)
	once, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Equal(t, out, string(once))
	code, _, _ = mafc(t, "fmt", "-w", path)
	require.Equal(t, 0, code)
	twice, _ := os.ReadFile(path)
	require.Equal(t, string(once), string(twice), "fmt is not idempotent")
}

func TestGen(t *testing.T) {
	dir := t.TempDir()
	code, out, stderr := mafc(t, "gen", "-o", dir, "../../testdata/ising16.maf")
	require.Equal(t, 0, code, stderr)
	require.Contains(t, out, "ising16.maf.go")
	code, _, stderr = mafc(t, "gen", "-check", "-o", dir, "../../testdata/ising16.maf")
	require.Equal(t, 0, code, stderr)
	// Writing again changes nothing.
	code, out, _ = mafc(t, "gen", "-o", dir, "../../testdata/ising16.maf")
	require.Equal(t, 0, code)
	require.Empty(t, out)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "ising16.maf.go"), []byte("package ising16\n"), 0o644))
	code, _, stderr = mafc(t, "gen", "-check", "-o", dir, "../../testdata/ising16.maf")
	require.Equal(t, 1, code)
	require.Contains(t, stderr, "stale")
	code, out, _ = mafc(t, "gen", "-dump=ir", "../../testdata/ising16.maf")
	require.Equal(t, 0, code)
	require.Contains(t, out, "params 131584")
}

func TestDefaultSpecIsIsing8(t *testing.T) {
	want, err := os.ReadFile("../../testdata/ising8.maf")
	require.NoError(t, err)
	require.Equal(t, string(want), string(defaultSpec), "cmd/mafc/default.maf must be a copy of testdata/ising8.maf")
}

func params(t *testing.T, dir string) []uint64 {
	t.Helper()
	st, err := ckpt.Load(filepath.Join(dir, ckpt.FileName))
	require.NoError(t, err)
	out := make([]uint64, len(st.Params))
	for i, v := range st.Params {
		out[i] = math.Float64bits(v)
	}
	return out
}

// TestTrainResumeSampleEval trains the default model a few steps, resumes
// a shorter run to the same length and checks the parameters agree bit for
// bit, then samples and evaluates the checkpoint.
func TestTrainResumeSampleEval(t *testing.T) {
	base := t.TempDir()
	full, part := filepath.Join(base, "full"), filepath.Join(base, "part")
	common := []string{"-batch", "8", "-checkpoint-every", "2", "-eval-samples", "16", "-progress", "lines"}
	code, out, stderr := mafc(t, append([]string{"train", "-o", full, "-steps", "4"}, common...)...)
	require.Equal(t, 0, code, stderr)
	require.Contains(t, out, "exact optimum")
	require.FileExists(t, filepath.Join(full, "figure.png"))
	require.FileExists(t, filepath.Join(full, "metrics.csv"))

	code, _, stderr = mafc(t, append([]string{"train", "-o", part, "-steps", "2"}, common...)...)
	require.Equal(t, 0, code, stderr)
	code, out, stderr = mafc(t, append([]string{"train", "-o", part, "-steps", "4"}, common...)...)
	require.Equal(t, 0, code, stderr)
	require.Contains(t, out, "resuming ising8")
	require.Equal(t, params(t, full), params(t, part), "a resumed run differs from an uninterrupted one")
	m, err := os.ReadFile(filepath.Join(part, "metrics.csv"))
	require.NoError(t, err)
	require.Equal(t, 5, strings.Count(string(m), "\n"), "metrics.csv should hold a header and 4 rows:\n%s", m)

	// Refuse to start over a checkpoint without -resume.
	code, _, stderr = mafc(t, append([]string{"train", "-o", part, "-steps", "6", "-resume=false"}, common...)...)
	require.Equal(t, 1, code)
	require.Contains(t, stderr, "nothing was overwritten")

	// A checkpoint of another model is rejected.
	code, _, stderr = mafc(t, "eval", "../../testdata/ising16.maf", "-ckpt", part)
	require.Equal(t, 1, code)
	require.Contains(t, stderr, "is for model \"ising8\"")

	// A corrupt checkpoint names the file.
	bad := filepath.Join(base, "bad.ckpt")
	require.NoError(t, os.WriteFile(bad, []byte("MAFCCKPT but not really"), 0o644))
	code, _, stderr = mafc(t, "sample", "../../testdata/ising8.maf", "-ckpt", bad)
	require.Equal(t, 1, code)
	require.Contains(t, stderr, bad)

	npyPath := filepath.Join(base, "x.npy")
	spins := filepath.Join(base, "s.npy")
	code, out, stderr = mafc(t, "sample", "../../testdata/ising8.maf", "-ckpt", filepath.Join(part, ckpt.FileName), "-n", "5", "-o", npyPath, "-spins", spins)
	require.Equal(t, 0, code, stderr)
	require.Contains(t, out, "round trip")
	data, shape, err := npy.ReadFile(npyPath)
	require.NoError(t, err)
	require.Equal(t, []int{5, 64}, shape)
	require.Len(t, data, 320)
	require.FileExists(t, spins)

	code, out, stderr = mafc(t, "eval", "../../testdata/ising8.maf", "-ckpt", part, "-n", "16")
	require.Equal(t, 0, code, stderr)
	require.Contains(t, out, "variational loss per site")
}

func TestTrainBadFlags(t *testing.T) {
	code, _, stderr := mafc(t, "train", "../../testdata/ising8.maf", "-batch", "0", "-o", t.TempDir())
	require.Equal(t, 2, code)
	require.Contains(t, stderr, "-batch")
	code, _, stderr = mafc(t, "train", "../../testdata/ising8.maf", "-laplacian", "approx", "-o", t.TempDir())
	require.Equal(t, 2, code)
	require.Contains(t, stderr, "exact or hutchinson")
	code, _, _ = mafc(t, "sample", "../../testdata/ising8.maf")
	require.Equal(t, 2, code)
	code, _, stderr = mafc(t, "train", "../../testdata/chain64.maf", "-o", t.TempDir())
	require.Equal(t, 1, code)
	require.Contains(t, stderr, "no train block")
}

// TestCacheBuild runs a spec that has no checked-in package: mafc generates
// and builds it into the cache on first use, and reuses it after.
func TestCacheBuild(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a binary with the Go toolchain")
	}
	t.Setenv("MAFC_CACHE", t.TempDir())
	spec := filepath.Join(t.TempDir(), "tiny.maf")
	require.NoError(t, os.WriteFile(spec, []byte(`model tiny
input x: vector(2)
potential {
    h = softplus(dense(x, 8))
    phi = dense(h, 1) + 0.5 * sum(quadratic(x))
}
flow { steps = 4  dt = 0.1 }
train { objective = likelihood(gaussian)  batch = 16  steps = 3 }
`), 0o644))
	out := t.TempDir()
	code, stdout, stderr := mafc(t, "train", spec, "-o", out, "-progress", "lines")
	require.Equal(t, 0, code, stderr)
	require.Contains(t, stderr, "first use only")
	require.Contains(t, stdout, "NLL on")
	code, _, stderr = mafc(t, "eval", spec, "-ckpt", out, "-n", "32")
	require.Equal(t, 0, code, stderr)
	require.NotContains(t, stderr, "first use only", "the second run must reuse the cached binary")
	w, h := pngSize(t, filepath.Join(out, "figure.png"))
	require.Equal(t, [2]int{900, 920}, [2]int{w, h}, "a 2-D likelihood figure: loss curves above the data and flow samples")

	// The same kernels trained on a data file: the file does not enter
	// the kernel hash (checkpoints carry over), though the generated
	// file, which embeds the program, differs and so has its own cache
	// entry; it reads the file relative to the spec's directory.
	writeCSV(t, filepath.Join(filepath.Dir(spec), "pts.csv"), 50, 2, 4)
	own := filepath.Join(filepath.Dir(spec), "own.maf")
	src, err := os.ReadFile(spec)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(own, []byte(strings.Replace(string(src), "likelihood(gaussian)", `likelihood(file = "pts.csv", validation = 0.2)`, 1)), 0o644))
	out2 := t.TempDir()
	code, stdout, stderr = mafc(t, "train", own, "-o", out2, "-progress", "lines")
	require.Equal(t, 0, code, stderr)
	p1, err := dsl.Compile(spec, src)
	require.NoError(t, err)
	src2, err := os.ReadFile(own)
	require.NoError(t, err)
	p2, err := dsl.Compile(own, src2)
	require.NoError(t, err)
	require.Equal(t, p1.Hash(), p2.Hash(), "a data file must not change the kernel hash")
	require.Contains(t, stdout, "NLL on 40 training points")
	require.Contains(t, stdout, "NLL on 10 validation points")
	w, h = pngSize(t, filepath.Join(out2, "figure.png"))
	require.Equal(t, [2]int{900, 920}, [2]int{w, h})
	lp := filepath.Join(t.TempDir(), "lp.csv")
	code, stdout, stderr = mafc(t, "eval", spec, "-ckpt", out2, "-data", filepath.Join(filepath.Dir(spec), "pts.csv"), "-o", lp)
	require.Equal(t, 0, code, stderr)
	require.Contains(t, stdout, "wrote ln p of 50 points")
}

// TestTrainHiddenSpace trains the paper's MNIST model and its
// time-dependent variant (mnist_t.maf) two steps each, by default
// (integrated in the hidden layer's pre-activations) and with -input-space:
// the banners say which, and the parameters agree to rounding.
func TestTrainHiddenSpace(t *testing.T) {
	if testing.Short() {
		t.Skip("reads the MNIST files")
	}
	for _, spec := range []string{"mnist.maf", "mnist_t.maf"} {
		t.Run(spec, func(t *testing.T) { trainHiddenSpace(t, "../../testdata/"+spec) })
	}
}

func trainHiddenSpace(t *testing.T, spec string) {
	base := t.TempDir()
	var got [2][]float64
	for i, extra := range [][]string{nil, {"-input-space"}} {
		dir := filepath.Join(base, fmt.Sprint(i))
		args := append([]string{"train", spec, "-o", dir, "-steps", "2", "-batch", "4",
			"-eval-samples", "4", "-eval-images", "4", "-progress", "lines"}, extra...)
		code, out, stderr := mafc(t, args...)
		require.Equal(t, 0, code, stderr)
		want := map[bool]string{false: "100×0.1 in the hidden layer's pre-activations", true: "100×0.1 in x"}[i == 1]
		require.Contains(t, out, want)
		st, err := ckpt.Load(filepath.Join(dir, ckpt.FileName))
		require.NoError(t, err)
		got[i] = st.Params
	}
	require.Len(t, got[0], len(got[1]))
	for i := range got[0] {
		require.InDelta(t, got[1][i], got[0][i], 1e-9*(1+math.Abs(got[1][i])), "θ[%d]", i)
	}
}
