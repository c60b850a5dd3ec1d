package kern

import (
	"os"

	"github.com/mafc-dev/mafc/runtime/gemm"
)

// init installs mafc's assembly-backed GEMM (package gemm) as the blas64
// and blas32 implementation, so that generated kernels get fast products
// with no set-up. Setting MAFC_BLAS=gonum keeps gonum's pure-Go
// implementation (for comparisons).
func init() {
	if os.Getenv("MAFC_BLAS") != "gonum" {
		gemm.Use()
	}
}

// BLASName describes the installed GEMM.
func BLASName() string {
	if os.Getenv("MAFC_BLAS") == "gonum" {
		return "gonum (pure Go)"
	}
	return gemm.Name()
}
