package dsl

import (
	"fmt"
	"unicode"
	"unicode/utf8"
)

// badChar returns the offset of the first character that a spec may not
// contain anywhere, comments and doc comments included, and what is wrong
// with it; ok is false when there is none. src is valid UTF-8.
//
// Rejected are the control characters other than tab, newline and the
// carriage return of a CRLF line end (C0, DEL and C1), and the invisible
// characters that can make text display differently from what it is:
// bidirectional overrides, embeddings, isolates and marks, zero-width
// spaces and joiners, the byte order mark, the soft hyphen and every other
// format character (Unicode category Cf), and the line and paragraph
// separators U+2028 and U+2029. Doc comments are copied into generated Go,
// where such characters could hide code from a reviewer (the "Trojan
// Source" attacks), so they are refused at the source.
func badChar(src []byte) (off int, msg string, ok bool) {
	for i := 0; i < len(src); {
		r, n := utf8.DecodeRune(src[i:])
		if m := charProblem(r, src[i+n:]); m != "" {
			return i, m, true
		}
		i += n
	}
	return 0, "", false
}

// charProblem describes what is wrong with r, followed by rest, in a spec,
// or returns "".
func charProblem(r rune, rest []byte) string {
	switch {
	case r == '\t' || r == '\n':
		return ""
	case r == '\r':
		if len(rest) > 0 && rest[0] == '\n' {
			return ""
		}
		return "carriage return not followed by a newline in file: a .maf spec is plain text with LF or CRLF line ends"
	case r < ' ' || r >= 0x7f && r <= 0x9f:
		return fmt.Sprintf("control character %q in file: a .maf spec is plain text", r)
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069, r == 0x200e, r == 0x200f, r == 0x061c:
		return fmt.Sprintf("bidirectional control character %q in file: it makes text display in another order than it is read; delete it", r)
	case r == 0x2028 || r == 0x2029:
		return fmt.Sprintf("Unicode line separator %q in file: end lines with a newline", r)
	case unicode.Is(unicode.Cf, r):
		return fmt.Sprintf("invisible character %q in file: it hides in text; delete it", r)
	}
	return ""
}
