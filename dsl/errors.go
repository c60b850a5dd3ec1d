package dsl

import (
	"fmt"
	"sort"
	"strings"

	"github.com/alecthomas/participle/v2/lexer"
)

// Error is a positioned error in a .maf file.
type Error struct {
	Pos lexer.Position
	Msg string
}

// Error formats e as file:line:col: msg.
func (e *Error) Error() string {
	if e.Pos.Line == 0 && e.Pos.Filename == "" {
		return e.Msg
	}
	return posString(e.Pos) + ": " + e.Msg
}

// ErrorList is a list of errors, sortable by position (modelled on
// go/scanner.ErrorList).
type ErrorList []*Error

// Add appends an error at pos.
func (l *ErrorList) Add(pos lexer.Position, format string, args ...any) {
	*l = append(*l, &Error{Pos: pos, Msg: fmt.Sprintf(format, args...)})
}

// Len, Less and Swap implement sort.Interface by file, line, column and
// message.
func (l ErrorList) Len() int      { return len(l) }
func (l ErrorList) Swap(i, j int) { l[i], l[j] = l[j], l[i] }
func (l ErrorList) Less(i, j int) bool {
	a, b := l[i].Pos, l[j].Pos
	if a.Filename != b.Filename {
		return a.Filename < b.Filename
	}
	if a.Line != b.Line {
		return a.Line < b.Line
	}
	if a.Column != b.Column {
		return a.Column < b.Column
	}
	return l[i].Msg < l[j].Msg
}

// Sort sorts l by position.
func (l ErrorList) Sort() { sort.Stable(l) }

// RemoveMultiples sorts l and drops repeated errors (same position and
// message).
func (l *ErrorList) RemoveMultiples() {
	l.Sort()
	var out ErrorList
	for i, e := range *l {
		if i > 0 {
			p := (*l)[i-1]
			if p.Pos.Filename == e.Pos.Filename && p.Pos.Line == e.Pos.Line && p.Pos.Column == e.Pos.Column && p.Msg == e.Msg {
				continue
			}
		}
		out = append(out, e)
	}
	*l = out
}

// Error joins the errors, one per line.
func (l ErrorList) Error() string {
	switch len(l) {
	case 0:
		return "no errors"
	case 1:
		return l[0].Error()
	}
	var b strings.Builder
	for i, e := range l {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(e.Error())
	}
	return b.String()
}

// Err returns nil for an empty list and the sorted list otherwise.
func (l ErrorList) Err() error {
	if len(l) == 0 {
		return nil
	}
	l.RemoveMultiples()
	return l
}
