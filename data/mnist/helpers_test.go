package mnist

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// imagesIDX builds a raw images file with the given header and pixel bytes
// (len(pixels) need not match the header, to build broken files).
func imagesIDX(count, rows, cols uint32, pixels []byte) []byte {
	b := binary.BigEndian.AppendUint32(nil, MagicImages)
	b = binary.BigEndian.AppendUint32(b, count)
	b = binary.BigEndian.AppendUint32(b, rows)
	b = binary.BigEndian.AppendUint32(b, cols)
	return append(b, pixels...)
}

// labelsIDX builds a raw labels file.
func labelsIDX(count uint32, labels []byte) []byte {
	b := binary.BigEndian.AppendUint32(nil, MagicLabels)
	b = binary.BigEndian.AppendUint32(b, count)
	return append(b, labels...)
}

// validImages returns a valid raw images file of n images with pixel
// values i*7+j mod 256.
func validImages(n int) []byte {
	px := make([]byte, n*D)
	for i := range px {
		px[i] = byte(i * 7)
	}
	return imagesIDX(uint32(n), Rows, Cols, px)
}

// validLabels returns a valid raw labels file of n labels i mod 10.
func validLabels(n int) []byte {
	l := make([]byte, n)
	for i := range l {
		l[i] = byte(i % 10)
	}
	return labelsIDX(uint32(n), l)
}

func gzipBytes(tb testing.TB, b []byte) []byte {
	tb.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, err := zw.Write(b)
	require.NoError(tb, err)
	require.NoError(tb, zw.Close())
	return buf.Bytes()
}

func writeFile(tb testing.TB, dir, name string, data []byte) string {
	tb.Helper()
	p := filepath.Join(dir, name)
	require.NoError(tb, os.WriteFile(p, data, 0o644))
	return p
}
