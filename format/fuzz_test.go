package format

import (
	"bytes"
	"encoding/json"
	"testing"
	"unicode/utf8"

	"github.com/tidwall/gjson"
	"github.com/tidwall/pretty"
)

var fuzzSeeds = []string{
	`{"b":1,"a":2}`,
	`{"n":12345678901234567890123}`,
	`"\u00e9\n"`,
	`{"a":`,
	`[1, 2.5e10, -0, true, false, null, {"x": [ ]}]`,
	" \t{ \"k\" : \"v\\\"\" }\r\n",
	"plain text\n",
	"\xff\xfe{}",
	`{"s":"\ud83d\ude00 ☕"}`,
	"",
}

// FuzzPretty checks that pretty and compact output never panics and, for
// valid JSON, is valid JSON with the same tokens as the input.
func FuzzPretty(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		for _, mode := range []Mode{Pretty, Compact} {
			var out bytes.Buffer
			p := New(&out, discard{}, Options{Mode: mode})
			if err := p.Message(In, false, in); err != nil {
				t.Fatal(err)
			}
			if !gjson.ValidBytes(in) {
				continue
			}
			got := bytes.TrimSuffix(out.Bytes(), []byte("\n"))
			if !json.Valid(got) {
				t.Fatalf("%v: invalid JSON output %q for input %q", mode, got, in)
			}
			if !bytes.Equal(pretty.Ugly(in), pretty.Ugly(got)) {
				t.Fatalf("%v: tokens changed: %q -> %q", mode, in, got)
			}
		}
	})
}

// FuzzJSONL checks that any message, text or binary, gives one valid jsonl
// line (valid UTF-8 too) whose size is the message's length.
func FuzzJSONL(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s), false)
		f.Add([]byte(s), true)
	}
	f.Fuzz(func(t *testing.T, in []byte, binary bool) {
		var out bytes.Buffer
		p := New(&out, discard{}, Options{Mode: JSONL})
		if err := p.Message(In, binary, in); err != nil {
			t.Fatal(err)
		}
		line := out.Bytes()
		if bytes.Count(line, []byte("\n")) != 1 || line[len(line)-1] != '\n' {
			t.Fatalf("not one line: %q", line)
		}
		if !json.Valid(line) || !utf8.Valid(line) {
			t.Fatalf("invalid JSON line %q for input %q", line, in)
		}
		var e struct{ Size int }
		if err := json.Unmarshal(line, &e); err != nil || e.Size != len(in) {
			t.Fatalf("size = %d (%v), want %d", e.Size, err, len(in))
		}
	})
}
