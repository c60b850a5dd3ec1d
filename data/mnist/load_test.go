package mnist

import (
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLoadSynthetic(t *testing.T) {
	tests := []struct {
		name  string
		files map[string][]byte
	}{
		{"raw and gzip", map[string][]byte{
			"train-images-idx3-ubyte":    validImages(3),
			"train-labels-idx1-ubyte.gz": gzipBytes(t, validLabels(3)),
			"t10k-images-idx3-ubyte.gz":  gzipBytes(t, validImages(2)),
			"t10k-labels-idx1-ubyte":     validLabels(2),
		}},
		{"gzip content under a raw name", map[string][]byte{
			"train-images-idx3-ubyte": gzipBytes(t, validImages(3)),
			"train-labels-idx1-ubyte": gzipBytes(t, validLabels(3)),
			"t10k-images-idx3-ubyte":  gzipBytes(t, validImages(2)),
			"t10k-labels-idx1-ubyte":  gzipBytes(t, validLabels(2)),
		}},
		{"raw content under a .gz name", map[string][]byte{
			"train-images-idx3-ubyte.gz": validImages(3),
			"train-labels-idx1-ubyte.gz": validLabels(3),
			"t10k-images-idx3-ubyte.gz":  validImages(2),
			"t10k-labels-idx1-ubyte.gz":  validLabels(2),
		}},
		{"dotted names", map[string][]byte{
			"train-images.idx3-ubyte":   validImages(3),
			"train-labels.idx1-ubyte":   validLabels(3),
			"t10k-images.idx3-ubyte.gz": gzipBytes(t, validImages(2)),
			"t10k-labels.idx1-ubyte.gz": gzipBytes(t, validLabels(2)),
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			for name, data := range tc.files {
				writeFile(t, dir, name, data)
			}
			s, err := Load(dir)
			require.NoError(t, err)
			assert.Equal(t, 3, s.NumTrain())
			assert.Equal(t, 2, s.NumTest())
			assert.Equal(t, validImages(3)[16:], s.TrainImages)
			assert.Equal(t, validLabels(3)[8:], s.TrainLabels)
			assert.Equal(t, validImages(2)[16:], s.TestImages)
			assert.Equal(t, validLabels(2)[8:], s.TestLabels)
			assert.Equal(t, s.TrainImages[D:2*D], s.TrainImage(1))
			assert.Equal(t, s.TestImages[D:2*D], s.TestImage(1))
			assert.False(t, s.Verified)
			assert.Equal(t, dir, s.Dir)
			for i, p := range s.Files {
				assert.Equal(t, dir, filepath.Dir(p))
				assert.True(t, strings.HasPrefix(strings.ReplaceAll(filepath.Base(p), ".idx", "-idx"), FileNames[i]), p)
			}

			_, err = LoadVerified(dir, VerifyAll)
			require.ErrorIs(t, err, ErrChecksum)
			for _, p := range s.Files {
				assert.Contains(t, err.Error(), "mnist: "+p+": SHA-256 of the (decompressed) content is ")
			}
		})
	}
}

// gzipPadded compresses b into a gzip file of exactly size bytes, padding
// with the header's extra field.
func gzipPadded(t *testing.T, b []byte, size int) []byte {
	n := len(gzipBytes(t, b))
	require.Less(t, n, size)
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Extra = make([]byte, size-n-2) // plus its 2-byte length
	_, err := zw.Write(b)
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	require.Equal(t, size, buf.Len())
	return buf.Bytes()
}

// files maps the names of the files of a test directory to their content.
type files = map[string][]byte

// goodFiles returns a valid set of small MNIST files.
func goodFiles() files {
	return files{
		"train-images-idx3-ubyte": validImages(3),
		"train-labels-idx1-ubyte": validLabels(3),
		"t10k-images-idx3-ubyte":  validImages(2),
		"t10k-labels-idx1-ubyte":  validLabels(2),
	}
}

// withFile returns goodFiles with the file that name starts with replaced
// by name holding data, or removed if data is nil.
func withFile(name string, data []byte) files {
	f := goodFiles()
	for k := range f {
		if strings.HasPrefix(name, k) {
			delete(f, k)
		}
	}
	if data != nil {
		f[name] = data
	}
	return f
}

// fakeOfficial returns test labels with the official raw size (10000
// labels) and, gzipped, the official gzip size but not the official
// content: they are only checked if the size matches.
func fakeOfficial(t *testing.T) (raw, gz []byte) {
	raw = validLabels(10000)
	require.Len(t, raw, 10008)
	return raw, gzipPadded(t, raw, 4542)
}

// TestLoadErrors checks the error, its class and its message for broken
// sets of files.
func TestLoadErrors(t *testing.T) {
	fakeLabels, fakeGz := fakeOfficial(t)

	tests := []struct {
		name   string
		files  files
		verify Verify
		is     error
		want   string // with DIR for the directory
	}{
		{"missing file", withFile("train-labels-idx1-ubyte", nil), VerifyAuto, ErrNotFound,
			"mnist: DIR/train-labels-idx1-ubyte.gz: no such file (also looked for train-labels-idx1-ubyte, train-labels.idx1-ubyte.gz and train-labels.idx1-ubyte)"},
		{"train count mismatch", withFile("train-labels-idx1-ubyte", validLabels(4)), VerifyAuto, ErrFormat,
			"mnist: DIR/train-labels-idx1-ubyte: has 4 labels but DIR/train-images-idx3-ubyte has 3 images"},
		{"test count mismatch", withFile("t10k-images-idx3-ubyte.gz", gzipBytes(t, validImages(1))), VerifyAuto, ErrFormat,
			"mnist: DIR/t10k-labels-idx1-ubyte: has 2 labels but DIR/t10k-images-idx3-ubyte.gz has 1 images"},
		{"labels as images", withFile("t10k-images-idx3-ubyte", validLabels(2)), VerifyAuto, ErrFormat,
			"mnist: DIR/t10k-images-idx3-ubyte: is a labels file (magic 0x00000801), want images (magic 0x00000803)"},
		{"images as labels", withFile("train-labels-idx1-ubyte", validImages(3)), VerifyAuto, ErrFormat,
			"mnist: DIR/train-labels-idx1-ubyte: is a images file (magic 0x00000803), want labels (magic 0x00000801)"},
		{"truncated file", withFile("train-images-idx3-ubyte", validImages(3)[:100]), VerifyAuto, ErrFormat,
			"mnist: DIR/train-images-idx3-ubyte: truncated: header says 3 images (2368 bytes) but file has 100 bytes"},
		{"raw with official size", withFile("t10k-labels-idx1-ubyte", fakeLabels), VerifyAuto, ErrChecksum,
			"mnist: DIR/t10k-labels-idx1-ubyte: SHA-256 of the (decompressed) content is "},
		{"gzip with official size", withFile("t10k-labels-idx1-ubyte.gz", fakeGz), VerifyAuto, ErrChecksum,
			"want ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2 (official t10k-labels-idx1-ubyte)"},
		{"all files checked", goodFiles(), VerifyAll, ErrChecksum,
			"mnist: DIR/train-images-idx3-ubyte: SHA-256 of the (decompressed) content is "},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			for name, data := range tc.files {
				writeFile(t, dir, name, data)
			}
			s, err := LoadVerified(dir, tc.verify)
			require.Error(t, err)
			assert.Nil(t, s)
			assert.ErrorIs(t, err, tc.is)
			assert.Contains(t, err.Error(), strings.ReplaceAll(tc.want, "DIR", dir))
		})
	}
}

// TestLoadNotADirectory checks the error for a directory that does not
// exist.
func TestLoadNotADirectory(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "nope")
	_, err := Load(dir)
	require.ErrorIs(t, err, ErrNotFound)
	assert.Contains(t, err.Error(), "mnist: "+dir+": not a directory with the MNIST files")
}

// TestLoadVerifyNone checks that files of the official sizes pass
// unchecked with VerifyNone.
func TestLoadVerifyNone(t *testing.T) {
	fakeLabels, fakeGz := fakeOfficial(t)
	for _, f := range []files{withFile("t10k-labels-idx1-ubyte", fakeLabels), withFile("t10k-labels-idx1-ubyte.gz", fakeGz)} {
		dir := t.TempDir()
		for name, data := range f {
			writeFile(t, dir, name, data)
		}
		writeFile(t, dir, "t10k-images-idx3-ubyte.gz", gzipBytes(t, validImages(10000)))
		require.NoError(t, os.Remove(filepath.Join(dir, "t10k-images-idx3-ubyte")))
		s, err := LoadVerified(dir, VerifyNone)
		require.NoError(t, err)
		assert.Equal(t, 10000, s.NumTest())
		assert.False(t, s.Verified)
	}
}
