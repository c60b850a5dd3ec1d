//go:build ignore

// gen_single writes the float32 half of the package from the float64 half:
// sgemm.go from dgemm.go, packed32.go from packed64.go, sgemm_amd64.go and
// sgemm_other.go from dgemm_amd64.go and dgemm_other.go (see package
// internal/single for the renaming). Run it with go generate (see
// dgemm.go); TestSingleUpToDate fails when a float32 file is stale.
package main

import (
	"log"
	"os"
	"sort"

	"github.com/mafc-dev/mafc/runtime/gemm/internal/single"
)

func main() {
	var srcs []string
	for src := range single.Files {
		srcs = append(srcs, src)
	}
	sort.Strings(srcs)
	for _, src := range srcs {
		b, err := os.ReadFile(src)
		if err != nil {
			log.Fatal(err)
		}
		out, err := single.Convert(src, b)
		if err != nil {
			log.Fatalf("%s: %v", src, err)
		}
		if err := os.WriteFile(single.Files[src], out, 0o644); err != nil {
			log.Fatal(err)
		}
	}
}
