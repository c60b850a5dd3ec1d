//go:build !amd64 || noasm

package gemm

import "unsafe"

// haveAsm is false: without the amd64 assembly every call goes to gonum.
var haveAsm = false

// dgemmKernel is a portable stand-in with the semantics of the assembly
// kernel in kernel_amd64.s. It is never selected while haveAsm is false; it
// only keeps the driver compiling on every platform.
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

// sgemmKernel is the float32 counterpart of dgemmKernel.
func sgemmKernel(k int, a, b, c *float32, ldc int, alpha, beta float32) {
	ap := unsafe.Slice(a, k*sgemmMR)
	bp := unsafe.Slice(b, k*sgemmNR)
	cp := unsafe.Slice(c, (sgemmMR-1)*ldc+sgemmNR)
	var acc [sgemmMR][sgemmNR]float32
	for p := range k {
		for i := range sgemmMR {
			av := ap[p*sgemmMR+i]
			for j := range sgemmNR {
				acc[i][j] += av * bp[p*sgemmNR+j]
			}
		}
	}
	for i := range sgemmMR {
		for j := range sgemmNR {
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

// sgemmKernelRowsGo is the float32 counterpart of dgemmKernelRowsGo.
func sgemmKernelRowsGo(r, k int, a, b, c *float32, ldc int, alpha, beta float32) {
	ap := unsafe.Slice(a, k*sgemmMR)
	bp := unsafe.Slice(b, k*sgemmNR)
	cp := unsafe.Slice(c, (r-1)*ldc+sgemmNR)
	for i := range r {
		var acc [sgemmNR]float32
		for p := range k {
			av := ap[p*sgemmMR+i]
			for j := range sgemmNR {
				acc[j] += av * bp[p*sgemmNR+j]
			}
		}
		for j := range sgemmNR {
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

func sgemmKernel1(k int, a, b, c *float32, ldc int, alpha, beta float32) {
	sgemmKernelRowsGo(1, k, a, b, c, ldc, alpha, beta)
}

func sgemmKernel2(k int, a, b, c *float32, ldc int, alpha, beta float32) {
	sgemmKernelRowsGo(2, k, a, b, c, ldc, alpha, beta)
}

func sgemmKernel3(k int, a, b, c *float32, ldc int, alpha, beta float32) {
	sgemmKernelRowsGo(3, k, a, b, c, ldc, alpha, beta)
}

func sgemmKernel4(k int, a, b, c *float32, ldc int, alpha, beta float32) {
	sgemmKernelRowsGo(4, k, a, b, c, ldc, alpha, beta)
}

func dgemmPackA6(d, a []float64, lda, kc int) { dgemmPackA6Go(d, a, lda, kc) }

func sgemmPackA6(d, a []float32, lda, kc int) { sgemmPackA6Go(d, a, lda, kc) }

func dgemmPackAT(d, a []float64, lda, kc, np int) { dgemmPackATGo(d, a, lda, kc, np) }

func sgemmPackAT(d, a []float32, lda, kc, np int) { sgemmPackATGo(d, a, lda, kc, np) }

// haveWide and useWide are false: the wide kernels below only keep the
// driver compiling.
var haveWide, useWide = false, false

// dgemmKernel16 is the portable stand-in for the AVX-512 kernel: two 6×8
// tiles from adjacent B micro-panels bs elements apart.
func dgemmKernel16(k int, a, b *float64, bs int, c *float64, ldc int, alpha, beta float64) {
	dgemmKernel(k, a, b, c, ldc, alpha, beta)
	dgemmKernel(k, a, &unsafe.Slice(b, bs+1)[bs], &unsafe.Slice(c, dgemmNR+1)[dgemmNR], ldc, alpha, beta)
}

// sgemmKernel32 is the float32 counterpart of dgemmKernel16.
func sgemmKernel32(k int, a, b *float32, bs int, c *float32, ldc int, alpha, beta float32) {
	sgemmKernel(k, a, b, c, ldc, alpha, beta)
	sgemmKernel(k, a, &unsafe.Slice(b, bs+1)[bs], &unsafe.Slice(c, sgemmNR+1)[sgemmNR], ldc, alpha, beta)
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

// sgemmKernelRowsWideGo is the portable stand-in for the wide narrow
// kernels: two r×NR tiles from adjacent B micro-panels bs elements apart.
func sgemmKernelRowsWideGo(r, k int, a, b *float32, bs int, c *float32, ldc int, alpha, beta float32) {
	sgemmKernelRowsGo(r, k, a, b, c, ldc, alpha, beta)
	sgemmKernelRowsGo(r, k, a, &unsafe.Slice(b, bs+1)[bs], &unsafe.Slice(c, sgemmNR+1)[sgemmNR], ldc, alpha, beta)
}

func sgemmKernelW1(k int, a, b *float32, bs int, c *float32, ldc int, alpha, beta float32) {
	sgemmKernelRowsWideGo(1, k, a, b, bs, c, ldc, alpha, beta)
}

func sgemmKernelW2(k int, a, b *float32, bs int, c *float32, ldc int, alpha, beta float32) {
	sgemmKernelRowsWideGo(2, k, a, b, bs, c, ldc, alpha, beta)
}

func sgemmKernelW3(k int, a, b *float32, bs int, c *float32, ldc int, alpha, beta float32) {
	sgemmKernelRowsWideGo(3, k, a, b, bs, c, ldc, alpha, beta)
}

func sgemmKernelW4(k int, a, b *float32, bs int, c *float32, ldc int, alpha, beta float32) {
	sgemmKernelRowsWideGo(4, k, a, b, bs, c, ldc, alpha, beta)
}
