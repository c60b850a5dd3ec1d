// Command genbundled writes cmd/mafc/models.go, the registry of the
// generated packages mafc bundles (see package bundled). Run it from
// cmd/mafc (go generate does).
package main

import (
	"fmt"
	"os"

	"github.com/mafc-dev/mafc/cmd/mafc/internal/bundled"
)

func main() {
	src, err := bundled.Source("../..", bundled.Packages)
	if err == nil {
		err = os.WriteFile("models.go", src, 0o644)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "genbundled:", err)
		os.Exit(1)
	}
}
