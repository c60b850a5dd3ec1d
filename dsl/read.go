package dsl

import (
	"io"
	"os"

	"github.com/mafc-dev/mafc/limits"
)

// ReadFile reads the spec at path for [Parse]. Whatever the file is (a
// regular file, a FIFO, /dev/zero, a terminal), it reads at most
// [MaxFileSize]+1 bytes: a longer spec is an [ErrorList] whose one error is
// positioned at the first byte past the limit. Other errors (a missing file,
// a directory) are returned as they are.
func ReadFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	src, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, err
	}
	if len(src) > MaxFileSize {
		return nil, sizeError(path, src)
	}
	return src, nil
}

// sizeError reports that src is longer than MaxFileSize, at the position of
// its first byte past the limit.
func sizeError(filename string, src []byte) error {
	var errs ErrorList
	errs.Add(position(filename, src, MaxFileSize), "spec is larger than the limit of %d bytes (%s) from here on: a .maf spec is at most %s of text; is this the right file?",
		MaxFileSize, limits.FormatBytes(MaxFileSize), limits.FormatBytes(MaxFileSize))
	return errs.Err()
}
