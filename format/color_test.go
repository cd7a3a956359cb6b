package format

import (
	"strings"
	"testing"

	"github.com/fatih/color"
	"github.com/wsx-cli/wsx/closecodes"
)

// envOf is a getenv over a fixed environment.
func envOf(kv ...string) func(string) string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) string { return m[k] }
}

// TestColorEnabled goes through mode × tty × environment: always and never
// ignore the rest; auto follows the precedence in ColorEnabled's comment.
func TestColorEnabled(t *testing.T) {
	t.Parallel()
	envs := []struct {
		name string
		env  func(string) string
		auto [2]bool // auto's answer on a pipe and on a terminal
	}{
		{"nil getenv", nil, [2]bool{false, true}},
		{"empty", envOf(), [2]bool{false, true}},
		{"NO_COLOR=1", envOf("NO_COLOR", "1"), [2]bool{false, false}},
		{"NO_COLOR=0", envOf("NO_COLOR", "0"), [2]bool{false, false}}, // any non-empty value
		{"NO_COLOR empty", envOf("NO_COLOR", ""), [2]bool{false, true}},
		{"CLICOLOR_FORCE=1", envOf("CLICOLOR_FORCE", "1"), [2]bool{true, true}},
		{"CLICOLOR_FORCE=0", envOf("CLICOLOR_FORCE", "0"), [2]bool{false, true}},
		{"CLICOLOR_FORCE empty", envOf("CLICOLOR_FORCE", ""), [2]bool{false, true}},
		{"FORCE_COLOR=1", envOf("FORCE_COLOR", "1"), [2]bool{true, true}},
		{"FORCE_COLOR=true", envOf("FORCE_COLOR", "true"), [2]bool{true, true}},
		{"FORCE_COLOR=0", envOf("FORCE_COLOR", "0"), [2]bool{false, true}},
		{"FORCE_COLOR=0 CLICOLOR_FORCE=1", envOf("FORCE_COLOR", "0", "CLICOLOR_FORCE", "1"), [2]bool{true, true}},
		{"TERM=dumb", envOf("TERM", "dumb"), [2]bool{false, false}},
		{"TERM=xterm", envOf("TERM", "xterm-256color"), [2]bool{false, true}},
		{"NO_COLOR beats FORCE_COLOR", envOf("NO_COLOR", "1", "FORCE_COLOR", "1"), [2]bool{false, false}},
		{"NO_COLOR beats CLICOLOR_FORCE", envOf("NO_COLOR", "1", "CLICOLOR_FORCE", "1"), [2]bool{false, false}},
		{"FORCE_COLOR beats TERM=dumb", envOf("TERM", "dumb", "FORCE_COLOR", "1"), [2]bool{true, true}},
		{"CLICOLOR_FORCE beats TERM=dumb", envOf("TERM", "dumb", "CLICOLOR_FORCE", "1"), [2]bool{true, true}},
		{"all", envOf("NO_COLOR", "1", "FORCE_COLOR", "1", "CLICOLOR_FORCE", "1", "TERM", "dumb"), [2]bool{false, false}},
	}
	for _, e := range envs {
		for _, mode := range []ColorMode{ColorAuto, ColorAlways, ColorNever, ColorMode(7)} {
			for i, tty := range []bool{false, true} {
				want := e.auto[i]
				switch mode {
				case ColorAlways:
					want = true
				case ColorNever:
					want = false
				}
				if got := ColorEnabled(mode, tty, e.env); got != want {
					t.Errorf("%s, --color %v, tty %v: ColorEnabled = %v, want %v", e.name, mode, tty, got, want)
				}
			}
		}
	}
}

// TestColorStreamsDecideApart: with stdout a pipe and stderr a terminal,
// only stderr is coloured, however the environment leans, unless it forces
// or forbids colour for both.
func TestColorStreamsDecideApart(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name             string
		env              func(string) string
		wantOut, wantErr bool
	}{
		{"no environment", nil, false, true},
		{"TERM=xterm", envOf("TERM", "xterm"), false, true},
		{"FORCE_COLOR", envOf("FORCE_COLOR", "1"), true, true},
		{"NO_COLOR", envOf("NO_COLOR", "1"), false, false},
	} {
		p, out, errb := newTest(Options{Mode: Pretty, StderrTTY: true, Getenv: c.env})
		must(t, p.Message(In, false, []byte(`{"a":1}`)))
		p.Warn("careful")
		if got := strings.Contains(out.String(), "\x1b"); got != c.wantOut {
			t.Errorf("%s: stdout (a pipe) coloured = %v, want %v: %q", c.name, got, c.wantOut, out)
		}
		if got := strings.Contains(errb.String(), "\x1b"); got != c.wantErr {
			t.Errorf("%s: stderr (a terminal) coloured = %v, want %v: %q", c.name, got, c.wantErr, errb)
		}
	}
	// And the other way round: stdout a terminal, stderr a pipe.
	p, out, errb := newTest(Options{Mode: Pretty, StdoutTTY: true})
	must(t, p.Message(In, false, []byte(`{"a":1}`)))
	p.Warn("careful")
	if !strings.Contains(out.String(), "\x1b") || strings.Contains(errb.String(), "\x1b") {
		t.Errorf("stdout tty, stderr pipe: got stdout %q, stderr %q", out, errb)
	}
}

// TestPaletteBytes pins the escapes fatih/color writes for each colour,
// and that a disabled Palette writes none.
func TestPaletteBytes(t *testing.T) {
	t.Parallel()
	on, off := NewPalette(true), NewPalette(false)
	for _, c := range []struct {
		name    string
		on, off func(string) string
		wantOn  string
	}{
		{"Error", on.Error, off.Error, "\x1b[1;31mx\x1b[22;0m"},
		{"Warning", on.Warning, off.Warning, "\x1b[1;33mx\x1b[22;0m"},
		{"Bold", on.Bold, off.Bold, "\x1b[1mx\x1b[22m"},
		{"Good", on.Good, off.Good, "\x1b[32mx\x1b[0m"},
		{"Bad", on.Bad, off.Bad, "\x1b[31mx\x1b[0m"},
	} {
		if got := c.on("x"); got != c.wantOn {
			t.Errorf("%s on: %q, want %q", c.name, got, c.wantOn)
		}
		if got := c.off("x"); got != "x" {
			t.Errorf("%s off: %q, want %q", c.name, got, "x")
		}
	}
}

// TestPaletteIgnoresGlobals: fatih/color's own decision (its NoColor
// variable, from stdout and NO_COLOR in the process environment) never
// overrides the one a Palette was built with, and a Printer reads only the
// Getenv it was given. Not parallel: it sets the globals.
func TestPaletteIgnoresGlobals(t *testing.T) {
	t.Setenv("NO_COLOR", "1")
	saved := color.NoColor
	defer func() { color.NoColor = saved }()
	for _, global := range []bool{true, false} {
		color.NoColor = global
		if got := NewPalette(true).Error("x"); !strings.Contains(got, "\x1b[") {
			t.Errorf("color.NoColor = %v: enabled Palette wrote %q", global, got)
		}
		if got := NewPalette(false).Error("x"); got != "x" {
			t.Errorf("color.NoColor = %v: disabled Palette wrote %q", global, got)
		}
	}
	p, _, errb := newTest(Options{StderrTTY: true}) // Getenv nil: NO_COLOR above is not seen
	p.Warn("careful")
	if want := "\x1b[1;33mwsx: warning:\x1b[22;0m careful\n"; errb.String() != want {
		t.Errorf("stderr %q, want %q", errb, want)
	}
}

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
		{"auto NO_COLOR", Options{StdoutTTY: true, StderrTTY: true, Getenv: envOf("NO_COLOR", "1")}, false, false},
		{"auto FORCE_COLOR pipes", Options{Getenv: envOf("FORCE_COLOR", "1")}, true, true},
		{"auto TERM=dumb", Options{StdoutTTY: true, StderrTTY: true, Getenv: envOf("TERM", "dumb")}, false, false},
		{"always pipes", Options{Color: ColorAlways}, true, true},
		{"always beats NO_COLOR", Options{Color: ColorAlways, Getenv: envOf("NO_COLOR", "1")}, true, true},
		{"never beats FORCE_COLOR", Options{Color: ColorNever, StdoutTTY: true, StderrTTY: true, Getenv: envOf("FORCE_COLOR", "1")}, false, false},
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
	p.Failed(Failure{Msg: "broken", Hints: []string{"try this"}, Exit: 1})
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
