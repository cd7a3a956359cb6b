package format

import "testing"

func TestParse(t *testing.T) {
	t.Parallel()
	for i, name := range modeNames {
		m, err := ParseMode(name)
		if err != nil || int(m) != i || m.String() != name {
			t.Errorf("ParseMode(%q) = %v, %v", name, m, err)
		}
	}
	for i, name := range binaryNames {
		b, err := ParseBinaryAs(name)
		if err != nil || int(b) != i || b.String() != name {
			t.Errorf("ParseBinaryAs(%q) = %v, %v", name, b, err)
		}
	}
	for i, name := range colorNames {
		c, err := ParseColor(name)
		if err != nil || int(c) != i || c.String() != name {
			t.Errorf("ParseColor(%q) = %v, %v", name, c, err)
		}
	}
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		parse func(string) error
		in    string
		want  string
	}{
		{func(s string) error { _, err := ParseMode(s); return err }, "x",
			`invalid format "x": want auto, raw, pretty, compact or jsonl`},
		{func(s string) error { _, err := ParseMode(s); return err }, "JSON",
			`invalid format "JSON": want auto, raw, pretty, compact or jsonl`},
		{func(s string) error { _, err := ParseBinaryAs(s); return err }, "bin",
			`invalid binary-as "bin": want auto, hex, base64 or raw`},
		{func(s string) error { _, err := ParseColor(s); return err }, "",
			`invalid color "": want auto, always or never`},
	}
	for _, tt := range tests {
		err := tt.parse(tt.in)
		if err == nil || err.Error() != tt.want {
			t.Errorf("parse(%q) error = %v, want %q", tt.in, err, tt.want)
		}
	}
}

func TestStringOutOfRange(t *testing.T) {
	t.Parallel()
	if got := Mode(9).String(); got != "Mode(9)" {
		t.Errorf("Mode(9).String() = %q", got)
	}
}

func TestNewResolvesAuto(t *testing.T) {
	t.Parallel()
	tests := []struct {
		o        Options
		mode     Mode
		binaryAs BinaryAs
	}{
		{Options{}, Raw, BinaryRaw},
		{Options{StdoutTTY: true}, Pretty, Hex},
		{Options{StderrTTY: true}, Raw, BinaryRaw},
		{Options{Mode: Compact, BinaryAs: Base64, StdoutTTY: true}, Compact, Base64},
		{Options{Mode: JSONL}, JSONL, BinaryRaw},
	}
	for _, tt := range tests {
		p, _, _ := newTest(tt.o)
		if p.Mode() != tt.mode || p.binary != tt.binaryAs {
			t.Errorf("New(%+v): mode %v, binary %v; want %v, %v", tt.o, p.Mode(), p.binary, tt.mode, tt.binaryAs)
		}
	}
}
