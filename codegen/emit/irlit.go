package emit

import (
	"encoding/json"
	"strconv"
	"strings"
	"unicode/utf16"

	"github.com/dave/jennifer/jen"
)

// irLiteral returns the program the package was generated from as a Go raw
// string literal of its indented JSON, one field per line, so that a change
// of the spec shows as a readable diff of the generated file. It decodes to
// the same program as the compact encoding (ir.Program.Encode): JSON
// ignores the indentation, and the runes a raw string cannot hold or that
// should not appear raw in source (the backquote, carriage return, byte
// order mark, control and other non-printing characters) appear only inside
// JSON strings, where they are written as \u escapes of themselves.
func (g *gen) irLiteral() jen.Code {
	js, err := json.MarshalIndent(g.full, "", "\t")
	if err != nil {
		panic("emit: " + err.Error())
	}
	var b strings.Builder
	b.WriteString("`\n")
	for _, r := range string(js) {
		if r == '\n' || r == '\t' || r != '`' && r != '\uFEFF' && strconv.IsPrint(r) {
			b.WriteRune(r)
			continue
		}
		if r > 0xFFFF {
			r1, r2 := utf16.EncodeRune(r)
			b.WriteString(jsonEscape(r1) + jsonEscape(r2))
			continue
		}
		b.WriteString(jsonEscape(r))
	}
	b.WriteString("\n`")
	return jen.Id(b.String())
}

// jsonEscape returns the JSON escape \uXXXX of a rune in the BMP.
func jsonEscape(r rune) string {
	s := strconv.FormatInt(int64(r), 16)
	return `\u` + strings.Repeat("0", 4-len(s)) + s
}
