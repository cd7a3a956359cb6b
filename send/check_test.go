package send

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wsx-cli/wsx/format"
)

// Large files are checked token by token; the verdicts and positions must
// match what an in-memory check says.
func TestOneJSONValueLarge(t *testing.T) {
	body := strings.Repeat("1,", 600000)
	for _, c := range []struct{ in, want string }{
		{"[" + body + "1e400]", ""}, // valid JSON, though no float64 holds it
		{"[" + body + "x]", "invalid character 'x' looking for beginning of value at byte 1200001"},
		{"[" + body + "2", "unexpected end of JSON input"},
		{`{"a":` + strings.Repeat("9", 2<<20), "unexpected end of JSON input"},
		{"", "unexpected end of JSON input"},
		{"1 2", "more than one JSON value (the second ends at byte 3)"},
	} {
		err := oneJSONValue(strings.NewReader(c.in))
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != c.want {
			t.Errorf("%.20q...: %q, want %q", c.in, got, c.want)
		}
		if len(got) > 200 {
			t.Errorf("error of %d bytes: it must stay one readable line", len(got))
		}
	}
}

// TestCheckDeepNesting: --json refuses a message nested deeper than
// format.MaxJSONDepth, in memory (format.ValidJSON) and streamed from a
// file alike, in the same words, at the bracket one level too deep; it
// accepts one nested exactly that deep. 60 MiB of "[" costs neither check
// more than the first levels. Not parallel: writing 60 MiB files would
// starve the tests that wait on the network.
func TestCheckDeepNesting(t *testing.T) {
	d := format.MaxJSONDepth
	deepest := strings.Repeat("[", d) + strings.Repeat("]", d)
	const tooDeep = "not JSON: invalid character '[' exceeded max depth at byte 10000"
	for _, c := range []struct {
		name string
		data []byte
		want string // "" for no error
	}{
		{"deepest", []byte(deepest), ""},
		{"deepest object", []byte(strings.Repeat(`{"a":`, d) + "1" + strings.Repeat("}", d)), ""},
		{"one more", []byte("[" + deepest + "]"), tooDeep},
		{"60 MiB of [", bytes.Repeat([]byte("["), 60<<20), tooDeep},
		{"60 MiB of {\"a\":", bytes.Repeat([]byte(`{"a":`), (60<<20)/5),
			"not JSON: invalid character '{' exceeded max depth at byte 50000"},
	} {
		file := filepath.Join(t.TempDir(), "m.json")
		if err := os.WriteFile(file, c.data, 0o644); err != nil {
			t.Fatal(err)
		}
		for _, m := range []Message{{Data: c.data, Pos: "argument 1"}, {File: file, Size: int64(len(c.data)), Pos: "argument 1"}} {
			err := Check{JSON: true, Binary: true}.Message(m) // Binary: no UTF-8 pass, slow under -race
			got := ""
			if ie, ok := err.(*InputError); ok {
				got = ie.Msg
			} else if err != nil {
				t.Fatalf("%s: %T %v, want an *InputError", c.name, err, err)
			}
			if got != c.want {
				t.Errorf("%s, file %q: %q, want %q", c.name, m.File, got, c.want)
			}
		}
	}
}
