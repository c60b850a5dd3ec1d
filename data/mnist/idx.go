package mnist

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
)

// Image geometry and IDX magic numbers.
const (
	Rows = 28          // image height in pixels
	Cols = 28          // image width in pixels
	D    = Rows * Cols // dimensions of one image (784)

	MagicImages uint32 = 0x00000803 // IDX magic: unsigned bytes, 3 dimensions
	MagicLabels uint32 = 0x00000801 // IDX magic: unsigned bytes, 1 dimension

	imagesHeaderLen = 16 // magic, count, rows, cols
	labelsHeaderLen = 8  // magic, count

	// maxDeflateRatio bounds how much a gzip stream can expand (deflate's
	// limit is about 1032:1); it caps allocations driven by untrusted headers.
	maxDeflateRatio = 1100
)

// Kind says whether an IDX file holds images or labels.
type Kind uint8

// The two kinds of MNIST IDX files.
const (
	KindImages Kind = 1
	KindLabels Kind = 2
)

func (k Kind) String() string {
	switch k {
	case KindImages:
		return "images"
	case KindLabels:
		return "labels"
	}
	return fmt.Sprintf("Kind(%d)", uint8(k))
}

func (k Kind) magic() uint32 {
	if k == KindImages {
		return MagicImages
	}
	return MagicLabels
}

// IDX is the content of one validated MNIST IDX file.
type IDX struct {
	Kind  Kind
	Count int // number of images or labels
	// Data holds Count×784 pixels (row-major, one image after another) for
	// images, or Count labels in 0..9 for labels.
	Data []uint8
}

// header is a parsed IDX header.
type header struct {
	kind    Kind
	count   int
	hdrLen  int   // header bytes
	payload int64 // data bytes the header promises
}

func (h header) total() int64 { return int64(h.hdrLen) + h.payload }

// describe renders e.g. "60000 images (47040016 bytes)".
func (h header) describe() string {
	return fmt.Sprintf("%d %s (%d bytes)", h.count, h.kind, h.total())
}

// IsGzip reports whether data starts with the gzip magic bytes 0x1f 0x8b.
func IsGzip(data []byte) bool {
	return len(data) >= 2 && data[0] == 0x1f && data[1] == 0x8b
}

// ParseIDX parses an MNIST IDX file held in memory, gzip-compressed or raw
// (detected from the gzip magic bytes). name is used in error messages only.
// It never panics: every malformed input gives an error wrapping ErrFormat.
// For raw input the returned Data aliases data.
func ParseIDX(name string, data []byte) (*IDX, error) {
	if IsGzip(data) {
		return parseGzip(name, data)
	}
	return parseRaw(name, data)
}

// ReadIDX reads all of r and parses it with ParseIDX.
func ReadIDX(name string, r io.Reader) (*IDX, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, &FileError{Path: name, Detail: "read failed", Cause: err}
	}
	return ParseIDX(name, data)
}

// ReadIDXFile reads and parses the IDX file at path.
func ReadIDXFile(path string) (*IDX, error) {
	data, err := readFile(path)
	if err != nil {
		return nil, err
	}
	return ParseIDX(path, data)
}

func readFile(path string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		kind := error(nil)
		if errors.Is(err, os.ErrNotExist) {
			kind = ErrNotFound
		}
		return nil, &FileError{Path: path, Kind: kind, Detail: "cannot read file", Cause: err}
	}
	return data, nil
}

// parseMagic checks the 4-byte magic number and returns the kind and the
// header length it implies.
func parseMagic(name string, b []byte) (Kind, int, error) {
	switch m := binary.BigEndian.Uint32(b); m {
	case MagicImages:
		return KindImages, imagesHeaderLen, nil
	case MagicLabels:
		return KindLabels, labelsHeaderLen, nil
	default:
		return 0, 0, formatErr(name, "bad magic number 0x%08x: want 0x%08x (images) or 0x%08x (labels)",
			m, MagicImages, MagicLabels)
	}
}

// parseHeader validates a complete header (magic included).
func parseHeader(name string, kind Kind, b []byte) (header, error) {
	h := header{kind: kind, hdrLen: len(b)}
	count := binary.BigEndian.Uint32(b[4:8])
	per := int64(1)
	if kind == KindImages {
		rows, cols := binary.BigEndian.Uint32(b[8:12]), binary.BigEndian.Uint32(b[12:16])
		if rows != Rows || cols != Cols {
			return h, formatErr(name, "images are %d×%d pixels, want %d×%d", rows, cols, Rows, Cols)
		}
		per = D
	}
	h.payload = int64(count) * per
	if h.payload > math.MaxInt-int64(h.hdrLen) {
		return h, formatErr(name, "header says %d %s, too many for this platform", count, kind)
	}
	h.count = int(count)
	return h, nil
}

func parseRaw(name string, data []byte) (*IDX, error) {
	n := int64(len(data))
	if n < 4 {
		return nil, formatErr(name, "truncated: file has %d bytes, fewer than the 4-byte IDX magic number", n)
	}
	kind, hdrLen, err := parseMagic(name, data)
	if err != nil {
		return nil, err
	}
	if n < int64(hdrLen) {
		return nil, formatErr(name, "truncated: file has %d bytes, fewer than the %d-byte %s header", n, hdrLen, kind)
	}
	h, err := parseHeader(name, kind, data[:hdrLen])
	if err != nil {
		return nil, err
	}
	switch {
	case n < h.total():
		return nil, formatErr(name, "truncated: header says %s but file has %d bytes", h.describe(), n)
	case n > h.total():
		return nil, formatErr(name, "trailing data: header says %s but file has %d bytes", h.describe(), n)
	}
	return finish(name, h, data[hdrLen:])
}

// fill reads from r into p until p is full, r reports io.EOF (not an
// error here) or r fails.
func fill(r io.Reader, p []byte) (int, error) {
	got := 0
	for got < len(p) {
		n, err := r.Read(p[got:])
		got += n
		if err == io.EOF {
			return got, nil
		}
		if err != nil {
			return got, err
		}
	}
	return got, nil
}

// gzipErr describes a gzip failure after decompressed bytes of content;
// complete says that the content promised by the header had been read.
func gzipErr(name string, decompressed int64, complete bool, err error) error {
	switch {
	case complete && (errors.Is(err, gzip.ErrHeader) || errors.Is(err, io.ErrUnexpectedEOF)):
		return &FileError{Path: name, Kind: ErrFormat,
			Detail: fmt.Sprintf("trailing garbage after the gzip stream (after %d decompressed bytes)", decompressed), Cause: err}
	case errors.Is(err, io.ErrUnexpectedEOF):
		return &FileError{Path: name, Kind: ErrFormat,
			Detail: fmt.Sprintf("truncated gzip stream (ends after %d decompressed bytes)", decompressed), Cause: err}
	default:
		return &FileError{Path: name, Kind: ErrFormat,
			Detail: fmt.Sprintf("corrupt gzip stream (after %d decompressed bytes)", decompressed), Cause: err}
	}
}

func parseGzip(name string, data []byte) (*IDX, error) {
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, gzipErr(name, 0, false, err)
	}
	var hb [imagesHeaderLen]byte
	n, err := fill(zr, hb[:4])
	if err != nil {
		return nil, gzipErr(name, int64(n), false, err)
	}
	if n < 4 {
		return nil, formatErr(name, "truncated: decompressed data has %d bytes, fewer than the 4-byte IDX magic number", n)
	}
	kind, hdrLen, err := parseMagic(name, hb[:4])
	if err != nil {
		return nil, err
	}
	m, err := fill(zr, hb[4:hdrLen])
	n += m
	if err != nil {
		return nil, gzipErr(name, int64(n), false, err)
	}
	if n < hdrLen {
		return nil, formatErr(name, "truncated: decompressed data has %d bytes, fewer than the %d-byte %s header", n, hdrLen, kind)
	}
	h, err := parseHeader(name, kind, hb[:hdrLen])
	if err != nil {
		return nil, err
	}

	// A deflate stream cannot expand by more than maxDeflateRatio; a header
	// promising more is surely truncated, so count instead of allocating.
	if h.payload > int64(len(data))*maxDeflateRatio+1024 {
		rest, err := io.Copy(io.Discard, zr)
		if err != nil {
			return nil, gzipErr(name, int64(hdrLen)+rest, false, err)
		}
		return nil, formatErr(name, "truncated: header says %s but decompressed data has %d bytes",
			h.describe(), int64(hdrLen)+rest)
	}
	payload := make([]byte, h.payload)
	got, err := fill(zr, payload)
	if err != nil {
		return nil, gzipErr(name, int64(hdrLen+got), got == len(payload), err)
	}
	if got < len(payload) {
		return nil, formatErr(name, "truncated: header says %s but decompressed data has %d bytes",
			h.describe(), int64(hdrLen+got))
	}
	// Read to the end: this checks the gzip CRC and finds trailing data.
	rest, err := io.Copy(io.Discard, zr)
	if err != nil {
		return nil, gzipErr(name, h.total()+rest, true, err)
	}
	if rest > 0 {
		return nil, formatErr(name, "trailing data: header says %s but decompressed data has %d bytes",
			h.describe(), h.total()+rest)
	}
	return finish(name, h, payload)
}

// finish checks the payload's values and builds the IDX.
func finish(name string, h header, payload []byte) (*IDX, error) {
	if h.kind == KindLabels {
		for i, l := range payload {
			if l > 9 {
				return nil, formatErr(name, "label %d at index %d is out of range 0..9", l, i)
			}
		}
	}
	return &IDX{Kind: h.kind, Count: h.count, Data: payload}, nil
}
