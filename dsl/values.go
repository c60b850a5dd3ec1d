package dsl

import (
	"math"
	"strconv"
	"strings"

	"github.com/alecthomas/participle/v2/lexer"

	"github.com/mafc-dev/mafc/limits"
)

// kind of a constant setting value.
type vkind int

const (
	vBad vkind = iota
	vNum
	vStr
	vIdent
	vCall
	vTuple
	vList
)

// value is a constant expression in a settings block: a number, a string,
// a name, a call with arguments, a tuple or a list.
type value struct {
	pos   lexer.Position
	kind  vkind
	num   float64
	isInt bool
	text  string // literal text, string contents or name
	args  []*argValue
	elems []*value
}

type argValue struct {
	pos  lexer.Position
	name string // "" for positional
	val  *value
}

func (v *value) describe() string {
	switch v.kind {
	case vNum:
		return "number " + v.text
	case vStr:
		return strconv.Quote(v.text)
	case vIdent:
		return strconv.Quote(v.text)
	case vCall:
		return v.text + "(…)"
	case vTuple:
		return "a tuple"
	case vList:
		return "a list"
	}
	return "an invalid value"
}

// constValue evaluates a settings expression. Arithmetic on values is not
// allowed in settings except a leading minus on a number.
func (c *checker) constValue(e *Expr) *value {
	if e == nil {
		return &value{kind: vBad}
	}
	if len(e.Rest) > 0 || len(e.Left.Rest) > 0 {
		c.errs.Add(e.Pos, "expression not allowed here: settings take a number, a name, a string or a call such as adam(lr = 1e-3)")
		return &value{pos: e.Pos, kind: vBad}
	}
	u := e.Left.Left
	v := c.primaryValue(u.Primary)
	if u.Neg {
		if v.kind != vNum {
			c.errs.Add(u.Pos, "cannot negate %s", v.describe())
			return &value{pos: u.Pos, kind: vBad}
		}
		v.num = -v.num
		v.text = "-" + v.text
		v.pos = u.Pos
	}
	return v
}

func (c *checker) primaryValue(p *Primary) *value {
	v := &value{pos: p.Pos}
	switch {
	case p.Number != nil:
		v.kind, v.text = vNum, *p.Number
		n, ok := c.parseNumber(p.Pos, *p.Number)
		if !ok {
			v.kind = vBad
		}
		v.num = n
		v.isInt = n == math.Trunc(n) && math.Abs(n) < 1<<53
	case p.String != nil:
		s, err := strconv.Unquote(*p.String)
		if err != nil {
			c.errs.Add(p.Pos, "invalid string literal %s", *p.String)
			v.kind = vBad
			return v
		}
		v.kind, v.text = vStr, s
	case p.Call != nil:
		v.kind, v.text = vCall, p.Call.Name
		for _, a := range p.Call.Args {
			av := &argValue{pos: a.Pos, val: c.constValue(a.Value)}
			if a.Name != nil {
				av.name = *a.Name
			}
			v.args = append(v.args, av)
		}
	case p.Ident != nil:
		v.kind, v.text = vIdent, *p.Ident
		switch strings.ToLower(*p.Ident) {
		case "nan", "inf", "infinity":
			c.errs.Add(p.Pos, "%q is not a valid number: numbers in a spec must be finite", *p.Ident)
			v.kind = vBad
		}
	case p.Tuple != nil:
		if len(p.Tuple) == 1 {
			return c.constValue(p.Tuple[0])
		}
		v.kind = vTuple
		for _, e := range p.Tuple {
			v.elems = append(v.elems, c.constValue(e))
		}
	case p.List != nil:
		v.kind = vList
		for _, e := range p.List.Elems {
			v.elems = append(v.elems, c.constValue(e))
		}
	default:
		v.kind = vBad
	}
	return v
}

// parseNumber parses a numeric literal, rejecting overflow.
func (c *checker) parseNumber(pos lexer.Position, text string) (float64, bool) {
	n, err := strconv.ParseFloat(text, 64)
	if err != nil || math.IsInf(n, 0) {
		c.errs.Add(pos, "number %s is out of range for float64 (largest is about 1.8e308)", text)
		return 0, false
	}
	if n == 0 && strings.ContainsAny(strings.FieldsFunc(text, func(r rune) bool { return r == 'e' || r == 'E' })[0], "123456789") {
		c.errs.Add(pos, "number %s is too small for float64: it rounds to zero (smallest is about 4.9e-324)", text)
		return 0, false
	}
	return n, true
}

// intIn checks that v is an integer in [lo, hi] and returns it.
func (c *checker) intIn(v *value, what string, lo, hi int) (int, bool) {
	if v.kind == vBad {
		return 0, false
	}
	if v.kind != vNum || !v.isInt {
		c.errs.Add(v.pos, "%s must be an integer in [%d, %d], got %s", what, lo, hi, v.describe())
		return 0, false
	}
	if v.num < float64(lo) || v.num > float64(hi) {
		c.errs.Add(v.pos, "%s must be in [%d, %d], got %s", what, lo, hi, v.text)
		return 0, false
	}
	return int(v.num), true
}

// intR is intIn with a range of package limits.
func (c *checker) intR(v *value, r limits.Int) (int, bool) { return c.intIn(v, r.Name, r.Lo, r.Hi) }

// floatR is floatIn with a range of package limits.
func (c *checker) floatR(v *value, r limits.Float) (float64, bool) {
	return c.floatIn(v, r.Name, r.Lo, r.Hi, r.OpenLo)
}

// floatIn checks that v is a number in the interval and returns it. open
// makes the lower bound exclusive.
func (c *checker) floatIn(v *value, what string, lo, hi float64, openLo bool) (float64, bool) {
	if v.kind == vBad {
		return 0, false
	}
	if v.kind != vNum {
		c.errs.Add(v.pos, "%s must be a number, got %s", what, v.describe())
		return 0, false
	}
	bad := v.num < lo || v.num > hi || (openLo && v.num == lo)
	if bad {
		lb := "["
		if openLo {
			lb = "("
		}
		c.errs.Add(v.pos, "%s must be in %s%s, %s], got %s", what, lb, fmtNum(lo), fmtNum(hi), v.text)
		return 0, false
	}
	return v.num, true
}

// boolValue checks that v is true or false.
func (c *checker) boolValue(v *value, what string) (bool, bool) {
	if v.kind == vIdent && (v.text == "true" || v.text == "false") {
		return v.text == "true", true
	}
	if v.kind != vBad {
		c.errs.Add(v.pos, "%s must be true or false, got %s", what, v.describe())
	}
	return false, false
}

// word checks that v is a bare name or a call (whose name is returned) from
// the allowed list.
func (c *checker) word(v *value, what string, allowed []string) (string, bool) {
	if v.kind == vBad {
		return "", false
	}
	if v.kind != vIdent && v.kind != vCall {
		c.errs.Add(v.pos, "%s must be one of %s, got %s", what, strings.Join(allowed, ", "), v.describe())
		return "", false
	}
	for _, a := range allowed {
		if a == v.text {
			return a, true
		}
	}
	c.errs.Add(v.pos, "unknown %s %q (want one of: %s)", what, v.text, strings.Join(allowed, ", "))
	return "", false
}

// bareWord is word for a value that takes no arguments: a call such as
// rk4(2) is an error.
func (c *checker) bareWord(v *value, what string, allowed []string) (string, bool) {
	w, ok := c.word(v, what, allowed)
	if ok && v.kind == vCall {
		c.errs.Add(v.pos, "%s %s takes no arguments: write %s", what, w, w)
		return "", false
	}
	return w, ok
}

// bindArgs matches a call's positional and named arguments to the parameter
// names, in order. Unknown, repeated and surplus arguments are errors.
// Missing arguments are nil in the result.
func (c *checker) bindArgs(v *value, params ...string) map[string]*value {
	out := map[string]*value{}
	positional := true
	for i, a := range v.args {
		if a.name == "" {
			if !positional {
				c.errs.Add(a.pos, "positional argument after a named one in %s(…)", v.text)
				continue
			}
			if i >= len(params) {
				if len(params) == 0 {
					c.errs.Add(a.pos, "%s takes no arguments", v.text)
				} else {
					c.errs.Add(a.pos, "too many arguments to %s: it takes %s", v.text, strings.Join(params, ", "))
				}
				continue
			}
			out[params[i]] = a.val
			continue
		}
		positional = false
		known := false
		for _, p := range params {
			known = known || p == a.name
		}
		if !known {
			c.errs.Add(a.pos, "unknown argument %q to %s (want one of: %s)", a.name, v.text, strings.Join(params, ", "))
			continue
		}
		if _, dup := out[a.name]; dup {
			c.errs.Add(a.pos, "argument %q given twice to %s", a.name, v.text)
			continue
		}
		out[a.name] = a.val
	}
	return out
}

func fmtNum(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }
