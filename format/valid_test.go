package format

import (
	"bytes"
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/tidwall/gjson"
)

// refIsJSON is what the printer took as JSON before scanJSON: a depth
// check, then gjson's validator. scanJSON must agree with it on any input.
func refIsJSON(data []byte) bool {
	return refDepthOK(data) && gjson.ValidBytes(data)
}

// refDepthOK reports whether brackets outside strings nest at most
// MaxJSONDepth.
func refDepthOK(data []byte) bool {
	depth := 0
	for i := 0; i < len(data); i++ {
		switch data[i] {
		case '"':
			for i++; i < len(data) && data[i] != '"'; i++ {
				if data[i] == '\\' {
					i++
				}
			}
		case '[', '{':
			if depth++; depth > MaxJSONDepth {
				return false
			}
		case ']', '}':
			depth--
		}
	}
	return true
}

// ugly is data without space between its tokens.
func ugly(data []byte) []byte { return appendUgly(nil, data, true) }

// scanCases are inputs at every rule of the grammar, valid and not.
var scanCases = []string{
	"", " ", "\t\r\n", "1", " 1 ", "-", "-0", "-01", "01", "0", "0.", "0.5", ".5", "1e", "1e+", "1e+5", "1E-05", "1.5e3x",
	"-a", "2.", "1x", "true", "tru", "truex", "false", "fals", "null", "nul", "nulll", "True",
	`""`, `"`, `"a`, `"\"`, `"\\"`, `"\/\b\f\n\r\t"`, `"\u00e9"`, `"\u00g9"`, `"\u00e"`, `"\x"`, "\"\x01\"", "\"\x7f\"",
	"\"\xff\xfe\"", "\"é\"", `"a" "b"`, `"a",`,
	`{}`, `{ }`, `{`, `}`, `{"a"}`, `{"a":}`, `{"a":1}`, `{"a" : 1 , "b":[]}`, `{"a":1,}`, `{,"a":1}`, `{"a":1 "b":2}`,
	`{1:2}`, `{"a":1]`, `{"a":[1}`, `[]`, `[ ]`, `[`, `]`, `[1]`, `[1,]`, `[,1]`, `[1,,2]`, `[1 2]`, `[1],`, `[[],[[]]]`,
	`[{"a":[{"b":null}]}]`, `{"a":{"b":{"c":{}}}} `, `[1]]`, `[[1]`, "[\"a\"\n,\n2]", `{"a":1}{}`, `[] []`,
	"\x00", "{\"a\":1}\x00", "\ufeff{}",
}

func TestScanJSONMatches(t *testing.T) {
	t.Parallel()
	cases := append(append(append([]string{}, scanCases...), prettyCases...), fuzzSeeds...)
	cases = append(cases, widthCases()...)
	cases = append(cases, string(benchShort), string(benchDoc), string(benchText),
		strings.Repeat("[", MaxJSONDepth)+strings.Repeat("]", MaxJSONDepth),
		strings.Repeat("[", MaxJSONDepth+1)+strings.Repeat("]", MaxJSONDepth+1),
		strings.Repeat(`{"a":`, MaxJSONDepth)+"1"+strings.Repeat("}", MaxJSONDepth),
		strings.Repeat(`{"a":`, MaxJSONDepth+1)+"1"+strings.Repeat("}", MaxJSONDepth+1),
		`["`+strings.Repeat("[", MaxJSONDepth+1)+`"]`,
		"["+strings.Repeat("[],", MaxJSONDepth)+"[]]",
	)
	r := rand.New(rand.NewPCG(7, 8))
	for range 3000 {
		c := []byte(randomJSON(r, 0))
		cases = append(cases, string(c))
		for range 3 { // and broken: a byte changed, dropped or cut off
			m := bytes.Clone(c)
			if len(m) == 0 {
				break
			}
			k := r.IntN(len(m))
			switch r.IntN(3) {
			case 0:
				const alphabet = `{}[],:"\ 01-.eE+tfnu`
				m[k] = alphabet[r.IntN(len(alphabet))]
			case 1:
				m = append(m[:k], m[k+1:]...)
			default:
				m = m[:k]
			}
			cases = append(cases, string(m))
		}
	}
	for _, c := range cases {
		checkScan(t, []byte(c))
	}
}

// TestValidJSONHugeNesting: 60 MiB of "[" (or of `{"a":`), under wsx's
// default --max-size, is not JSON, found without recursing (gjson's
// validator overflows the stack on it), and the printer prints such text
// whole, as text (1 MiB of it: printing 60 MiB under -race is slow, and
// the depth, not the size, is what the printer must not recurse on).
func TestValidJSONHugeNesting(t *testing.T) {
	t.Parallel()
	for _, unit := range []string{"[", `{"a":`} {
		deep := bytes.Repeat([]byte(unit), (60<<20)/len(unit))
		if ValidJSON(deep) {
			t.Errorf("%q × %d: ValidJSON = true", unit, len(deep)/len(unit))
		}
		deep = deep[:1<<20]
		for _, mode := range []Mode{Pretty, Compact, JSONL} {
			var out countWriter
			p := New(&out, discard{}, Options{Mode: mode})
			must(t, p.Message(In, false, deep))
			if min := int64(len(deep)); out.n < min {
				t.Errorf("%q, %v: %d bytes printed, want the text whole (%d or more)", unit, mode, out.n, min)
			}
		}
	}
}

// countWriter counts the bytes written to it.
type countWriter struct{ n int64 }

func (w *countWriter) Write(b []byte) (int, error) {
	w.n += int64(len(b))
	return len(b), nil
}

func checkScan(t *testing.T, in []byte) {
	t.Helper()
	valid, spaced := scanJSON(in)
	if want := refIsJSON(in); valid != want {
		t.Fatalf("scanJSON(%.80q) valid = %v, want %v", in, valid, want)
	}
	if valid && spaced != (len(ugly(in)) != len(in)) {
		t.Fatalf("scanJSON(%.80q) spaced = %v, but compacting it gives %q", in, spaced, ugly(in))
	}
}

// FuzzScanJSON holds scanJSON to gjson's validator and the depth check.
func FuzzScanJSON(f *testing.F) {
	for _, s := range scanCases {
		f.Add([]byte(s))
	}
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		checkScan(t, in)
	})
}

// refAppendString is appendString as it was, byte by byte: the reference
// for the faster one.
func refAppendString(b, s []byte) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c >= utf8.RuneSelf {
			r, n := utf8.DecodeRune(s[i:])
			if r == utf8.RuneError && n == 1 {
				b = append(b, `\ufffd`...)
			} else {
				b = append(b, s[i:i+n]...)
			}
			i += n
			continue
		}
		b = appendASCII(b, c)
		i++
	}
	return append(b, '"')
}

func TestAppendStringMatches(t *testing.T) {
	t.Parallel()
	cases := append(append([]string{}, scanCases...), fuzzSeeds...)
	r := rand.New(rand.NewPCG(9, 10))
	pieces := []string{"a", "é", "€", "😀", "\x00", "\x1f", "\"", "\\", "\n", "\t", "\x7f", "\xff", "\xe2\x82", "\xed\xa0\x80", " "}
	for range 2000 {
		var s strings.Builder
		for range r.IntN(12) {
			s.WriteString(pieces[r.IntN(len(pieces))])
		}
		cases = append(cases, s.String())
	}
	for _, c := range cases {
		if got, want := appendString([]byte("x"), []byte(c)), refAppendString([]byte("x"), []byte(c)); !bytes.Equal(got, want) {
			t.Errorf("appendString(%q) = %q, want %q", c, got[1:], want[1:])
		}
	}
}

// FuzzAppendString holds appendString to the byte-by-byte reference.
func FuzzAppendString(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		if got, want := appendString(nil, in), refAppendString(nil, in); !bytes.Equal(got, want) {
			t.Fatalf("appendString(%q) = %q, want %q", in, got, want)
		}
	})
}

// TestMessageHeads checks the message event's start, built once for each
// kind of message, against the event built field by field.
func TestMessageHeads(t *testing.T) {
	t.Parallel()
	p, _, _ := newTest(Options{Mode: JSONL})
	for _, dir := range []Dir{In, Out, "sideways"} {
		for _, binary := range []bool{false, true} {
			got := string(p.appendMessageEvent(nil, dir, binary, []byte(`{"a":1}`)))
			want := string(appendMessageHead(p.appendEventHead(nil, "message"), dir, binary))
			if !strings.HasPrefix(got, want) {
				t.Errorf("%s, binary %v: event %q does not start with %q", dir, binary, got, want)
			}
		}
	}
}
