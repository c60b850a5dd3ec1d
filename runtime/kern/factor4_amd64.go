//go:build amd64 && !noasm

package kern

// sumRowsNorm4x64 is sumRowsNorm64 of four samples sharing the offsets:
// sample s reads src + s·sstride and writes dst + s·dstride (in elements).
// C must be a multiple of 4. It reads and writes without bounds checks
// (factorNorms4 slices its arguments first).
//
//go:noescape
func sumRowsNorm4x64(dst, src *float64, off *int32, start *int, n, C, sstride, dstride int)
