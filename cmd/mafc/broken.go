package main

import (
	"fmt"
	"io"
	"path/filepath"

	"github.com/mafc-dev/mafc/internal/atomicfile"
)

// saveBroken saves generated code that does not format (a mafc bug) as
// dir/<model>.maf.go.broken for inspection, and says where on stderr. The
// file is written atomically (internal/atomicfile): a symbolic link at that
// path is replaced by a regular file, never written through, and a reader
// never sees a partial file. Nothing is written when src is empty; stderr
// says so instead.
func saveBroken(dir, model string, src []byte, stderr io.Writer) {
	if len(src) == 0 {
		fmt.Fprintln(stderr, "mafc: the generator produced no output: no .broken file written")
		return
	}
	path := filepath.Join(dir, model+".maf.go.broken")
	if err := atomicfile.WriteFile(path, src, 0o644); err != nil {
		fmt.Fprintf(stderr, "mafc: could not save the unformatted output: %v\n", err)
		return
	}
	fmt.Fprintf(stderr, "mafc: the unformatted output is in %s\n", path)
}
