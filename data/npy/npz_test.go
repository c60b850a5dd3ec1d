package npy

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNPZRoundTrip(t *testing.T) {
	var buf bytes.Buffer
	z := NewNPZ(&buf)
	require.NoError(t, z.Float64("theta/h.W", []float64{1, 2, 3, 4, 5, 6}, 2, 3))
	require.NoError(t, z.Uint8("spec.maf", []byte("model m\n"), 8))
	assert.ErrorContains(t, z.Float64("theta/h.W", []float64{1}, 1), `duplicate member "theta/h.W"`, "a second member of the same name")
	assert.ErrorContains(t, z.Float64("", []float64{1}, 1), "bad member name", "an empty name")
	assert.ErrorContains(t, z.Float64("x", []float64{1, 2}, 3), `member "x": shape (3,) has 3 elements but data has 2`, "a wrong shape")
	require.NoError(t, z.Close())

	zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	require.NoError(t, err)
	require.Len(t, zr.File, 2)
	assert.Equal(t, "theta/h.W.npy", zr.File[0].Name)
	assert.Equal(t, "spec.maf.npy", zr.File[1].Name)
	f, err := zr.File[0].Open()
	require.NoError(t, err)
	data, shape, err := Read(f)
	require.NoError(t, err)
	assert.Equal(t, []int{2, 3}, shape)
	assert.Equal(t, []float64{1, 2, 3, 4, 5, 6}, data)
}

func TestNPZNumpyLoad(t *testing.T) {
	py := python(t)
	path := filepath.Join(t.TempDir(), "m.npz")
	require.NoError(t, WriteNPZFile(path, func(z *NPZ) error {
		if err := z.Float64("theta/h.W", []float64{0.5, -1.25, 3, 4}, 2, 2); err != nil {
			return err
		}
		return z.Uint8("spec.maf", []byte("model m — ok\n"), len("model m — ok\n"))
	}))
	script := `
import sys, numpy as np
z = np.load(sys.argv[1])
print(sorted(z.files))
print(z["theta/h.W"].dtype.str, z["theta/h.W"].tolist())
print(z["spec.maf"].dtype.str, repr(bytes(z["spec.maf"]).decode()))
`
	out, err := exec.Command(py, "-c", script, path).CombinedOutput()
	require.NoError(t, err, "numpy.load: %s", out)
	assert.Equal(t, "['spec.maf', 'theta/h.W']\n<f8 [[0.5, -1.25], [3.0, 4.0]]\n|u1 'model m — ok\\n'\n", string(out))
}

// f32npy builds a .npy file of float32 values by hand.
func f32npy(t *testing.T, descr string, order binary.ByteOrder, v []float32, shape ...int) []byte {
	t.Helper()
	h, err := header(descr, len(v), shape)
	require.NoError(t, err)
	b := bytes.NewBuffer(h)
	for _, x := range v {
		binary.Write(b, order, math.Float32bits(x))
	}
	return b.Bytes()
}

func TestReadFloats(t *testing.T) {
	v := []float32{1.5, -2.25, 0.1, 3}
	data, shape, err := ReadFloats(bytes.NewReader(f32npy(t, "<f4", binary.LittleEndian, v, 2, 2)), 100)
	require.NoError(t, err)
	assert.Equal(t, []int{2, 2}, shape)
	assert.Equal(t, []float64{1.5, -2.25, float64(float32(0.1)), 3}, data, "float32 converted exactly")

	data, _, err = ReadFloats(bytes.NewReader(f32npy(t, ">f4", binary.BigEndian, v, 4)), 100)
	require.NoError(t, err)
	assert.Equal(t, 1.5, data[0], "big-endian float32")

	var b bytes.Buffer
	require.NoError(t, Write(&b, []float64{1, 2, 3}, 3))
	data, _, err = ReadFloats(bytes.NewReader(b.Bytes()), 3)
	require.NoError(t, err)
	assert.Equal(t, []float64{1, 2, 3}, data, "float64")

	cases := []struct {
		name string
		file []byte
		max  int
		want string
	}{
		{"over the limit", b.Bytes(), 2, "shape (3,) has too many elements (at most 2)"},
		{"int8", func() []byte {
			var b bytes.Buffer
			require.NoError(t, WriteInt8(&b, []int8{1, -1}, 2))
			return b.Bytes()
		}(), 10, `element type "|i1" not supported`},
		{"truncated", b.Bytes()[:len(b.Bytes())-4], 10, "reading element 0 of 3"},
		{"huge shape", func() []byte {
			h, _ := header("<f8", 0, []int{0})
			return bytes.Replace(h, []byte("(0,)"), []byte("(9223372036854775807, 2)"), 1)
		}(), 1 << 30, "too many elements"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, _, err := ReadFloats(bytes.NewReader(c.file), c.max)
			assert.ErrorContains(t, err, c.want, "ReadFloats")
		})
	}
}

func TestReadFloatsNumpy(t *testing.T) {
	py := python(t)
	dir := t.TempDir()
	cmd := exec.Command(py, "-c", "import numpy as np; np.save('f4.npy', (np.arange(6, dtype='<f4').reshape(3, 2) / 4)); np.save('f8.npy', np.arange(6.0).reshape(2, 3))")
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "numpy.save: %s", out)
	for _, name := range []string{"f4.npy", "f8.npy"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		require.NoError(t, err)
		data, shape, err := ReadFloats(bytes.NewReader(b), 100)
		require.NoError(t, err, name)
		assert.Len(t, data, 6, name)
		assert.Len(t, shape, 2, name)
	}
}
