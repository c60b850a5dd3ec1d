package emit

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/dave/jennifer/jen"
)

// elemRef matches an element of a flat buffer in an elementwise loop
// statement: X[k] or X[off+k], where k = b·size + j runs over every element
// of nb samples and off is a local row offset (lo, ta, tab, tyb, ty).
var elemRef = regexp.MustCompile(`\b((?:[wm]\.)?[A-Za-z_][A-Za-z0-9_]*)\[(?:([a-z]+)\+)?k\]`)

// perSampleLoop prints the loop over nb samples of size elements each of
// the statements stmts, written over the flat index k = b·size + j:
//
//	for b := 0; b < nb; b++ {
//		k := b * size
//		aT, ybL, … := a[ta+k:ta+k+size], yb[lo+k:lo+k+size], …
//		for j := 0; j < size; j++ {
//			(stmts with X[off+k] replaced by XO[j])
//		}
//	}
//
// Every buffer a statement reads or writes becomes one slice of constant
// length size per sample, so the compiler proves every index in range and
// the inner loop has no bounds checks; the arithmetic, and with it every
// bit of the results, is the statements'.
func perSampleLoop(size int, stmts []string) jen.Code {
	type ref struct{ base, off string }
	names := map[ref]string{}
	taken := map[string]bool{}
	var order []ref
	name := func(r ref) string {
		if n, ok := names[r]; ok {
			return n
		}
		base := r.base[strings.LastIndexByte(r.base, '.')+1:]
		if strings.HasPrefix(r.base, "w.") && strings.HasSuffix(base, "Q") {
			base = "q" // a stack's squared Jacobian row norms
		}
		suf := map[string]string{"": "V", "lo": "L"}[r.off]
		if suf == "" && r.off != "" {
			suf = "T" // ta, tab, tyb, ty: tangent rows
		}
		n := base + suf
		for i := 2; taken[n]; i++ {
			n = fmt.Sprintf("%s%s%d", base, suf, i)
		}
		taken[n], names[r] = true, n
		order = append(order, r)
		return n
	}
	inner := make([]jen.Code, len(stmts))
	for i, s := range stmts {
		inner[i] = jen.Id(elemRef.ReplaceAllStringFunc(s, func(m string) string {
			sub := elemRef.FindStringSubmatch(m)
			return name(ref{sub[1], sub[2]}) + "[j]"
		}))
	}
	body := []jen.Code{raw("k := b * %d", size)}
	for _, r := range order {
		lo := "k"
		if r.off != "" {
			lo = r.off + "+k"
		}
		body = append(body, raw("%s := %s[%s : %s+%d]", names[r], r.base, lo, lo, size))
	}
	body = append(body, jen.For(raw("j := 0; j < %d; j++", size)).Block(inner...))
	return jen.For(raw("b := 0; b < nb; b++")).Block(body...)
}
