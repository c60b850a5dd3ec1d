package mnist

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseIDXValid(t *testing.T) {
	img := validImages(3)
	lbl := validLabels(5)
	tests := []struct {
		name  string
		data  []byte
		kind  Kind
		count int
		want  []byte
	}{
		{"raw images", img, KindImages, 3, img[16:]},
		{"gzip images", gzipBytes(t, img), KindImages, 3, img[16:]},
		{"raw labels", lbl, KindLabels, 5, lbl[8:]},
		{"gzip labels", gzipBytes(t, lbl), KindLabels, 5, lbl[8:]},
		{"zero images", imagesIDX(0, 28, 28, nil), KindImages, 0, []byte{}},
		{"zero labels gzip", gzipBytes(t, labelsIDX(0, nil)), KindLabels, 0, []byte{}},
		{"multi-member gzip", append(gzipBytes(t, lbl[:6]), gzipBytes(t, lbl[6:])...), KindLabels, 5, lbl[8:]},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			x, err := ParseIDX("f", tc.data)
			require.NoError(t, err)
			assert.Equal(t, tc.kind, x.Kind)
			assert.Equal(t, tc.count, x.Count)
			assert.Equal(t, tc.want, x.Data)

			x2, err := ReadIDX("f", bytes.NewReader(tc.data))
			require.NoError(t, err)
			assert.Equal(t, x, x2)
		})
	}
}

func TestParseIDXErrors(t *testing.T) {
	img := validImages(2)        // 16 + 1568 = 1584 bytes
	lbl := validLabels(4)        // 8 + 4 = 12 bytes
	gzImg := gzipBytes(t, img)   // a valid gzip stream
	badCRC := bytes.Clone(gzImg) // corrupt the CRC-32 in the gzip trailer
	badCRC[len(badCRC)-8] ^= 0xff
	badLabel := validLabels(4)
	badLabel[8+2] = 10

	tests := []struct {
		name string
		data []byte
		want string // substring of the error message after "mnist: NAME: "
	}{
		{"empty", nil, "truncated: file has 0 bytes, fewer than the 4-byte IDX magic number"},
		{"short magic", []byte{0, 0, 8}, "truncated: file has 3 bytes, fewer than the 4-byte IDX magic number"},
		{"bad magic", []byte{0, 0, 8, 2, 0, 0, 0, 0}, "bad magic number 0x00000802: want 0x00000803 (images) or 0x00000801 (labels)"},
		{"little-endian magic", []byte{3, 8, 0, 0, 0, 0, 0, 0}, "bad magic number 0x03080000"},
		{"float data type", []byte{0, 0, 0x0d, 3, 0, 0, 0, 0}, "bad magic number 0x00000d03"},
		{"images header cut", img[:10], "truncated: file has 10 bytes, fewer than the 16-byte images header"},
		{"labels header cut", lbl[:6], "truncated: file has 6 bytes, fewer than the 8-byte labels header"},
		{"wrong rows", imagesIDX(1, 27, 28, make([]byte, 27*28)), "images are 27×28 pixels, want 28×28"},
		{"wrong cols", imagesIDX(1, 28, 32, make([]byte, 28*32)), "images are 28×32 pixels, want 28×28"},
		{"images truncated", img[:1000], "truncated: header says 2 images (1584 bytes) but file has 1000 bytes"},
		{"images trailing", append(bytes.Clone(img), 0), "trailing data: header says 2 images (1584 bytes) but file has 1585 bytes"},
		{"labels truncated", lbl[:11], "truncated: header says 4 labels (12 bytes) but file has 11 bytes"},
		{"labels trailing", append(bytes.Clone(lbl), 1, 2), "trailing data: header says 4 labels (12 bytes) but file has 14 bytes"},
		{"huge count", imagesIDX(0xffffffff, 28, 28, make([]byte, 100)), "truncated: header says 4294967295 images (3367254359296 bytes) but file has 116 bytes"},
		{"label out of range", badLabel, "label 10 at index 2 is out of range 0..9"},
		{"gzip: header cut", gzImg[:5], "truncated gzip stream (ends after 0 decompressed bytes)"},
		{"gzip: stream cut", gzImg[:len(gzImg)-20], "truncated gzip stream"},
		{"gzip: bad crc", badCRC, "corrupt gzip stream (after 1584 decompressed bytes): gzip: invalid checksum"},
		{"gzip: short trailing garbage", append(bytes.Clone(gzImg), 'x', 'y', 'z'), "trailing garbage after the gzip stream (after 1584 decompressed bytes)"},
		{"gzip: long trailing garbage", append(bytes.Clone(gzImg), bytes.Repeat([]byte{'x'}, 40)...), "trailing garbage after the gzip stream (after 1584 decompressed bytes)"},
		{"gzip: trailing zeros", append(bytes.Clone(gzImg), make([]byte, 512)...), "trailing garbage after the gzip stream"},
		{"gzip: empty content", gzipBytes(t, nil), "truncated: decompressed data has 0 bytes, fewer than the 4-byte IDX magic number"},
		{"gzip: bad magic", gzipBytes(t, []byte{1, 2, 3, 4, 5}), "bad magic number 0x01020304"},
		{"gzip: header cut", gzipBytes(t, img[:12]), "truncated: decompressed data has 12 bytes, fewer than the 16-byte images header"},
		{"gzip: wrong dims", gzipBytes(t, imagesIDX(1, 28, 29, make([]byte, 28*29))), "images are 28×29 pixels, want 28×28"},
		{"gzip: truncated", gzipBytes(t, img[:1000]), "truncated: header says 2 images (1584 bytes) but decompressed data has 1000 bytes"},
		{"gzip: trailing", gzipBytes(t, append(bytes.Clone(img), 7)), "trailing data: header says 2 images (1584 bytes) but decompressed data has 1585 bytes"},
		{"gzip: huge count", gzipBytes(t, imagesIDX(0xffffffff, 28, 28, make([]byte, 100))), "truncated: header says 4294967295 images (3367254359296 bytes) but decompressed data has 116 bytes"},
		{"gzip: label out of range", gzipBytes(t, badLabel), "label 10 at index 2 is out of range 0..9"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			const name = "/data/some-file"
			x, err := ParseIDX(name, tc.data)
			require.Error(t, err)
			assert.Nil(t, x)
			msg := err.Error()
			assert.True(t, strings.HasPrefix(msg, "mnist: "+name+": "), "message %q lacks the file name", msg)
			assert.Contains(t, msg, tc.want)
			assert.ErrorIs(t, err, ErrFormat)
			var fe *FileError
			require.True(t, errors.As(err, &fe))
			assert.Equal(t, name, fe.Path)
		})
	}
}

func TestReadIDXFile(t *testing.T) {
	dir := t.TempDir()
	good := writeFile(t, dir, "ok.gz", gzipBytes(t, validLabels(3)))
	x, err := ReadIDXFile(good)
	require.NoError(t, err)
	assert.Equal(t, 3, x.Count)

	bad := writeFile(t, dir, "bad", validLabels(3)[:9])
	_, err = ReadIDXFile(bad)
	require.ErrorIs(t, err, ErrFormat)
	assert.Contains(t, err.Error(), "mnist: "+bad+": truncated")

	_, err = ReadIDXFile(dir + "/missing")
	require.ErrorIs(t, err, ErrNotFound)
	assert.Contains(t, err.Error(), "mnist: "+dir+"/missing: cannot read file")
}

func TestKindString(t *testing.T) {
	assert.Equal(t, "images", KindImages.String())
	assert.Equal(t, "labels", KindLabels.String())
	assert.Equal(t, "Kind(7)", Kind(7).String())
}
