package limits

import (
	"fmt"
	"io"
	"os"
)

// MaxProgramBytes bounds the IR file (-program) that a model binary built by
// mafc's cache reads: the IR of the largest spec mafc accepts is far below it.
const MaxProgramBytes = 64 << 20

// ReadFile reads the file at path, whatever it is (a regular file, a FIFO,
// /dev/zero), reading at most max+1 bytes: a longer file is an error that
// names it, the limit, and what kind of file was expected.
func ReadFile(path string, max int64, what string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if int64(len(b)) > max {
		return nil, fmt.Errorf("%s is larger than the limit of %s for %s: is this the right file?", path, FormatBytes(float64(max)), what)
	}
	return b, nil
}
