package emit

import (
	"fmt"
	"strconv"
)

// Printing arithmetic folded. The emitter writes integer index arithmetic
// (row offsets, counts, slice bounds) with the constants multiplied out, no
// multiplication by 1 and no addition of 0, as a person would write it:
// integer arithmetic is exact in any order, so folding changes nothing.
// Floating-point expressions are printed as written, except that a product
// with the constant 1 is dropped (x·1 = x exactly, for every x); x·0 is
// never folded (it is NaN for x = ±Inf or NaN).

// times returns the integer expression sym·k: "0", sym, or "sym*k".
func times(sym string, k int) string {
	switch k {
	case 0:
		return "0"
	case 1:
		return sym
	}
	return sym + "*" + strconv.Itoa(k)
}

// nbRows returns k·nb, the row of k rows per sample in a chunk of nb
// samples (or the number of such rows): "0", "nb" or "k*nb".
func nbRows(k int) string {
	switch k {
	case 0:
		return "0"
	case 1:
		return "nb"
	}
	return strconv.Itoa(k) + "*nb"
}

// plus returns the integer expression a + b, dropping an operand "0".
func plus(a, b string) string {
	switch {
	case a == "0":
		return b
	case b == "0":
		return a
	}
	return a + "+" + b
}

// scaled returns the floating-point expression f·x, or x when f is 1.
func (g *gen) scaled(f float64, x string) string {
	if f == 1 {
		return x
	}
	return fmt.Sprintf("%s * %s", g.fmtFloat(f), x)
}

// nbHead returns buf[:nb·k], the first nb·k elements of a buffer.
func nbHead(buf string, k int) string {
	return buf + "[:" + times("nb", k) + "]"
}

// mulFloat returns the floating-point product x·y, or x when y is the
// constant 1 (exact).
func mulFloat(x, y string) string {
	if y == "1" {
		return x
	}
	return x + "*" + y
}

// toAPI converts a kernel-precision expression to the API's float64
// (nothing to convert in float64 kernels).
func (g *gen) toAPI(e string) string {
	if g.is32 {
		return "float64(" + e + ")"
	}
	return e
}

// chunkLen returns the length of a workspace buffer holding, per sample,
// cRows rows of a chunk of c samples or cvRows rows of a value chunk of cv
// samples, whichever is more, of sz numbers each: max(c·cRows, cv·cvRows)·sz,
// folded (c and cv are at least 1, so a term with no rows drops out of the
// max).
func chunkLen(cRows, cvRows, sz int) string {
	var e string
	switch {
	case cRows == 0 && cvRows == 0:
		return "0"
	case cvRows == 0:
		e = times("c", cRows)
	case cRows == 0:
		e = times("cv", cvRows)
	default:
		e = fmt.Sprintf("max(%s, %s)", times("c", cRows), times("cv", cvRows))
	}
	return times(e, sz)
}
