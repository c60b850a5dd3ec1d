package emit

import (
	"strings"
	"unicode"
)

// goName turns a DSL node name such as "h.dense" into a Go identifier such
// as "hDense", escaping Go keywords and predeclared names. It is the single
// place where DSL identifiers become Go identifiers.
func goName(s string) string {
	parts := strings.FieldsFunc(s, func(r rune) bool { return r == '.' || r == '_' })
	var b strings.Builder
	for i, p := range parts {
		if i > 0 {
			r := []rune(p)
			r[0] = unicode.ToUpper(r[0])
			p = string(r)
		}
		b.WriteString(p)
	}
	out := b.String()
	if out == "" {
		out = "v"
	}
	if reserved[out] {
		out += "_"
	}
	return out
}

// exported capitalises a Go identifier.
func exported(s string) string {
	r := []rune(s)
	r[0] = unicode.ToUpper(r[0])
	return string(r)
}

var reserved = map[string]bool{
	"break": true, "case": true, "chan": true, "const": true, "continue": true, "default": true,
	"defer": true, "else": true, "fallthrough": true, "for": true, "func": true, "go": true,
	"goto": true, "if": true, "import": true, "interface": true, "map": true, "package": true,
	"range": true, "return": true, "select": true, "struct": true, "switch": true, "type": true,
	"var": true, "any": true, "bool": true, "byte": true, "cap": true, "clear": true, "close": true,
	"complex": true, "copy": true, "delete": true, "error": true, "false": true, "float32": true,
	"float64": true, "imag": true, "int": true, "len": true, "make": true, "max": true, "min": true,
	"new": true, "nil": true, "panic": true, "print": true, "println": true, "real": true,
	"recover": true, "string": true, "true": true, "uint": true, "iota": true,
	// names the generated code uses itself
	"m": true, "w": true, "ws": true, "nb": true, "b": true, "j": true, "rows": true, "mat": true,
	"kern": true, "blas": true, "blas64": true, "blas32": true, "math": true, "runtime": true, "ir": true,
}
