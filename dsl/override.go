package dsl

import (
	"errors"
	"fmt"
	"reflect"
	"strings"

	"github.com/alecthomas/participle/v2/lexer"
)

// Override is one setting given on the command line as PATH=VALUE (mafc's
// -set flag), for example train.objective.T=2.5 or flow.steps=20.
//
// PATH starts with a block (flow, train, init, symmetry) and a statement of
// that block; further elements walk into the statement's value, a call such
// as variational(ising(L = 16, T = critical)): each names an argument
// (T), or a call among the arguments (ising) to narrow the search. An
// argument not named in the spec is added to the innermost call of the
// value's chain of single nested calls (T goes into ising(...)), and a
// statement or block not in the spec is added. VALUE is written as in a
// spec. The result is checked like the spec itself; errors name the
// override.
type Override struct {
	Path  []string
	Value string
	Text  string // PATH=VALUE as given
}

// MaxOverrides bounds the number of overrides of one command.
const MaxOverrides = 64

// ParseOverride parses PATH=VALUE.
func ParseOverride(s string) (Override, error) {
	path, value, ok := strings.Cut(s, "=")
	if !ok || strings.TrimSpace(value) == "" {
		return Override{}, fmt.Errorf("-set %q: want PATH=VALUE, for example -set train.steps=500 or -set train.objective.T=2.5", s)
	}
	if len(s) > 4096 {
		return Override{}, fmt.Errorf("-set: %d bytes, more than the limit of 4096", len(s))
	}
	segs := strings.Split(strings.TrimSpace(path), ".")
	for _, seg := range segs {
		if !isIdent(seg) {
			return Override{}, fmt.Errorf("-set %q: %q is not a setting name (want names joined by dots, such as train.optimizer.lr)", s, seg)
		}
	}
	if len(segs) < 2 {
		return Override{}, fmt.Errorf("-set %q: name a block and a setting, such as train.steps or flow.dt", s)
	}
	return Override{Path: segs, Value: value, Text: s}, nil
}

func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		switch {
		case r == '_', 'a' <= r && r <= 'z', 'A' <= r && r <= 'Z':
		case '0' <= r && r <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}

// ApplyOverrides replaces (or adds) the settings named by ovs in f, a file
// from [Parse]. The values are parsed as spec expressions; their positions
// name the override ("-set train.steps=500"), so the checker's errors about
// them point at the flag. Check the result with [Check].
func ApplyOverrides(f *File, ovs []Override) error {
	if len(ovs) > MaxOverrides {
		return fmt.Errorf("-set given %d times, more than the limit of %d", len(ovs), MaxOverrides)
	}
	var errs ErrorList
	for _, ov := range ovs {
		if err := applyOverride(f, ov); err != nil {
			errs.Add(lexer.Position{Filename: "-set " + ov.Text}, "%v", err)
		}
	}
	return errs.Err()
}

func applyOverride(f *File, ov Override) error {
	kind, name := ov.Path[0], ov.Path[1]
	if kind == "potential" {
		return fmt.Errorf("the potential is the network, not a setting: edit the spec")
	}
	val, err := parseValue(ov)
	if err != nil {
		return err
	}
	var block *Block
	for _, d := range f.Decls {
		if d.Block != nil && d.Block.Kind == kind {
			block = d.Block
			break
		}
	}
	if block == nil {
		if len(ov.Path) > 2 {
			return fmt.Errorf("the spec has no %s block to look for %s in", kind, strings.Join(ov.Path[1:], "."))
		}
		block = &Block{Pos: val.Pos, Kind: kind}
		f.Decls = append(f.Decls, &Decl{Pos: val.Pos, Block: block})
	}
	var stmt *Stmt
	for _, s := range block.Stmts {
		if s.Name == name {
			stmt = s
			break
		}
	}
	if stmt == nil || stmt.Value == nil {
		if len(ov.Path) > 2 {
			return fmt.Errorf("the %s block has no %s to look for %s in", kind, name, strings.Join(ov.Path[2:], "."))
		}
		if stmt == nil {
			stmt = &Stmt{Pos: val.Pos, Name: name}
			block.Stmts = append(block.Stmts, stmt)
		}
		stmt.Value = val
		return nil
	}
	if len(ov.Path) == 2 {
		stmt.Value = val
		return nil
	}
	return setIn(stmt.Value, ov.Path[2:], val, kind+"."+name)
}

// setIn sets the argument named by path inside expression e (a call).
func setIn(e *Expr, path []string, val *Expr, where string) error {
	call := callOf(e)
	if call == nil {
		return fmt.Errorf("%s is not a call with arguments, so it has no %s", where, path[0])
	}
	seg := path[0]
	for _, a := range call.Args {
		if a.Name != nil && *a.Name == seg {
			if len(path) == 1 {
				a.Value = val
				return nil
			}
			return setIn(a.Value, path[1:], val, where+"."+seg)
		}
	}
	for _, a := range call.Args {
		if c := callOf(a.Value); c != nil && c.Name == seg {
			if len(path) == 1 {
				return fmt.Errorf("%s.%s is a call: name one of its arguments", where, seg)
			}
			return setIn(a.Value, path[1:], val, where+"."+seg)
		}
	}
	// Not here: look in the nested calls, where it must be unique.
	var found []*Arg
	var walk func(c *Call)
	walk = func(c *Call) {
		for _, a := range c.Args {
			if a.Name != nil && *a.Name == seg {
				found = append(found, a)
			}
			if n := callOf(a.Value); n != nil {
				walk(n)
			}
		}
	}
	walk(call)
	switch {
	case len(found) > 1:
		return fmt.Errorf("%s has %d arguments named %s: name the call too (for example %s.CALL.%s)", where, len(found), seg, where, seg)
	case len(found) == 1 && len(path) == 1:
		found[0].Value = val
		return nil
	case len(found) == 1:
		return setIn(found[0].Value, path[1:], val, where+"."+seg)
	case len(path) > 1:
		return fmt.Errorf("%s has no argument or call named %s", where, seg)
	}
	// Add it to the innermost call of the chain of single nested calls.
	for {
		var next *Call
		for _, a := range call.Args {
			if c := callOf(a.Value); c != nil {
				if next != nil {
					return fmt.Errorf("%s has no argument %s and several calls it could go into: name the call (for example %s.CALL.%s)", where, seg, where, seg)
				}
				next = c
			}
		}
		if next == nil {
			break
		}
		call = next
	}
	name := seg
	call.Args = append(call.Args, &Arg{Pos: val.Pos, Name: &name, Value: val})
	return nil
}

// callOf returns the call that e consists of, or nil.
func callOf(e *Expr) *Call {
	if e == nil || len(e.Rest) > 0 || e.Left == nil || len(e.Left.Rest) > 0 || e.Left.Left == nil || e.Left.Left.Neg {
		return nil
	}
	return e.Left.Left.Primary.Call
}

// parseValue parses the value of ov as a spec expression whose nodes are
// all positioned at the override.
func parseValue(ov Override) (*Expr, error) {
	src := "train {\n__value = " + ov.Value + "\n}\n"
	f, err := Parse("-set", []byte(src))
	if err != nil {
		var el ErrorList
		if errors.As(err, &el) && len(el) > 0 {
			return nil, fmt.Errorf("value %q: %s", ov.Value, el[0].Msg)
		}
		return nil, fmt.Errorf("value %q: %v", ov.Value, err)
	}
	if len(f.Decls) != 1 || f.Decls[0].Block == nil || len(f.Decls[0].Block.Stmts) != 1 || f.Decls[0].Block.Stmts[0].Value == nil {
		return nil, fmt.Errorf("value %q is not one expression", ov.Value)
	}
	e := f.Decls[0].Block.Stmts[0].Value
	setPositions(reflect.ValueOf(e), lexer.Position{Filename: "-set " + ov.Text})
	return e, nil
}

var posType = reflect.TypeOf(lexer.Position{})

// setPositions sets every lexer.Position reachable from v to pos.
func setPositions(v reflect.Value, pos lexer.Position) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			setPositions(v.Elem(), pos)
		}
	case reflect.Slice:
		for i := 0; i < v.Len(); i++ {
			setPositions(v.Index(i), pos)
		}
	case reflect.Struct:
		if v.Type() == posType {
			v.Set(reflect.ValueOf(pos))
			return
		}
		for i := 0; i < v.NumField(); i++ {
			if f := v.Field(i); f.CanSet() {
				setPositions(f, pos)
			}
		}
	}
}
