package points

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mafc-dev/mafc/data/npy"
)

func write(t *testing.T, name, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(path, []byte(text), 0o644))
	return path
}

func TestLoadCSV(t *testing.T) {
	for _, c := range []struct{ name, text string }{
		{"plain", "1,2\n3.5,-4e-1\n"},
		{"header", "x, y\n1, 2\n3.5, -4e-1\n"},
		{"comments and CRLF", "# made by hand\r\nx,y\r\n1,2\r\n\r\n3.5,-0.4\r\n"},
	} {
		t.Run(c.name, func(t *testing.T) {
			s, err := Load(write(t, "p.csv", c.text), 2, DefaultLimits)
			require.NoError(t, err)
			assert.Equal(t, 2, s.N)
			assert.Equal(t, 2, s.D)
			assert.Equal(t, []float64{1, 2, 3.5, -0.4}, s.X)
			assert.Equal(t, []float64{3.5, -0.4}, s.Row(1))
		})
	}
}

func TestLoadNPY(t *testing.T) {
	path := filepath.Join(t.TempDir(), "p.npy")
	require.NoError(t, npy.WriteFile(path, []float64{1, 2, 3, 4, 5, 6}, 3, 2))
	s, err := Load(path, 2, DefaultLimits)
	require.NoError(t, err)
	assert.Equal(t, 3, s.N)
	assert.Equal(t, []float64{1, 2, 3, 4, 5, 6}, s.X)

	vec := filepath.Join(t.TempDir(), "v.NPY")
	require.NoError(t, npy.WriteFile(vec, []float64{1, 2, 3}, 3))
	s, err = Load(vec, 1, DefaultLimits)
	require.NoError(t, err, "a vector is N points of dimension 1")
	assert.Equal(t, 3, s.N)
}

func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	npyFile := func(name string, data []float64, shape ...int) string {
		p := filepath.Join(dir, name)
		require.NoError(t, npy.WriteFile(p, data, shape...))
		return p
	}
	fifo := filepath.Join(dir, "fifo.csv")
	require.NoError(t, syscall.Mkfifo(fifo, 0o644))
	cases := []struct {
		name, path string
		dim        int
		lim        Limits
		want       string
	}{
		{"extension", write(t, "p.txt", "1,2\n"), 2, DefaultLimits, `p.txt: unknown data format ".txt"`},
		{"missing", filepath.Join(dir, "missing.csv"), 2, DefaultLimits, "missing.csv: no such file"},
		{"directory", func() string { p := filepath.Join(dir, "d.npy"); os.Mkdir(p, 0o755); return p }(), 2, DefaultLimits, "d.npy: is a directory"},
		{"fifo", fifo, 2, DefaultLimits, "fifo.csv: not a regular file"},
		{"too big", write(t, "big.csv", "1,2\n3,4\n"), 2, Limits{MaxBytes: 4, MaxValues: 100}, "big.csv: 8 bytes, more than the limit of 4"},
		{"too many values csv", write(t, "many.csv", "1,2\n3,4\n5,6\n"), 2, Limits{MaxBytes: 100, MaxValues: 5}, "many.csv: line 3: more than 5 values"},
		{"too many values npy", npyFile("many.npy", make([]float64, 6), 3, 2), 2, Limits{MaxBytes: 1000, MaxValues: 5}, "many.npy: shape (3, 2) has too many elements (at most 5)"},
		{"dimension csv", write(t, "dim.csv", "1,2,3\n"), 2, DefaultLimits, "dim.csv: points have dimension 3 (3 columns), but the model's input has dimension 2"},
		{"dimension npy", npyFile("dim.npy", make([]float64, 6), 2, 3), 2, DefaultLimits, "dim.npy: points have dimension 3"},
		{"rank", npyFile("rank.npy", make([]float64, 8), 2, 2, 2), 2, DefaultLimits, "rank.npy: array of shape [2 2 2]: want a 2-D array N×D"},
		{"ragged", write(t, "ragged.csv", "x,y\n1,2\n3\n"), 2, DefaultLimits, "ragged.csv: line 3: 1 fields, but the first data line has 2"},
		{"not a number", write(t, "nan.csv", "1,2\n3,abc\n"), 2, DefaultLimits, `nan.csv: line 2, column 3: "abc" is not a number`},
		{"NaN csv", write(t, "nan2.csv", "1,2\nNaN,4\n"), 2, DefaultLimits, `nan2.csv: line 2, column 1: "NaN": every value must be finite`},
		{"Inf npy", npyFile("inf.npy", []float64{1, 2, math.Inf(1), 4}, 2, 2), 2, DefaultLimits, "inf.npy: point 1 (row 1), coordinate 0 is +Inf: every value must be finite"},
		{"range", write(t, "range.csv", "1,1e999\n"), 2, DefaultLimits, `range.csv: line 1, column 3: "1e999" is out of the float64 range`},
		{"empty", write(t, "empty.csv", "x,y\n"), 2, DefaultLimits, "empty.csv: no data points"},
		{"bad quote", write(t, "q.csv", "1,\"2\n"), 2, DefaultLimits, "q.csv: line "},
		{"not npy", write(t, "text.npy", "1,2\n3,4\n5,6\n"), 2, DefaultLimits, "text.npy: not a .npy file"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Load(c.path, c.dim, c.lim)
			require.Error(t, err, "Load(%s)", c.path)
			assert.Contains(t, err.Error(), c.want, "Load(%s)", c.path)
			assert.True(t, strings.Contains(err.Error(), filepath.Base(c.path)), "the error names the file: %v", err)
		})
	}
}

func TestSplit(t *testing.T) {
	train, valid, err := Split(10, 0.2, 7)
	require.NoError(t, err)
	assert.Len(t, train, 8)
	assert.Len(t, valid, 2)
	all := append(append([]int(nil), train...), valid...)
	seen := map[int]bool{}
	for _, i := range all {
		seen[i] = true
	}
	assert.Len(t, seen, 10, "a partition of 0..9")

	train2, valid2, err := Split(10, 0.2, 7)
	require.NoError(t, err)
	assert.Equal(t, train, train2, "same seed, same split")
	assert.Equal(t, valid, valid2, "same seed, same split")
	differ := false
	for seed := uint64(8); seed < 12; seed++ {
		_, v, _ := Split(10, 0.2, seed)
		differ = differ || !assert.ObjectsAreEqual(valid, v)
	}
	assert.True(t, differ, "other seeds give other splits")
	// Pinned, so that a change of the shuffle (which would change every
	// user's validation set) is noticed.
	assert.Equal(t, []int{0, 3}, valid, "Split(10, 0.2, 7) validation indices")

	_, v, err := Split(3, 0.01, 1)
	require.NoError(t, err)
	assert.Len(t, v, 1, "a positive fraction gives at least one validation point")
	tr, v, err := Split(3, 0, 1)
	require.NoError(t, err)
	assert.Equal(t, []int{0, 1, 2}, tr)
	assert.Empty(t, v)

	_, _, err = Split(1, 0.5, 1)
	assert.ErrorContains(t, err, "1 points leave none for training")
	_, _, err = Split(10, 1, 1)
	assert.ErrorContains(t, err, "want 0 ≤ fraction < 1")
	_, _, err = Split(10, math.NaN(), 1)
	assert.ErrorContains(t, err, "want 0 ≤ fraction < 1")
}
