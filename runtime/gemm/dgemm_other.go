//go:build !amd64 || noasm

package gemm

import "unsafe"

// Portable stand-ins for the float64 assembly kernels and packers; they are
// never selected while haveAsm is false and only keep the driver compiling
// on every platform. gen_single.go writes their float32 twins,
// sgemm_other.go, from this file.

// dgemmKernel is the portable stand-in for the MR×NR kernel, with the
// semantics of the assembly kernel in kernel_amd64.s.
func dgemmKernel(k int, a, b, c *float64, ldc int, alpha, beta float64) {
	ap := unsafe.Slice(a, k*dgemmMR)
	bp := unsafe.Slice(b, k*dgemmNR)
	cp := unsafe.Slice(c, (dgemmMR-1)*ldc+dgemmNR)
	var acc [dgemmMR][dgemmNR]float64
	for p := range k {
		for i := range dgemmMR {
			av := ap[p*dgemmMR+i]
			for j := range dgemmNR {
				acc[i][j] += av * bp[p*dgemmNR+j]
			}
		}
	}
	for i := range dgemmMR {
		for j := range dgemmNR {
			v := alpha * acc[i][j]
			if beta != 0 {
				v += beta * cp[i*ldc+j]
			}
			cp[i*ldc+j] = v
		}
	}
}

// dgemmKernelRowsGo is the portable stand-in for the narrow kernels: an
// r×NR tile from the first r rows of a packed A panel.
func dgemmKernelRowsGo(r, k int, a, b, c *float64, ldc int, alpha, beta float64) {
	ap := unsafe.Slice(a, k*dgemmMR)
	bp := unsafe.Slice(b, k*dgemmNR)
	cp := unsafe.Slice(c, (r-1)*ldc+dgemmNR)
	for i := range r {
		var acc [dgemmNR]float64
		for p := range k {
			av := ap[p*dgemmMR+i]
			for j := range dgemmNR {
				acc[j] += av * bp[p*dgemmNR+j]
			}
		}
		for j := range dgemmNR {
			v := alpha * acc[j]
			if beta != 0 {
				v += beta * cp[i*ldc+j]
			}
			cp[i*ldc+j] = v
		}
	}
}

func dgemmKernel1(k int, a, b, c *float64, ldc int, alpha, beta float64) {
	dgemmKernelRowsGo(1, k, a, b, c, ldc, alpha, beta)
}

func dgemmKernel2(k int, a, b, c *float64, ldc int, alpha, beta float64) {
	dgemmKernelRowsGo(2, k, a, b, c, ldc, alpha, beta)
}

func dgemmKernel3(k int, a, b, c *float64, ldc int, alpha, beta float64) {
	dgemmKernelRowsGo(3, k, a, b, c, ldc, alpha, beta)
}

func dgemmKernel4(k int, a, b, c *float64, ldc int, alpha, beta float64) {
	dgemmKernelRowsGo(4, k, a, b, c, ldc, alpha, beta)
}

func dgemmPackA6(d, a []float64, lda, kc int) { dgemmPackA6Go(d, a, lda, kc) }

func dgemmPackAT(d, a []float64, lda, kc, np int) { dgemmPackATGo(d, a, lda, kc, np) }

// dgemmKernel16 is the portable stand-in for the AVX-512 kernel: two MR×NR
// tiles from adjacent B micro-panels bs elements apart.
func dgemmKernel16(k int, a, b *float64, bs int, c *float64, ldc int, alpha, beta float64) {
	dgemmKernel(k, a, b, c, ldc, alpha, beta)
	dgemmKernel(k, a, &unsafe.Slice(b, bs+1)[bs], &unsafe.Slice(c, dgemmNR+1)[dgemmNR], ldc, alpha, beta)
}

// dgemmKernel16U and dgemmKernelU are the portable stand-ins for the
// unpacked-A kernels (never called here: DgemmPacked and Dgemm do not reach
// the blocked driver without the assembly): they pack the MR rows of A into
// a panel on the stack and run the stand-in kernels on it.
func dgemmKernel16U(k int, a *float64, lda int, b *float64, bs int, c *float64, ldc int, alpha, beta float64) {
	var ap [dgemmMR * dgemmKC]float64
	dgemmKernel16(k, dgemmPanelU(ap[:], k, a, lda), b, bs, c, ldc, alpha, beta)
}

func dgemmKernelU(k int, a *float64, lda int, b, c *float64, ldc int, alpha, beta float64) {
	var ap [dgemmMR * dgemmKC]float64
	dgemmKernel(k, dgemmPanelU(ap[:], k, a, lda), b, c, ldc, alpha, beta)
}

// dgemmPanelU packs the MR rows of A (stride lda, k ≤ KC) into ap.
func dgemmPanelU(ap []float64, k int, a *float64, lda int) *float64 {
	if k > dgemmKC {
		panic("gemm: unpacked kernel deeper than KC")
	}
	rows := unsafe.Slice(a, (dgemmMR-1)*lda+k)
	for r := range dgemmMR {
		for p := range k {
			ap[p*dgemmMR+r] = rows[r*lda+p]
		}
	}
	return &ap[0]
}

// dgemmKernelRowsWideGo is the portable stand-in for the wide narrow
// kernels: two r×NR tiles from adjacent B micro-panels bs elements apart.
func dgemmKernelRowsWideGo(r, k int, a, b *float64, bs int, c *float64, ldc int, alpha, beta float64) {
	dgemmKernelRowsGo(r, k, a, b, c, ldc, alpha, beta)
	dgemmKernelRowsGo(r, k, a, &unsafe.Slice(b, bs+1)[bs], &unsafe.Slice(c, dgemmNR+1)[dgemmNR], ldc, alpha, beta)
}

func dgemmKernelW1(k int, a, b *float64, bs int, c *float64, ldc int, alpha, beta float64) {
	dgemmKernelRowsWideGo(1, k, a, b, bs, c, ldc, alpha, beta)
}

func dgemmKernelW2(k int, a, b *float64, bs int, c *float64, ldc int, alpha, beta float64) {
	dgemmKernelRowsWideGo(2, k, a, b, bs, c, ldc, alpha, beta)
}

func dgemmKernelW3(k int, a, b *float64, bs int, c *float64, ldc int, alpha, beta float64) {
	dgemmKernelRowsWideGo(3, k, a, b, bs, c, ldc, alpha, beta)
}

func dgemmKernelW4(k int, a, b *float64, bs int, c *float64, ldc int, alpha, beta float64) {
	dgemmKernelRowsWideGo(4, k, a, b, bs, c, ldc, alpha, beta)
}
