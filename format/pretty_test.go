package format

import (
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/tidwall/pretty"
)

// prettyCases are JSON texts whose layout pretty.Pretty decides in every
// way it can: empty and nested containers, lines just under and over the
// width, keys and strings with escapes, numbers kept as written, space
// everywhere JSON allows it.
var prettyCases = []string{
	`{}`, `[]`, `[{}]`, `{"a":{}}`, `{"a":[]}`, `[[],[]]`, `1`, ` -0.50e+3 `, `"x"`, `true`, `false`, `null`,
	`{"a":1,"b":[1,2,{"c":null}]}`,
	`{"s":"\"\\\/\u00e9é","t":"a\\","u":"\\\""}`,
	" \r\n\t{ \"k\" :\t[ 1 ,\n2 ] , \"v\" : { } }\r\n",
	`{"n":12345678901234567890123,"f":1.0,"e":1E-7}`,
	`[` + strings.Repeat(`"abcdefghi",`, 20) + `"z"]`,
	`{"a":[1,2,3],"b":{"c":"` + strings.Repeat("d", 70) + `"}}`,
	`{"deep":` + strings.Repeat(`[`, 40) + strings.Repeat(`]`, 40) + `}`,
	`{"deep":` + strings.Repeat(`{"k":`, 30) + `1` + strings.Repeat(`}`, 30) + `}`,
	`[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["` + strings.Repeat("x", 60) + `"]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]`,
}

// widthCases are objects and arrays of every width around 80 columns, the
// widest pretty.Pretty keeps on one line, at the top and nested.
func widthCases() []string {
	var out []string
	for n := 60; n < 90; n++ {
		s := strings.Repeat("x", n)
		out = append(out, `{"k":"`+s+`"}`, `["`+s+`"]`, `{"a":{"k":"`+s[:n-20]+`"},"b":[1]}`, `[[1,2],["`+s[:n-30]+`",{}]]`)
	}
	return out
}

// randomJSON builds a value with random nesting, sizes and spacing.
func randomJSON(r *rand.Rand, depth int) string {
	sp := func() string { return []string{"", "", " ", "\n  ", "\t"}[r.IntN(5)] }
	switch k := r.IntN(10); {
	case depth < 6 && k < 3:
		var parts []string
		for range r.IntN(6) {
			parts = append(parts, sp()+strconv.Quote(strings.Repeat("k", r.IntN(12)))+sp()+":"+sp()+randomJSON(r, depth+1)+sp())
		}
		return "{" + strings.Join(parts, ",") + sp() + "}"
	case depth < 6 && k < 6:
		var parts []string
		for range r.IntN(8) {
			parts = append(parts, sp()+randomJSON(r, depth+1)+sp())
		}
		return "[" + strings.Join(parts, ",") + sp() + "]"
	case k < 7:
		return []string{"true", "false", "null"}[r.IntN(3)]
	case k < 8:
		return []string{"0", "-1", "1.50", "2e10", "-0.0E-3", "12345678901234567890"}[r.IntN(6)]
	default:
		return `"` + strings.Repeat(`ab\"c\\`, r.IntN(6)) + strings.Repeat("é", r.IntN(20)) + `"`
	}
}

// TestUglyMatchesLibrary holds appendUgly to pretty.Ugly for JSON with and
// without spaces.
func TestUglyMatchesLibrary(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(5, 6))
	cases := append(append([]string{}, prettyCases...), fuzzSeeds...)
	for range 500 {
		cases = append(cases, randomJSON(r, 0))
	}
	for _, c := range cases {
		in := []byte(c)
		json, spaced := scanJSON(in)
		if !json {
			continue
		}
		if got, want := appendUgly([]byte("x"), in, spaced), pretty.Ugly(in); string(got[1:]) != string(want) {
			t.Errorf("input %q: got %q, want %q", c, got[1:], want)
		}
	}
}
