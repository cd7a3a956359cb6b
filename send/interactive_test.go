package send

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
)

func TestParseCommand(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in   string
		want Command
	}{
		{"/ping", Command{Kind: CmdPing, Data: []byte{}}},
		{"/ping hello", Command{Kind: CmdPing, Data: []byte("hello")}},
		{"/ping  two  spaces ", Command{Kind: CmdPing, Data: []byte(" two  spaces ")}},
		{"/close", Command{Kind: CmdClose}},
		{"/close 4001", Command{Kind: CmdClose, Code: "4001"}},
		{"/close 4001 token expired", Command{Kind: CmdClose, Code: "4001", Reason: "token expired"}},
		{"/close going_away  bye now  ", Command{Kind: CmdClose, Code: "going_away", Reason: "bye now"}},
		{"/close   1000", Command{Kind: CmdClose, Code: "1000"}},
		{"/quit", Command{Kind: CmdQuit}},
		{"/exit", Command{Kind: CmdQuit}},
		{"/q", Command{Kind: CmdQuit}},
		{"/quit now", Command{Kind: CmdQuit}},
	}
	for _, tc := range cases {
		c, err := ParseCommand(tc.in)
		if err != nil {
			t.Errorf("ParseCommand(%q): %v", tc.in, err)
			continue
		}
		if c.Kind != tc.want.Kind || !bytes.Equal(c.Data, tc.want.Data) || c.Code != tc.want.Code || c.Reason != tc.want.Reason {
			t.Errorf("ParseCommand(%q) = {%s %q %q %q}, want {%s %q %q %q}", tc.in,
				c.Kind, c.Data, c.Code, c.Reason, tc.want.Kind, tc.want.Data, tc.want.Code, tc.want.Reason)
		}
	}
}

func TestParseCommandUnknown(t *testing.T) {
	t.Parallel()
	for in, pos := range map[string]string{
		"/":         "/",
		"/pong":     "/pong",
		"/PING x":   "/PING",
		"/quitting": "/quitting",
		"/ping\tx":  "/ping\tx",
	} {
		c, err := ParseCommand(in)
		var ie *InputError
		if !errors.As(err, &ie) || c != nil {
			t.Errorf("ParseCommand(%q) = %v, %v; want nil, *InputError", in, c, err)
			continue
		}
		if ie.Pos != pos || !strings.HasPrefix(ie.Msg, "unknown command") || !strings.Contains(ie.Msg, "//") {
			t.Errorf("ParseCommand(%q): error %q at %q, want an unknown command at %q with a hint", in, ie.Msg, ie.Pos, pos)
		}
	}
}

// fakeLines is a LineReader that returns its lines, then err.
type fakeLines struct {
	lines []string
	err   error
}

func (f *fakeLines) ReadLine() (string, error) {
	if len(f.lines) == 0 {
		return "", f.err
	}
	s := f.lines[0]
	f.lines = f.lines[1:]
	return s, nil
}

func TestPrompt(t *testing.T) {
	t.Parallel()
	var warnings []string
	lines := &fakeLines{
		lines: []string{"hello", "", "/ping x", "//slash", "/bogus", "/", "/close 4001 bye", "/quit", "after"},
		err:   io.EOF,
	}
	p := NewPrompt(lines, nil, func(s string) { warnings = append(warnings, s) })
	type got struct {
		data, pos string
		cmd       *Command
	}
	var gots []got
	for {
		m, err := p.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if m.Binary {
			t.Errorf("%s: binary message from the prompt", m.Pos)
		}
		gots = append(gots, got{string(m.Data), m.Pos, m.Cmd})
		if p.Pending() != 0 {
			t.Errorf("Pending() = %d, want 0", p.Pending())
		}
	}
	want := []struct {
		data, pos string
		kind      CmdKind
	}{
		{"hello", "input line 1", ""},
		{"/ping x", "input line 3", CmdPing},
		{"/slash", "input line 4", ""},
		{"/close 4001 bye", "input line 7", CmdClose},
		{"/quit", "input line 8", CmdQuit},
		{"after", "input line 9", ""},
	}
	if len(gots) != len(want) {
		t.Fatalf("got %+v, want %+v", gots, want)
	}
	for i, w := range want {
		g := gots[i]
		kind := CmdKind("")
		if g.cmd != nil {
			kind = g.cmd.Kind
		}
		if g.data != w.data || g.pos != w.pos || kind != w.kind {
			t.Errorf("message %d = {%q %s %q}, want {%q %s %q}", i, g.data, g.pos, kind, w.data, w.pos, w.kind)
		}
	}
	if gots[1].cmd != nil && string(gots[1].cmd.Data) != "x" {
		t.Errorf("/ping x carries %q", gots[1].cmd.Data)
	}
	if c := gots[3].cmd; c != nil && (c.Code != "4001" || c.Reason != "bye") {
		t.Errorf("/close 4001 bye parsed as %+v", *c)
	}
	if len(warnings) != 2 || !strings.HasPrefix(warnings[0], "/bogus: unknown command") ||
		!strings.HasPrefix(warnings[1], "/: unknown command") {
		t.Errorf("warnings = %q, want one for /bogus and one for /", warnings)
	}
}

func TestPromptEnd(t *testing.T) {
	t.Parallel()
	broken := errors.New("terminal gone")
	cases := []struct {
		name     string
		keys     string // what the terminal delivered before the line reader failed
		err      error
		want     error
		watching bool
	}{
		{"EOF without a watcher", "", io.EOF, io.EOF, false},
		{"EOF with no Ctrl-C", "abc", io.EOF, io.EOF, true},
		{"Ctrl-C", "ab\x03", io.EOF, ErrInterrupted, true},
		{"Ctrl-C wins over a read error", "\x03", broken, ErrInterrupted, true},
		{"read error", "x", broken, broken, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var keys *KeyWatcher
			if tc.watching {
				keys = NewKeyWatcher(strings.NewReader(tc.keys))
				if _, err := io.ReadAll(keys); err != nil {
					t.Fatal(err)
				}
			}
			p := NewPrompt(&fakeLines{err: tc.err}, keys, func(string) {})
			if _, err := p.Next(); !errors.Is(err, tc.want) {
				t.Errorf("Next() = %v, want %v", err, tc.want)
			}
		})
	}
}

func TestKeyWatcher(t *testing.T) {
	t.Parallel()
	in := "ab\x03cd\x03\x03ef"
	k := NewKeyWatcher(strings.NewReader(in))
	var got []byte
	buf := make([]byte, 3)
	for {
		n, err := k.Read(buf)
		got = append(got, buf[:n]...)
		if bytes.IndexByte(got, 3) >= 0 && !k.Interrupted() {
			t.Fatal("a Read returned Ctrl-C without noting it")
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if string(got) != in {
		t.Errorf("passed through %q, want %q", got, in)
	}
}

func TestKeyWatcherQuiet(t *testing.T) {
	t.Parallel()
	k := NewKeyWatcher(strings.NewReader("no interrupt \x02\x04 here"))
	if _, err := io.ReadAll(k); err != nil {
		t.Fatal(err)
	}
	if k.Interrupted() {
		t.Error("Interrupted() = true without Ctrl-C")
	}
	// Without OnInterrupt, Ctrl-C is only noted.
	k = NewKeyWatcher(strings.NewReader("\x03"))
	if _, err := io.ReadAll(k); err != nil {
		t.Fatal(err)
	}
	if !k.Interrupted() {
		t.Error("Interrupted() = false after Ctrl-C")
	}
}
