//go:build amd64 && !noasm

package kern

import "golang.org/x/sys/cpu"

//go:generate go run gen_act_amd64.go

// useActAsm selects the AVX kernels of the activations' elementwise loops
// (act_amd64.s); a variable so that tests can force the portable loops.
var useActAsm = cpu.X86.HasAVX

// The argument structs of the kernels: the slices' first elements (nil
// where the flags leave a slice out), the element count and the flags.
type (
	actFwdArgs64 struct {
		yL, yT, d1, d2, aL, aT, q *float64
		n, f                      int
	}
	actFwdArgs32 struct {
		yL, yT, d1, d2, aL, aT, q *float32
		n, f                      int
	}
	actRevValueArgs64 struct {
		ab, d1, d2, d3, yb, aT, ybT, aL, q, ybL, rd *float64
		n, f                                        int
	}
	actRevValueArgs32 struct {
		ab, d1, d2, d3, yb, aT, ybT, aL, q, ybL, rd *float32
		n, f                                        int
	}
	actRevTangentArgs64 struct {
		abT, abL, e, d1, d2, ybT, ybL *float64
		n, f                          int
	}
	actRevTangentArgs32 struct {
		abT, abL, e, d1, d2, ybT, ybL *float32
		n, f                          int
	}
)

//go:noescape
func actFwd64(a *actFwdArgs64)

//go:noescape
func actFwd32(a *actFwdArgs32)

//go:noescape
func actRevValue64(a *actRevValueArgs64)

//go:noescape
func actRevValue32(a *actRevValueArgs32)

//go:noescape
func actRevTangent64(a *actRevTangentArgs64)

//go:noescape
func actRevTangent32(a *actRevTangentArgs32)

// lanes rounds n down to whole YMM registers of T.
func lanes[T Float](n int) int {
	if is64[T]() {
		return n &^ 3
	}
	return n &^ 7
}

// p64 and p32 are the addresses of a slice's first element, nil for an
// empty slice.
func p64[T Float](s []T) *float64 {
	if len(s) == 0 {
		return nil
	}
	return &as64(s)[0]
}

func p32[T Float](s []T) *float32 {
	if len(s) == 0 {
		return nil
	}
	return &as32(s)[0]
}

// actFwdAsm runs ActFwd's kernel over the first n elements rounded down to
// whole registers and returns how many it did.
func actFwdAsm[T Float](yL, yT, d1, d2, aL, aT, q []T, n, f int) int {
	n = lanes[T](n)
	if n == 0 {
		return 0
	}
	if is64[T]() {
		actFwd64(&actFwdArgs64{p64(yL), p64(yT), p64(d1), p64(d2), p64(aL), p64(aT), p64(q), n, f})
	} else {
		actFwd32(&actFwdArgs32{p32(yL), p32(yT), p32(d1), p32(d2), p32(aL), p32(aT), p32(q), n, f})
	}
	return n
}

// actRevValueAsm runs ActRevValue's kernel likewise.
func actRevValueAsm[T Float](ab, d1, d2, d3, yb, aT, ybT, aL, q, ybL, rd []T, n, f int) int {
	n = lanes[T](n)
	if n == 0 {
		return 0
	}
	if is64[T]() {
		actRevValue64(&actRevValueArgs64{p64(ab), p64(d1), p64(d2), p64(d3), p64(yb), p64(aT), p64(ybT), p64(aL), p64(q), p64(ybL), p64(rd), n, f})
	} else {
		actRevValue32(&actRevValueArgs32{p32(ab), p32(d1), p32(d2), p32(d3), p32(yb), p32(aT), p32(ybT), p32(aL), p32(q), p32(ybL), p32(rd), n, f})
	}
	return n
}

// actRevTangentAsm runs ActRevTangent's kernel likewise.
func actRevTangentAsm[T Float](abT, abL, e, d1, d2, ybT, ybL []T, n, f int) int {
	n = lanes[T](n)
	if n == 0 {
		return 0
	}
	if is64[T]() {
		actRevTangent64(&actRevTangentArgs64{p64(abT), p64(abL), p64(e), p64(d1), p64(d2), p64(ybT), p64(ybL), n, f})
	} else {
		actRevTangent32(&actRevTangentArgs32{p32(abT), p32(abL), p32(e), p32(d1), p32(d2), p32(ybT), p32(ybL), n, f})
	}
	return n
}

//go:noescape
func poolSum64(o, x *float64, S, C, C4 int)

//go:noescape
func poolSum32(o, x *float32, S, C, C4 int)

//go:noescape
func poolAdd64(x, o *float64, f float64, S, C, C4 int)

//go:noescape
func poolAdd32(x, o *float32, f float32, S, C, C4 int)

// poolSumAsm runs PoolSum's kernel on one field's channels in whole
// registers and returns how many channels it did.
func poolSumAsm[T Float](o, x []T, S, C int) int {
	C4 := lanes[T](C)
	if C4 == 0 || S == 0 {
		return 0
	}
	if is64[T]() {
		poolSum64(p64(o), p64(x), S, C, C4)
	} else {
		poolSum32(p32(o), p32(x), S, C, C4)
	}
	return C4
}

// poolAddAsm runs PoolAdd's kernel likewise.
func poolAddAsm[T Float](x, o []T, f T, S, C int) int {
	C4 := lanes[T](C)
	if C4 == 0 || S == 0 {
		return 0
	}
	if is64[T]() {
		poolAdd64(p64(x), p64(o), float64(f), S, C, C4)
	} else {
		poolAdd32(p32(x), p32(o), float32(f), S, C, C4)
	}
	return C4
}
