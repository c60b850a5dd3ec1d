package mnist

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

// FuzzReadIDX checks that the IDX parser never panics and that whatever it
// accepts is self-consistent. Run with
//
//	go test -run '^$' -fuzz FuzzReadIDX -fuzzminimizetime 2s ./data/mnist/
//
// (the default minimisation budget of 60 s per new input makes progress
// look stalled for inputs of a few kilobytes).
func FuzzReadIDX(f *testing.F) {
	img := validImages(2)
	lbl := validLabels(5)
	seeds := [][]byte{
		nil,
		{0x1f, 0x8b},
		{0, 0, 8, 3},
		img,
		lbl,
		img[:100],
		append(bytes.Clone(lbl), 0),
		imagesIDX(1, 27, 28, make([]byte, 27*28)),
		imagesIDX(0xffffffff, 28, 28, nil),
		labelsIDX(3, []byte{1, 2, 11}),
		gzipBytes(f, img),
		gzipBytes(f, lbl),
		gzipBytes(f, lbl[:7]),
		gzipBytes(f, imagesIDX(1000, 28, 28, nil)),
		append(gzipBytes(f, lbl), 1, 2, 3),
	}
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		x, err := ReadIDX("fuzz", bytes.NewReader(data))
		if err != nil {
			if x != nil {
				t.Fatalf("error %v with non-nil result", err)
			}
			if !strings.HasPrefix(err.Error(), "mnist: fuzz: ") {
				t.Fatalf("error %q does not name the file", err)
			}
			if !errors.Is(err, ErrFormat) {
				t.Fatalf("error %q is not ErrFormat", err)
			}
			return
		}
		switch x.Kind {
		case KindImages:
			if len(x.Data) != x.Count*D {
				t.Fatalf("%d images but %d bytes", x.Count, len(x.Data))
			}
		case KindLabels:
			if len(x.Data) != x.Count {
				t.Fatalf("%d labels but %d bytes", x.Count, len(x.Data))
			}
			for _, l := range x.Data {
				if l > 9 {
					t.Fatalf("accepted label %d", l)
				}
			}
		default:
			t.Fatalf("bad kind %v", x.Kind)
		}
		// An accepted file re-encodes to its content.
		if !IsGzip(data) && !bytes.Equal(append(idxHeader(x), x.Data...), data) {
			t.Fatal("accepted raw file does not re-encode to itself")
		}
	})
}
