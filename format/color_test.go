package format

import (
	"strings"
	"testing"

	"github.com/wsx-cli/wsx/closecodes"
)

func TestColorPerStream(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name             string
		o                Options
		wantOut, wantErr bool
	}{
		{"auto pipes", Options{}, false, false},
		{"auto both tty", Options{StdoutTTY: true, StderrTTY: true}, true, true},
		{"auto stdout tty only", Options{StdoutTTY: true}, true, false},
		{"auto stderr tty only", Options{StderrTTY: true}, false, true},
		{"auto NO_COLOR", Options{StdoutTTY: true, StderrTTY: true, NoColorEnv: true}, false, false},
		{"always pipes", Options{Color: ColorAlways}, true, true},
		{"always beats NO_COLOR", Options{Color: ColorAlways, NoColorEnv: true}, true, true},
		{"never tty", Options{Color: ColorNever, StdoutTTY: true, StderrTTY: true}, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			for _, mode := range []Mode{Pretty, Compact} {
				o := tt.o
				o.Mode = mode
				p, out, errb := newTest(o)
				emitAll(t, p)
				if got := strings.Contains(out.String(), "\x1b"); got != tt.wantOut {
					t.Errorf("%v: stdout coloured = %v, want %v: %q", mode, got, tt.wantOut, out)
				}
				if got := strings.Contains(errb.String(), "\x1b"); got != tt.wantErr {
					t.Errorf("%v: stderr coloured = %v, want %v: %q", mode, got, tt.wantErr, errb)
				}
			}
		})
	}
}

// emitAll calls every method that may colour its output.
func emitAll(t *testing.T, p *Printer) {
	t.Helper()
	must(t, p.Message(In, false, []byte(`{"a":[1,true,null,"s"]}`)))
	must(t, p.Message(In, false, []byte("plain text")))
	p.Warn("careful")
	p.Error("broken", "try this")
	p.Closed(Close{By: "server", Code: closecodes.NormalClosure, HasCode: true}, false)
	p.Closed(Close{By: "server", Code: 4001, HasCode: true}, true)
	p.Closed(Close{}, true)
}

func TestColorNeverOnRawOrText(t *testing.T) {
	t.Parallel()
	o := Options{Color: ColorAlways, Mode: Raw, BinaryAs: Hex}
	p, out, _ := newTest(o)
	must(t, p.Message(In, false, []byte(`{"a":1}`)))
	must(t, p.Message(In, true, []byte(`{"a":1}`)))
	o.Mode = Pretty
	p2, out2, _ := newTest(o)
	must(t, p2.Message(In, false, []byte("not json")))
	if strings.Contains(out.String()+out2.String(), "\x1b") {
		t.Errorf("escapes outside JSON: %q %q", out, out2)
	}
}

func TestColoredJSONKeepsText(t *testing.T) {
	t.Parallel()
	in := `{"b":"\u00e9\n","a":12345678901234567890123}`
	for _, mode := range []Mode{Pretty, Compact} {
		p, out, _ := newTest(Options{Mode: mode, Color: ColorAlways, Prompt: "< "})
		must(t, p.Message(In, false, []byte(in)))
		got := stripANSI(out.String())
		want := `< {"b":"\u00e9\n","a":12345678901234567890123}` + "\n"
		if mode == Pretty {
			want = `< { "b": "\u00e9\n", "a": 12345678901234567890123 }` + "\n"
		}
		if got != want {
			t.Errorf("%v: got %q, want %q", mode, got, want)
		}
	}
}

// stripANSI removes CSI escape sequences.
func stripANSI(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\x1b' && i+1 < len(s) && s[i+1] == '[' {
			i += 2
			for i < len(s) && (s[i] < '@' || s[i] > '~') {
				i++
			}
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
