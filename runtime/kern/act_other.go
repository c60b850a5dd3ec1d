//go:build !amd64 || noasm

package kern

// useActAsm is false: without the amd64 assembly the activations'
// elementwise loops run the portable Go code.
var useActAsm = false

func actFwdAsm[T Float](yL, yT, d1, d2, aL, aT, q []T, n, f int) int { return 0 }

func actRevValueAsm[T Float](ab, d1, d2, d3, yb, aT, ybT, aL, q, ybL, rd []T, n, f int) int {
	return 0
}

func actRevTangentAsm[T Float](abT, abL, e, d1, d2, ybT, ybL []T, n, f int) int { return 0 }

func poolSumAsm[T Float](o, x []T, S, C int) int { return 0 }

func poolAddAsm[T Float](x, o []T, f T, S, C int) int { return 0 }
