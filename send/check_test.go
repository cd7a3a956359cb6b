package send

import (
	"strings"
	"testing"
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
