package npy

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestHeader(t *testing.T) {
	cases := []struct {
		descr string
		n     int
		shape []int
		dict  string
	}{
		{"<f8", 12, []int{3, 4}, "{'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }"},
		{"<f8", 5, []int{5}, "{'descr': '<f8', 'fortran_order': False, 'shape': (5,), }"},
		{"<f8", 1, nil, "{'descr': '<f8', 'fortran_order': False, 'shape': (), }"},
		{"<f8", 0, []int{0, 7}, "{'descr': '<f8', 'fortran_order': False, 'shape': (0, 7), }"},
		{"|i1", 24, []int{2, 3, 4}, "{'descr': '|i1', 'fortran_order': False, 'shape': (2, 3, 4), }"},
		{"<f8", 1, []int{1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}, ""}, // header > 64 bytes
	}
	for _, c := range cases {
		t.Run(shapeString(c.shape), func(t *testing.T) {
			h, err := header(c.descr, c.n, c.shape)
			require.NoError(t, err, "header(%q, %d, %v)", c.descr, c.n, c.shape)
			assert.Equal(t, 0, len(h)%64, "header(%q, %d, %v) length %d is not a multiple of 64", c.descr, c.n, c.shape, len(h))
			assert.Equal(t, "\x93NUMPY\x01\x00", string(h[:8]), "magic and version")
			assert.Equal(t, len(h)-10, int(binary.LittleEndian.Uint16(h[8:])), "HEADER_LEN")
			assert.Equal(t, byte('\n'), h[len(h)-1], "header ends with a newline")
			dict := strings.TrimRight(string(h[10:len(h)-1]), " ")
			if c.dict != "" {
				assert.Equal(t, c.dict, dict, "header dict")
			}
		})
	}
}

func TestShapeErrors(t *testing.T) {
	cases := []struct {
		n     int
		shape []int
		msg   string
	}{
		{10, []int{3, 4}, "npy: shape (3, 4) has 12 elements but data has 10"},
		{0, nil, "npy: shape () has 1 elements but data has 0"},
		{4, []int{-2, -2}, "npy: negative dimension in shape (-2, -2)"},
		{1, []int{1 << 40, 1 << 40}, "npy: shape (1099511627776, 1099511627776) has too many elements"},
	}
	for _, c := range cases {
		var buf bytes.Buffer
		err := Write(&buf, make([]float64, c.n), c.shape...)
		require.Error(t, err, "Write(%d elements, shape %v)", c.n, c.shape)
		assert.Equal(t, c.msg, err.Error(), "Write(%d elements, shape %v)", c.n, c.shape)
		assert.Zero(t, buf.Len(), "Write(%d elements, shape %v) wrote %d bytes despite the error", c.n, c.shape, buf.Len())
	}
	path := filepath.Join(t.TempDir(), "x.npy")
	err := WriteFile(path, []float64{1}, 2)
	require.Error(t, err, "WriteFile with a bad shape")
	assert.Equal(t, "npy: "+path+": shape (2,) has 2 elements but data has 1", err.Error(), "WriteFile error")
	assert.NoFileExists(t, path, "WriteFile with a bad shape creates nothing")
}

func TestRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	big := make([]float64, 3*chunkElems+5)
	for i := range big {
		big[i] = rng.NormFloat64()
	}
	cases := []struct {
		name  string
		data  []float64
		shape []int
	}{
		{"matrix", []float64{1, 2, 3, 4, 5, 6}, []int{2, 3}},
		{"vector", []float64{-0.0, math.Inf(1), math.Inf(-1), math.MaxFloat64, math.SmallestNonzeroFloat64}, []int{5}},
		{"scalar", []float64{math.Pi}, nil},
		{"empty", []float64{}, []int{0, 3}},
		{"big", big, []int{len(big), 1}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var buf bytes.Buffer
			require.NoError(t, Write(&buf, c.data, c.shape...), "Write")
			wantLen := 8 * len(c.data)
			assert.Equal(t, 0, (buf.Len()-wantLen)%64, "header size %d", buf.Len()-wantLen)
			data, shape, err := Read(&buf)
			require.NoError(t, err, "Read")
			assert.Equal(t, append([]int{}, c.shape...), shape, "Read shape")
			require.Len(t, data, len(c.data), "Read data length")
			for i := range data {
				require.Equal(t, math.Float64bits(c.data[i]), math.Float64bits(data[i]), "Read data[%d] = %v, want %v", i, data[i], c.data[i])
			}
			assert.Zero(t, buf.Len(), "Read leaves %d bytes unread", buf.Len())
		})
	}
}

func TestReadErrors(t *testing.T) {
	var good bytes.Buffer
	require.NoError(t, Write(&good, []float64{1, 2}, 2))
	var i8 bytes.Buffer
	require.NoError(t, WriteInt8(&i8, []int8{1, -1}, 2))
	cases := []struct {
		name string
		b    []byte
		msg  string
	}{
		{"empty", nil, "npy: reading preamble: EOF"},
		{"not npy", []byte("PK\x03\x04junkjunk"), "not a .npy file"},
		{"version 3", append([]byte("\x93NUMPY\x03\x00"), good.Bytes()[8:]...), "unsupported version 3.0"},
		{"int8", i8.Bytes(), `element type "|i1" not supported`},
		{"truncated data", good.Bytes()[:good.Len()-1], "reading element 0 of 2"},
		{"truncated header", good.Bytes()[:20], "reading 118-byte header"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, _, err := Read(bytes.NewReader(c.b))
			require.Error(t, err, "Read")
			assert.Contains(t, err.Error(), c.msg, "Read error")
		})
	}
	// A header claiming 10¹⁵ elements fails at end of input, without
	// allocating for them.
	h, err := header("<f8", 1_000_000_000_000_000, []int{1_000_000_000_000_000})
	require.NoError(t, err)
	_, _, err = Read(bytes.NewReader(append(h, make([]byte, 80)...)))
	require.Error(t, err, "Read of an absurd shape")
	assert.Contains(t, err.Error(), "reading element 0 of 1000000000000000", "Read error")
}

func TestWriteInt8(t *testing.T) {
	var buf bytes.Buffer
	spins := []int8{1, -1, -1, 1, 1, 1}
	require.NoError(t, WriteInt8(&buf, spins, 2, 3))
	b := buf.Bytes()
	require.Equal(t, 0, (len(b)-len(spins))%64, "header size")
	assert.Contains(t, string(b), "{'descr': '|i1', 'fortran_order': False, 'shape': (2, 3), }", "header")
	assert.Equal(t, []byte{1, 0xff, 0xff, 1, 1, 1}, b[len(b)-6:], "data bytes")
}

func TestWriteFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "x.npy")
	require.NoError(t, WriteFile(path, []float64{1, 2, 3}, 3))
	data, shape, err := ReadFile(path)
	require.NoError(t, err, "ReadFile")
	assert.Equal(t, []float64{1, 2, 3}, data, "ReadFile data")
	assert.Equal(t, []int{3}, shape, "ReadFile shape")
	fi, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o644), fi.Mode().Perm(), "file mode")

	require.NoError(t, WriteFileInt8(path, []int8{1, -1}, 1, 2), "WriteFileInt8 over an existing file")
	_, _, err = ReadFile(path)
	assert.ErrorContains(t, err, "npy: "+path+`: element type "|i1" not supported`, "ReadFile of int8")

	// Failure (the target is a non-empty directory) leaves it alone.
	target := filepath.Join(dir, "d.npy")
	require.NoError(t, os.MkdirAll(filepath.Join(target, "keep"), 0o755))
	err = WriteFile(target, []float64{1}, 1)
	require.Error(t, err, "WriteFile over a directory")
	assert.Contains(t, err.Error(), "npy: "+target+": cannot replace it with", "WriteFile error")
	assert.DirExists(t, filepath.Join(target, "keep"), "the existing target survives")
	entries, _ := os.ReadDir(dir)
	assert.Len(t, entries, 2, "no temp files left: %v", entries)

	missing := filepath.Join(dir, "no", "x.npy")
	err = WriteFile(missing, []float64{1}, 1)
	assert.ErrorIs(t, err, fs.ErrNotExist, "WriteFile into a missing directory")
	assert.EqualError(t, err, "npy: "+missing+": directory "+filepath.Join(dir, "no")+" does not exist (create it first or choose another output directory)", "WriteFile into a missing directory")
}

type failWriter struct{ n int }

func (w *failWriter) Write(p []byte) (int, error) {
	if w.n -= len(p); w.n < 0 {
		return 0, errors.New("disk full")
	}
	return len(p), nil
}

func TestWriteError(t *testing.T) {
	err := Write(&failWriter{n: 100}, make([]float64, 10000), 10000)
	assert.EqualError(t, err, "npy: disk full", "Write to a failing writer")
}

// python returns /usr/bin/python3 if it can import numpy, else skips.
func python(t *testing.T) string {
	t.Helper()
	const py = "/usr/bin/python3"
	if err := exec.Command(py, "-c", "import numpy").Run(); err != nil {
		t.Skipf("%s cannot import numpy (%v); apt-get install python3-numpy to run this test", py, err)
	}
	return py
}

func TestNumpyLoad(t *testing.T) {
	py := python(t)
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(1, 1))
	f := make([]float64, 6*5)
	for i := range f {
		f[i] = rng.NormFloat64()
	}
	f[3] = math.Inf(-1)
	f[4] = -0.0
	s := make([]int8, 4*9)
	for i := range s {
		s[i] = int8(2*rng.IntN(2) - 1)
	}
	require.NoError(t, WriteFile(filepath.Join(dir, "f.npy"), f, 6, 5))
	require.NoError(t, WriteFile(filepath.Join(dir, "v.npy"), f[:7], 7))
	require.NoError(t, WriteFile(filepath.Join(dir, "s.npy"), []float64{2.5}))
	require.NoError(t, WriteFileInt8(filepath.Join(dir, "spins.npy"), s, 4, 9))

	// numpy prints each array's dtype, shape and exact bytes (hex); the
	// comparison is bit for bit.
	script := `
import sys, numpy as np
for name in sys.argv[1:]:
    a = np.load(name)
    print(name, a.dtype.str, a.shape, a.tobytes().hex())
`
	names := []string{"f.npy", "v.npy", "s.npy", "spins.npy"}
	cmd := exec.Command(py, append([]string{"-c", script}, names...)...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "numpy.load: %s", out)

	hexf := func(v []float64) string {
		var b bytes.Buffer
		binary.Write(&b, binary.LittleEndian, v)
		return hex.EncodeToString(b.Bytes())
	}
	spinBytes := make([]byte, len(s))
	for i, x := range s {
		spinBytes[i] = byte(x)
	}
	want := strings.Join([]string{
		"f.npy <f8 (6, 5) " + hexf(f),
		"v.npy <f8 (7,) " + hexf(f[:7]),
		"s.npy <f8 () " + hexf([]float64{2.5}),
		"spins.npy |i1 (4, 9) " + hex.EncodeToString(spinBytes),
	}, "\n") + "\n"
	assert.Equal(t, want, string(out), "numpy.load output")

	// And the other way: Read parses what numpy.save writes.
	cmd = exec.Command(py, "-c", "import numpy as np; np.save('np.npy', np.arange(12, dtype='<f8').reshape(3, 4) / 8)")
	cmd.Dir = dir
	out, err = cmd.CombinedOutput()
	require.NoError(t, err, "numpy.save: %s", out)
	data, shape, err := ReadFile(filepath.Join(dir, "np.npy"))
	require.NoError(t, err, "ReadFile of numpy.save output")
	assert.Equal(t, []int{3, 4}, shape, "ReadFile shape")
	for i, x := range data {
		assert.Equal(t, float64(i)/8, x, "ReadFile data[%d]", i) // exact: i/8 is a dyadic rational
	}
}

func TestWriteAtomicCleansUp(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "x.npy")
	require.NoError(t, WriteFile(path, []float64{1}, 1))
	err := writeAtomic(path, func(io.Writer) error { return errors.New("disk full") })
	assert.ErrorContains(t, err, "npy: "+path+": writing ", "writeAtomic with a failing write")
	data, _, err := ReadFile(path)
	require.NoError(t, err, "the existing file survives")
	assert.Equal(t, []float64{1}, data, "the existing file's data")
	entries, _ := os.ReadDir(dir)
	assert.Len(t, entries, 1, "no temp file left: %v", entries)
}
