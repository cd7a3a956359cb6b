package listen

import (
	"errors"
	"fmt"
	"math/big"
	"regexp"
	"regexp/syntax"
	"strings"

	"github.com/tidwall/gjson"
	"github.com/tidwall/pretty"
	"github.com/wsx-cli/wsx/format"
)

// Filter is one `--filter EXPR` test on JSON messages.
//
// EXPR is `PATH` (the path exists, even when its value is null or false) or
// `PATH OP V` with OP one of ==, !=, >, >=, <, <=, =~. PATH is a gjson path;
// the expression is split at the first operator that is not escaped and not
// inside parentheses, brackets, braces, quotes or backquotes, so
// `items.#(id>2).name==x` and `a\.b==1` work. Spaces around the operator and
// around V are dropped; quote V to keep them.
//
// V compares as JSON: when V parses as JSON (a number, true, false, null, a
// "quoted string", an object or an array) it is that value, otherwise it is a
// bare string (`type==message` is the string "message", `n=="1"` the string
// "1").
//
//   - == and != : a number field equals a number V by value, exactly, however
//     large or precise (1.0 == 1, 1e2 == 100); a string field equals a string V
//     by decoded value ("caf\u00e9" == café); true, false and null equal
//     themselves; objects and arrays compare by their compact JSON text. A
//     string never equals a number ("1" != 1).
//   - >, >=, <, <= need a number V and match only number fields, exactly.
//   - =~ is a Go (RE2) regexp, unanchored, matched against the text --select
//     would print: a string field's decoded value, or the compact JSON text of
//     any other value. A quoted V is decoded first (`a=~"^x "`).
//   - A path that does not exist never matches, except with !=, which then
//     matches (like jq's `.a != 1` when there is no a).
//   - A message that is not valid JSON never matches, not even with !=.
//     Valid means format.ValidJSON: a message nested deeper than
//     format.MaxJSONDepth counts as not JSON, so it never reaches gjson,
//     whose validator and paths recurse and would overflow the stack.
type Filter struct {
	expr string
	path string
	op   string // "" (exists) or one of filterOps
	want filterValue
	re   *regexp.Regexp
}

// filterOps are the operators, two-character ones before the one-character
// ones they start with.
var filterOps = []string{"==", "!=", "=~", ">=", "<=", ">", "<"}

// filterValue is a parsed V: exactly one of its forms, by kind.
type filterValue struct {
	kind gjson.Type // gjson.JSON for objects and arrays
	str  string     // decoded string (kind String)
	num  filterNum  // kind Number
	json string     // compact text (kind JSON)
}

// ParseFilter reads one --filter expression. Errors are one line and name the
// expression: `invalid filter "x>": missing value after >`.
func ParseFilter(expr string) (*Filter, error) {
	f, err := filterParse(expr)
	if err != nil {
		return nil, fmt.Errorf("invalid filter %q: %s", expr, err)
	}
	return f, nil
}

func filterParse(expr string) (*Filter, error) {
	at, op := filterSplit(expr)
	path, value := expr, ""
	if op != "" {
		path, value = expr[:at], strings.TrimSpace(expr[at+len(op):])
	}
	path = filterTrimPath(path)
	if path == "" {
		return nil, errors.New("missing path")
	}
	if err := filterCheckPath(path); err != nil {
		return nil, err
	}
	f := &Filter{expr: expr, path: path, op: op}
	if op == "" {
		return f, nil
	}
	if op == "=" {
		return nil, errors.New("single = is not an operator (did you mean ==?)")
	}
	if value == "" {
		return nil, fmt.Errorf("missing value after %s", op)
	}
	f.want = filterParseValue(value)
	switch op {
	case "=~":
		src := value
		if f.want.kind == gjson.String && value[0] == '"' {
			src = f.want.str
		}
		re, err := regexp.Compile(src)
		if err != nil {
			return nil, fmt.Errorf("bad regexp: %s", filterRegexpError(err))
		}
		f.re = re
	case ">", ">=", "<", "<=":
		if f.want.kind != gjson.Number {
			return nil, fmt.Errorf("%s needs a number, got %q", op, value)
		}
	}
	return f, nil
}

// filterSplit finds the first operator in expr that is outside nesting and
// quotes and not escaped. It returns its index and text, "=" for a lone =
// (an error for the caller), or "" when there is none.
func filterSplit(expr string) (int, string) {
	depth := 0
	for i := 0; i < len(expr); i++ {
		switch c := expr[i]; c {
		case '\\', '"', '`':
			next := filterSkip(expr, i)
			if next < 0 {
				return 0, "" // unclosed: the path check reports it
			}
			i = next - 1
		case '(', '[', '{':
			depth++
		case ')', ']', '}':
			if depth > 0 {
				depth--
			}
		case '=', '!', '>', '<':
			if depth > 0 {
				continue
			}
			for _, op := range filterOps {
				if strings.HasPrefix(expr[i:], op) {
					return i, op
				}
			}
			if c == '=' {
				return i, "="
			}
		}
	}
	return 0, ""
}

// filterSkip returns the index just past the escape, "quoted string" or
// `backquoted part` that starts at s[i], or -1 when it does not end.
func filterSkip(s string, i int) int {
	switch s[i] {
	case '\\':
		if i+1 < len(s) {
			return i + 2
		}
	case '`':
		if j := strings.IndexByte(s[i+1:], '`'); j >= 0 {
			return i + 1 + j + 1
		}
	case '"':
		for j := i + 1; j < len(s); j++ {
			switch s[j] {
			case '\\':
				j++
			case '"':
				return j + 1
			}
		}
	}
	return -1
}

// filterTrimPath drops spaces around a path, keeping an escaped final space.
func filterTrimPath(p string) string {
	p = strings.TrimLeft(p, " \t\r\n")
	for len(p) > 0 && strings.IndexByte(" \t\r\n", p[len(p)-1]) >= 0 && !filterEscaped(p, len(p)-1) {
		p = p[:len(p)-1]
	}
	return p
}

// filterEscaped reports whether s[i] follows an odd run of backslashes.
func filterEscaped(s string, i int) bool {
	n := 0
	for i > 0 && s[i-1] == '\\' {
		n++
		i--
	}
	return n%2 == 1
}

// filterCheckPath rejects paths gjson cannot mean: unbalanced nesting or
// quotes, a dangling escape, a jq-style leading dot, a trailing . or |.
func filterCheckPath(p string) error {
	if p[0] == '.' && !strings.HasPrefix(p, "..") {
		return errors.New("path starts with . (gjson paths have no leading dot)")
	}
	if last := p[len(p)-1]; (last == '.' || last == '|') && !filterEscaped(p, len(p)-1) {
		return fmt.Errorf("path ends with %c", last)
	}
	var open []byte
	for i := 0; i < len(p); i++ {
		switch c := p[i]; c {
		case '\\', '"', '`':
			next := filterSkip(p, i)
			if next < 0 && c == '\\' {
				return errors.New(`path ends with \`)
			}
			if next < 0 {
				return fmt.Errorf("unclosed %c in path", c)
			}
			i = next - 1
		case '(', '[', '{':
			open = append(open, c)
		case ')', ']', '}':
			if len(open) == 0 || filterCloser(open[len(open)-1]) != c {
				return fmt.Errorf("unmatched %c in path", c)
			}
			open = open[:len(open)-1]
		}
	}
	if len(open) > 0 {
		return fmt.Errorf("unclosed %c in path", open[len(open)-1])
	}
	return nil
}

func filterCloser(open byte) byte {
	switch open {
	case '(':
		return ')'
	case '[':
		return ']'
	}
	return '}'
}

// filterRegexpError is err on one line, without Go's "error parsing regexp"
// prefix: `missing closing ]: "["`.
func filterRegexpError(err error) string {
	var se *syntax.Error
	if errors.As(err, &se) {
		return fmt.Sprintf("%s: %q", se.Code, se.Expr)
	}
	return strings.ReplaceAll(err.Error(), "\n", `\n`)
}

// filterParseValue reads V as JSON when it is JSON (by format.ValidJSON,
// as messages are), else as a bare string.
func filterParseValue(v string) filterValue {
	if !format.ValidJSON([]byte(v)) {
		return filterValue{kind: gjson.String, str: v}
	}
	r := gjson.Parse(v)
	switch r.Type {
	case gjson.String:
		return filterValue{kind: gjson.String, str: r.Str}
	case gjson.Number:
		n, _ := filterParseNum(r.Raw)
		return filterValue{kind: gjson.Number, num: n}
	case gjson.JSON:
		return filterValue{kind: gjson.JSON, json: string(pretty.Ugly([]byte(r.Raw)))}
	}
	return filterValue{kind: r.Type} // True, False, Null
}

// Match reports whether msg, the bytes of a text message, holds the test.
// A message that is not valid JSON (format.ValidJSON) never matches.
func (f *Filter) Match(msg []byte) bool {
	return format.ValidJSON(msg) && f.match(msg)
}

// match is Match on a message already known to be valid JSON, and so
// nested at most format.MaxJSONDepth deep: gjson recurses on it.
func (f *Filter) match(msg []byte) bool {
	r := gjson.GetBytes(msg, f.path)
	if !r.Exists() {
		return f.op == "!="
	}
	switch f.op {
	case "":
		return true
	case "==":
		return f.equal(r)
	case "!=":
		return !f.equal(r)
	case "=~":
		if r.Type == gjson.String {
			return f.re.MatchString(r.Str)
		}
		return f.re.Match(selText(r))
	}
	if r.Type != gjson.Number {
		return false
	}
	n, ok := filterParseNum(r.Raw)
	if !ok {
		return false
	}
	c := n.cmp(f.want.num)
	switch f.op {
	case ">":
		return c > 0
	case ">=":
		return c >= 0
	case "<":
		return c < 0
	}
	return c <= 0 // "<="
}

// equal is == for a value that exists.
func (f *Filter) equal(r gjson.Result) bool {
	if r.Type != f.want.kind {
		return false
	}
	switch r.Type {
	case gjson.String:
		return r.Str == f.want.str
	case gjson.Number:
		n, ok := filterParseNum(r.Raw)
		return ok && n.cmp(f.want.num) == 0
	case gjson.JSON:
		return string(selText(r)) == f.want.json
	}
	return true // True, False, Null: the kind is the value
}

// String returns the expression as given.
func (f *Filter) String() string { return f.expr }

// Filters is every --filter given; a message passes when all of them hold.
// An empty list passes every message, JSON or not: with no filters nothing
// is filtered.
type Filters []*Filter

// Match reports whether msg passes every filter.
func (fs Filters) Match(msg []byte) bool {
	if len(fs) == 0 {
		return true
	}
	if !format.ValidJSON(msg) {
		return false
	}
	for _, f := range fs {
		if !f.match(msg) {
			return false
		}
	}
	return true
}

// Select returns the value at the gjson path for --select: a string value
// unquoted and unescaped (like jq -r), any other value as compact JSON with
// its key order and number text kept (1.50 stays 1.50). A path that yields
// several values, such as `items.#.id`, gives the JSON array gjson builds.
// ok is false when msg is not JSON (by format.ValidJSON, so also when it
// nests deeper than format.MaxJSONDepth) or the path does not exist.
func Select(msg []byte, path string) (out []byte, ok bool) {
	if !format.ValidJSON(msg) {
		return nil, false
	}
	r := gjson.GetBytes(msg, path)
	if !r.Exists() {
		return nil, false
	}
	return selText(r), true
}

// selText is what --select prints for r: a string's decoded value, or the
// compact JSON text of anything else.
func selText(r gjson.Result) []byte {
	if r.Type == gjson.String {
		return []byte(r.Str)
	}
	if strings.ContainsAny(r.Raw, " \t\r\n") {
		return pretty.Ugly([]byte(r.Raw))
	}
	return []byte(r.Raw)
}

// filterNum is a JSON number as an exact decimal: 0.digits × 10^exp, with
// digits free of leading and trailing zeros. Zero has no digits.
type filterNum struct {
	neg    bool
	digits string
	exp    *big.Int
}

// filterParseNum reads JSON number text exactly, however many digits its
// mantissa or exponent has.
func filterParseNum(s string) (filterNum, bool) {
	var n filterNum
	if strings.HasPrefix(s, "-") {
		n.neg, s = true, s[1:]
	}
	mant, expText, hasExp := strings.Cut(strings.ToLower(s), "e")
	intPart, frac, _ := strings.Cut(mant, ".")
	if intPart == "" || !filterDigits(intPart) || !filterDigits(frac) {
		return n, false
	}
	n.exp = new(big.Int)
	if hasExp {
		if _, ok := n.exp.SetString(expText, 10); !ok {
			return n, false
		}
	}
	digits := intPart + frac
	point := len(intPart)
	for len(digits) > 0 && digits[0] == '0' {
		digits, point = digits[1:], point-1
	}
	n.digits = strings.TrimRight(digits, "0")
	n.exp.Add(n.exp, big.NewInt(int64(point)))
	return n, true
}

func filterDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// cmp compares n and m by value: -1, 0 or +1.
func (n filterNum) cmp(m filterNum) int {
	ns, ms := n.sign(), m.sign()
	if ns != ms || ns == 0 {
		return filterCmpInt(ns, ms)
	}
	c := n.exp.Cmp(m.exp)
	if c == 0 {
		c = strings.Compare(n.digits, m.digits)
	}
	return c * ns
}

func (n filterNum) sign() int {
	switch {
	case n.digits == "":
		return 0
	case n.neg:
		return -1
	}
	return 1
}

func filterCmpInt(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
