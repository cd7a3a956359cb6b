package listen

import (
	"fmt"
	"math/big"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/tidwall/gjson"
)

// filterMsg is the message most filter tests run on; its spacing is kept to
// show that comparisons and --select output do not depend on it.
const filterMsg = `{
  "type": "message",
  "n": 1, "f": 1.50, "e": 1e2, "neg": -3, "zero": 0,
  "big": 12345678901234567890123,
  "s": "caf\u00e9", "one": "1", "t": true, "fa": false, "nul": null,
  "obj": { "b": 2, "a": [1, 2] },
  "arr": [1, "x", null],
  "a.b": "dotted", "a=b": 1, "x>y": 2, "my key": 3, "` + "`a==b`" + `": 4,
  "user": {"name": "Ann", "age": 46, "tags": ["x", "y"]},
  "items": [{"id": 1, "name": "w"}, {"id": 3, "name": "x"}],
  "sp": "a b", "eq": "=b", "q": "say \"hi\"", "dir": "C:\\dir"
}`

func TestFilterMatch(t *testing.T) {
	t.Parallel()
	tests := []struct {
		expr string
		msg  string // filterMsg when empty
		want bool
	}{
		// bare and quoted strings, spaces around the operator
		{"type==message", "", true},
		{"type==other", "", false},
		{`type=="message"`, "", true},
		{"type == message", "", true},
		{" type  ==  message ", "", true},
		{"type!=message", "", false},
		{"type!=other", "", true},
		{"sp==a b", "", true},
		{`sp=="a b"`, "", true},
		{"eq===b", "", true}, // the value is "=b"
		{"type==message==x", "", false},
		{`q=="say \"hi\""`, "", true},
		{`dir=="C:\\dir"`, "", true},
		{`dir==C:\dir`, "", true},
		// escapes are compared decoded
		{"s==café", "", true},
		{`s=="caf\u00e9"`, "", true},
		{`s=="café"`, "", true},
		{"s==cafe", "", false},
		// numbers
		{"n==1", "", true},
		{"n==1.0", "", true},
		{"n==1e0", "", true},
		{"n==10e-1", "", true},
		{"n==2", "", false},
		{"f==1.5", "", true},
		{"f==1.50", "", true},
		{"f>1.4", "", true},
		{"f>1.5", "", false},
		{"f<1.5", "", false},
		{"f<=1.5", "", true},
		{"f>=1.5", "", true},
		{"f<1.500001", "", true},
		{"e==100", "", true},
		{"e>99.999", "", true},
		{"e<1E3", "", true},
		{"neg<0", "", true},
		{"neg>-4", "", true},
		{"neg==-3", "", true},
		{"neg>=-3", "", true},
		{"neg>-3", "", false},
		{"neg<-2.99", "", true},
		{"zero==-0", "", true},
		{"zero==0.0e5", "", true},
		{"zero<1e-400", "", true},
		{"zero>-1e-400", "", true},
		// integers beyond float64 precision compare exactly
		{"big==12345678901234567890123", "", true},
		{"big==12345678901234567890124", "", false},
		{"big!=12345678901234567890124", "", true},
		{"big>12345678901234567890122", "", true},
		{"big<12345678901234567890124", "", true},
		{"big>=12345678901234567890123", "", true},
		{"big>12345678901234567890123", "", false},
		{"big==1.2345678901234567890123e22", "", true},
		{"big<1.23456789012345678901231e22", "", true},
		{"big>1e22", "", true},
		{"big<1e23", "", true},
		// a string never equals a number
		{"one==1", "", false},
		{"one!=1", "", true},
		{`one=="1"`, "", true},
		{`n=="1"`, "", false},
		{"one>0", "", false},
		{"type>0", "", false},
		{"t>0", "", false},
		// booleans and null
		{"t==true", "", true},
		{"t==false", "", false},
		{`t=="true"`, "", false},
		{"t!=true", "", false},
		{"fa==false", "", true},
		{"nul==null", "", true},
		{"nul!=null", "", false},
		{`nul=="null"`, "", false},
		{"nul==0", "", false},
		{"fa==null", "", false},
		// objects and arrays by compact text, key order kept
		{`obj=={"b":2,"a":[1,2]}`, "", true},
		{`obj=={"b": 2, "a": [1, 2]}`, "", true},
		{`obj=={"a":[1,2],"b":2}`, "", false},
		{`arr==[1,"x",null]`, "", true},
		{`arr==[1, "x", null]`, "", true},
		{`arr!=[1,"x"]`, "", true},
		// nested paths and gjson queries with operators inside them
		{"obj.b==2", "", true},
		{"obj.a.1==2", "", true},
		{"user.name==Ann", "", true},
		{"user.age>45", "", true},
		{"user.tags.#==2", "", true},
		{"user.tags.0==x", "", true},
		{"items.#(id>2).name==x", "", true},
		{"items.#(id>2).name==w", "", false},
		{"items.#(id>=1)#.name==[\"w\",\"x\"]", "", true},
		{`items.#(name=="x").id==3`, "", true},
		{`items.#(name=="x").id>=3`, "", true},
		{`items.#(name!="x").id<2`, "", true},
		{`items.#(name==")").id!=1`, "", true},
		{`items.#.name==["w","x"]`, "", true},
		{"items.#(id>5).name==x", "", false},
		{"items.#(id>5).name!=x", "", true},
		{`user.tags|@reverse==["y","x"]`, "", true},
		{`{type,n}=={"type":"message","n":1}`, "", true},
		// escaped and odd keys
		{`a\.b==dotted`, "", true},
		{"a.b==dotted", "", false},
		{`a\=b==1`, "", true},
		{`x\>y==2`, "", true},
		{"my key==3", "", true},
		{"`a==b`==4", "", true},
		// =~ on decoded strings, or on the compact JSON of other values
		{"type=~^mess", "", true},
		{"type=~^ess", "", false},
		{"type =~ age$", "", true},
		{"s=~é$", "", true},
		{`q=~"hi"`, "", true},
		{`q=~"^say \""`, "", true},
		{"n=~^1$", "", true},
		{`f=~^1\.50$`, "", true},
		{`obj=~^{"b":2,`, "", true},
		{"t=~true", "", true},
		{"nul=~^null$", "", true},
		{`items.#.id=~^\[1,3\]$`, "", true},
		{"missing=~.", "", false},
		// a path alone: it exists
		{"user", "", true},
		{"user.name", "", true},
		{"fa", "", true},
		{"nul", "", true},
		{"missing", "", false},
		{"user.missing", "", false},
		// a missing path matches only !=
		{"missing==1", "", false},
		{"missing!=1", "", true},
		{"missing!=null", "", true},
		{"missing>1", "", false},
		{"missing<1", "", false},
		// a non-JSON message never matches
		{"type==message", `{"type":"message"`, false},
		{"type!=x", `{"type":"message"`, false},
		{"type", `{"type":"message"} x`, false},
		{"missing!=1", "hello", false},
		{"type=~.", "hello", false},
		// other documents than objects
		{"@this==str", `"str"`, true},
		{"@this>41", "42", true},
		{"0==a", `["a"]`, true},
		{"#==0", `[]`, true},
	}
	for _, tt := range tests {
		msg := tt.msg
		if msg == "" {
			msg = filterMsg
		}
		f, err := ParseFilter(tt.expr)
		if err != nil {
			t.Errorf("ParseFilter(%q): %v", tt.expr, err)
			continue
		}
		if got := f.Match([]byte(msg)); got != tt.want {
			t.Errorf("%q.Match(%.30q) = %v, want %v", tt.expr, msg, got, tt.want)
		}
		if got := f.String(); got != tt.expr {
			t.Errorf("%q.String() = %q", tt.expr, got)
		}
	}
}

func TestFilterParseErrors(t *testing.T) {
	t.Parallel()
	tests := []struct{ expr, want string }{
		{"x>", `invalid filter "x>": missing value after >`},
		{"x>=  ", `invalid filter "x>=  ": missing value after >=`},
		{"x==", `invalid filter "x==": missing value after ==`},
		{"x!=", `invalid filter "x!=": missing value after !=`},
		{"x=~", `invalid filter "x=~": missing value after =~`},
		{"x<\n", `invalid filter "x<\n": missing value after <`},
		{">3", `invalid filter ">3": missing path`},
		{" == 1", `invalid filter " == 1": missing path`},
		{"", `invalid filter "": missing path`},
		{"   ", `invalid filter "   ": missing path`},
		{"a=~[", `invalid filter "a=~[": bad regexp: missing closing ]: "["`},
		{"a=~(\nx", `invalid filter "a=~(\nx": bad regexp: missing closing ): "(\nx"`},
		{`a=~"x*?+"`, `invalid filter "a=~\"x*?+\"": bad regexp: invalid nested repetition operator: "*?+"`},
		{"a>abc", `invalid filter "a>abc": > needs a number, got "abc"`},
		{`a>="3"`, `invalid filter "a>=\"3\"": >= needs a number, got "\"3\""`},
		{"a<true", `invalid filter "a<true": < needs a number, got "true"`},
		{"a<=01", `invalid filter "a<=01": <= needs a number, got "01"`},
		{"a>1 2", `invalid filter "a>1 2": > needs a number, got "1 2"`},
		{"a=b", `invalid filter "a=b": single = is not an operator (did you mean ==?)`},
		{"a = b", `invalid filter "a = b": single = is not an operator (did you mean ==?)`},
		{"a(b==1", `invalid filter "a(b==1": unclosed ( in path`},
		{"a)==1", `invalid filter "a)==1": unmatched ) in path`},
		{"a[b}==1", `invalid filter "a[b}==1": unmatched } in path`},
		{"{a,b==1", `invalid filter "{a,b==1": unclosed { in path`},
		{`a"b==1`, `invalid filter "a\"b==1": unclosed " in path`},
		{"a`b==1", "invalid filter \"a`b==1\": unclosed ` in path"},
		{`a\`, `invalid filter "a\\": path ends with \`},
		{".type==x", `invalid filter ".type==x": path starts with . (gjson paths have no leading dot)`},
		{"a.==1", `invalid filter "a.==1": path ends with .`},
		{"a|", `invalid filter "a|": path ends with |`},
	}
	for _, tt := range tests {
		f, err := ParseFilter(tt.expr)
		if err == nil {
			t.Errorf("ParseFilter(%q) = %v, want error %s", tt.expr, f, tt.want)
			continue
		}
		if got := err.Error(); got != tt.want {
			t.Errorf("ParseFilter(%q) error:\n got %s\nwant %s", tt.expr, got, tt.want)
		}
	}
}

func TestFilterParseSplit(t *testing.T) {
	t.Parallel()
	tests := []struct{ expr, path, op string }{
		{"type==message", "type", "=="},
		{"items.#(id>2).name==x", "items.#(id>2).name", "=="},
		{`items.#(name=="a)b").id>1`, `items.#(name=="a)b").id`, ">"},
		{`a\.b\>c<=1`, `a\.b\>c`, "<="},
		{`a\ ==1`, `a\ `, "=="},
		{"`x>1`>=2", "`x>1`", ">="},
		{"[a,b]!=[1,2]", "[a,b]", "!="},
		{`{"x":a}=~y`, `{"x":a}`, "=~"},
		{"a!b", "a!b", ""},
		{"..0", "..0", ""},
		{`a\.`, `a\.`, ""},
	}
	for _, tt := range tests {
		f, err := ParseFilter(tt.expr)
		if err != nil {
			t.Errorf("ParseFilter(%q): %v", tt.expr, err)
			continue
		}
		if f.path != tt.path || f.op != tt.op {
			t.Errorf("ParseFilter(%q) = path %q op %q, want %q %q", tt.expr, f.path, f.op, tt.path, tt.op)
		}
	}
}

func TestFilters(t *testing.T) {
	t.Parallel()
	parse := func(exprs ...string) Filters {
		var fs Filters
		for _, e := range exprs {
			f, err := ParseFilter(e)
			if err != nil {
				t.Fatal(err)
			}
			fs = append(fs, f)
		}
		return fs
	}
	tests := []struct {
		fs   Filters
		msg  string
		want bool
	}{
		{nil, "hello", true},
		{nil, filterMsg, true},
		{Filters{}, "not json", true},
		{parse("type==message"), filterMsg, true},
		{parse("type==message", "n>0", "user"), filterMsg, true},
		{parse("type==message", "n>5"), filterMsg, false},
		{parse("n>5", "type==message"), filterMsg, false},
		{parse("missing!=1"), "hello", false},
		{parse("type"), `{"type":1`, false},
	}
	for i, tt := range tests {
		if got := tt.fs.Match([]byte(tt.msg)); got != tt.want {
			t.Errorf("%d: Filters%v.Match(%.30q) = %v, want %v", i, tt.fs, tt.msg, got, tt.want)
		}
	}
}

func TestSelect(t *testing.T) {
	t.Parallel()
	tests := []struct {
		msg, path string
		want      string
		ok        bool
	}{
		{filterMsg, "type", "message", true},
		{filterMsg, "s", "café", true},
		{filterMsg, "q", `say "hi"`, true},
		{filterMsg, "dir", `C:\dir`, true},
		{filterMsg, "sp", "a b", true},
		{filterMsg, "f", "1.50", true},
		{filterMsg, "e", "1e2", true},
		{filterMsg, "big", "12345678901234567890123", true},
		{filterMsg, "t", "true", true},
		{filterMsg, "fa", "false", true},
		{filterMsg, "nul", "null", true},
		{filterMsg, "obj", `{"b":2,"a":[1,2]}`, true},
		{filterMsg, "arr", `[1,"x",null]`, true},
		{filterMsg, `a\.b`, "dotted", true},
		{filterMsg, "items.#.name", `["w","x"]`, true},
		{filterMsg, "items.#.id", `[1,3]`, true},
		{filterMsg, "items.#(id>2)", `{"id":3,"name":"x"}`, true},
		{filterMsg, "user.tags.#", "2", true},
		{`{ "o" : { "k" : "a  b\n" , "n" : 1.0 } }`, "o", `{"k":"a  b\n","n":1.0}`, true},
		{`{"s":"line\nnext\u0041"}`, "s", "line\nnextA", true},
		{`{"s":""}`, "s", "", true},
		{filterMsg, "missing", "", false},
		{filterMsg, "items.#(id>5).name", "", false},
		{`{"type":"message"`, "type", "", false},
		{"hello", "type", "", false},
		{"", "type", "", false},
	}
	for _, tt := range tests {
		got, ok := Select([]byte(tt.msg), tt.path)
		if string(got) != tt.want || ok != tt.ok {
			t.Errorf("Select(%.30q, %q) = %q, %v; want %q, %v", tt.msg, tt.path, got, ok, tt.want, tt.ok)
		}
	}
}

// TestFilterNumbersExact checks the decimal comparison against math/big
// rationals on numbers in every JSON spelling.
func TestFilterNumbersExact(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	for range 5000 {
		a, b := filterRandNum(rng), filterRandNum(rng)
		if rng.IntN(4) == 0 {
			b = filterRespell(rng, a)
		}
		ra, _ := new(big.Rat).SetString(a)
		rb, _ := new(big.Rat).SetString(b)
		na, okA := filterParseNum(a)
		nb, okB := filterParseNum(b)
		if !okA || !okB {
			t.Fatalf("filterParseNum(%q), (%q): %v, %v", a, b, okA, okB)
		}
		if got, want := na.cmp(nb), ra.Cmp(rb); got != want {
			t.Fatalf("cmp(%s, %s) = %d, want %d", a, b, got, want)
		}
	}
}

// filterRandNum is JSON number text with few distinct digits, so that close
// and equal values come up often.
func filterRandNum(rng *rand.Rand) string {
	var s strings.Builder
	if rng.IntN(2) == 0 {
		s.WriteByte('-')
	}
	digits := func(n int) string {
		var d strings.Builder
		for range n {
			d.WriteByte("0019"[rng.IntN(4)])
		}
		return d.String()
	}
	if in := strings.TrimLeft(digits(rng.IntN(30)), "0"); in != "" {
		s.WriteString(in)
	} else {
		s.WriteByte('0')
	}
	if rng.IntN(2) == 0 {
		s.WriteString("." + digits(1+rng.IntN(30)))
	}
	if rng.IntN(2) == 0 {
		fmt.Fprintf(&s, "%s%s%d", []string{"e", "E"}[rng.IntN(2)], []string{"", "+", "-"}[rng.IntN(3)], rng.IntN(40))
	}
	return s.String()
}

// filterRespell writes the value of JSON number text a another way.
func filterRespell(rng *rand.Rand, a string) string {
	r, _ := new(big.Rat).SetString(a)
	if !r.IsInt() || rng.IntN(2) == 0 {
		return r.FloatString(80) // exact: the denominators are powers of ten up to 10^70
	}
	return r.Num().String() + "." + strings.Repeat("0", 1+rng.IntN(3)) + "e0"
}

func FuzzFilter(f *testing.F) {
	for _, seed := range []struct{ expr, msg string }{
		{"type==message", `{"type":"message"}`},
		{"data.price>100", `{"data":{"price":100.5}}`},
		{"user", `{"user":null}`},
		{"items.#(id>2).name==x", `{"items":[{"id":3,"name":"x"}]}`},
		{`a\.b!="x"`, `{"a.b":"y"}`},
		{"big>=12345678901234567890123", `{"big":1.2345678901234567890123e22}`},
		{`s=~^caf`, `{"s":"caf\u00e9"}`},
		{`o=={"a":[1,2]}`, `{"o":{ "a" : [1, 2] }}`},
		{"n<-1e-5", `[1]`},
		{"a=b", "not json"},
		{"a=~[", `{}`},
		{"x(", `{}`},
		{`@this|@reverse==[2,1]`, `[1,2]`},
	} {
		f.Add(seed.expr, []byte(seed.msg))
	}
	f.Fuzz(func(t *testing.T, expr string, msg []byte) {
		flt, err := ParseFilter(expr)
		if err != nil {
			if s := err.Error(); !strings.HasPrefix(s, "invalid filter ") || strings.ContainsAny(s, "\r\n") {
				t.Fatalf("ParseFilter(%q) error is not one line naming the filter: %q", expr, s)
			}
			return
		}
		if flt.String() != expr {
			t.Fatalf("String() = %q, want %q", flt.String(), expr)
		}
		got := flt.Match(msg)
		_, exists := Select(msg, flt.path)
		if Filters([]*Filter{flt}).Match(msg) != got {
			t.Fatalf("Filters{%q}.Match disagrees with Filter.Match", expr)
		}
		if !gjson.ValidBytes(msg) {
			if got || exists {
				t.Fatalf("%q matches or selects in a message that is not JSON", expr)
			}
			return
		}
		filterCheckLaws(t, flt, msg, got, exists)
	})
}

// filterCheckLaws checks how the operators relate on one valid JSON message.
func filterCheckLaws(t *testing.T, flt *Filter, msg []byte, got, exists bool) {
	t.Helper()
	with := func(op string) bool {
		g := *flt
		g.op = op
		return g.Match(msg)
	}
	switch flt.op {
	case "":
		if got != exists {
			t.Fatalf("%q: exists test %v, Select ok %v", flt.expr, got, exists)
		}
	case "==", "!=":
		if with("==") == with("!=") {
			t.Fatalf("%q: == and != agree", flt.expr)
		}
	case ">", ">=", "<", "<=":
		gt, eq, lt := with(">"), with("=="), with("<")
		if with(">=") != (gt || eq) || with("<=") != (lt || eq) || (gt && lt) || (gt && eq) || (lt && eq) {
			t.Fatalf("%q: inconsistent order: > %v, == %v, < %v", flt.expr, gt, eq, lt)
		}
		isNum := gjson.GetBytes(msg, flt.path).Type == gjson.Number
		if isNum != (gt || eq || lt) {
			t.Fatalf("%q: number field %v, but > %v, == %v, < %v", flt.expr, isNum, gt, eq, lt)
		}
	}
	if !exists && got && flt.op != "!=" {
		t.Fatalf("%q matches a missing path", flt.expr)
	}
}
