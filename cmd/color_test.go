package cmd

// Colour: one decision per stream for every command, probe included, and
// one voice for errors whichever part of wsx reports them.

import (
	"strings"
	"testing"

	"github.com/wsx-cli/wsx/format"
	"github.com/wsx-cli/wsx/serve"
)

func getenv(vars ...string) func(string) string {
	m := map[string]string{}
	for i := 0; i+1 < len(vars); i += 2 {
		m[vars[i]] = vars[i+1]
	}
	return func(k string) string { return m[k] }
}

// TestColorFlagChecked: every command that takes --color refuses a bad one
// the same way.
func TestColorFlagChecked(t *testing.T) {
	for _, cmd := range []string{"connect", "send", "listen", "probe"} {
		r := runWsx(&Env{}, cmd, "--color", "bogus", "ws://127.0.0.1:1/")
		want := "wsx: error: invalid color \"bogus\": want auto, always or never\n"
		if r.code != 2 || !strings.HasPrefix(r.stderr.String(), want) {
			t.Errorf("%s --color bogus: exit %d, stderr %q; want exit 2 and %q", cmd, r.code, r.stderr.String(), want)
		}
	}
}

// TestErrorsInOneVoice: a connect error (printed by Main) and a timeout
// (printed by the session) start alike, in colour exactly when stderr's
// decision says so.
func TestErrorsInOneVoice(t *testing.T) {
	_, url, _ := startServer(t, serve.Options{Mode: serve.Sink})
	red := format.NewPalette(true).Error("wsx: error:") + " "
	for _, c := range []struct {
		name      string
		env       *Env
		colour    bool
		extraArgs []string
	}{
		{"a terminal", &Env{StderrTTY: true}, true, nil},
		{"a pipe", &Env{}, false, nil},
		{"a pipe, CLICOLOR_FORCE", &Env{Getenv: getenv("CLICOLOR_FORCE", "1")}, true, nil},
		{"a pipe, FORCE_COLOR", &Env{Getenv: getenv("FORCE_COLOR", "1")}, true, nil},
		{"a terminal, NO_COLOR", &Env{StderrTTY: true, Getenv: getenv("NO_COLOR", "1")}, false, nil},
		{"a terminal, TERM=dumb", &Env{StderrTTY: true, Getenv: getenv("TERM", "dumb")}, false, nil},
		{"a terminal, --color never", &Env{StderrTTY: true}, false, []string{"--color", "never"}},
		{"a pipe, --color=always", &Env{}, true, []string{"--color=always"}},
	} {
		want := "wsx: error: "
		if c.colour {
			want = red
		}
		for _, args := range [][]string{
			{"connect", "ws://127.0.0.1:1/"},            // Main prints it
			{"listen", "--timeout", "100ms", "-q", url}, // the session prints it
		} {
			env := *c.env
			r := runWsx(&env, append(args, c.extraArgs...)...)
			if got := r.stderr.String(); !strings.HasPrefix(got, want) {
				t.Errorf("%s, %s: stderr %q, want it to start with %q", c.name, args[0], got, want)
			}
		}
	}
}

// TestColorPerStream: stdout and stderr decide apart, so a pipe on stdout
// gets no escapes while stderr, a terminal, does.
func TestColorPerStream(t *testing.T) {
	_, url, _ := startServer(t, serve.Options{Greet: []serve.Message{{Data: []byte(`{"a":1}`)}}})
	r := runWsx(&Env{StderrTTY: true}, "listen", "-f", "pretty", "--count", "1", url)
	if r.code != 0 || r.stdout.String() != "{ \"a\": 1 }\n" {
		t.Fatalf("exit %d, stdout %q: want the message without escapes", r.code, r.stdout.String())
	}
	r = runWsx(&Env{StdoutTTY: true}, "listen", "-f", "pretty", "--count", "1", url)
	if !strings.Contains(r.stdout.String(), "\x1b[") || strings.Contains(r.stderr.String(), "\x1b[") {
		t.Fatalf("stdout a terminal, stderr a pipe: stdout %q, stderr %q; want escapes on stdout only", r.stdout.String(), r.stderr.String())
	}
}

// TestProbeMarksFollowStdout: probe's ticks are coloured by stdout's
// decision, NO_COLOR included.
func TestProbeMarksFollowStdout(t *testing.T) {
	_, url, _ := startServer(t, serve.Options{})
	tick := format.NewPalette(true).Good("✓")
	for _, c := range []struct {
		env  *Env
		want string
	}{
		{&Env{StdoutTTY: true}, tick + " upgrade:"},
		{&Env{StdoutTTY: true, Getenv: getenv("NO_COLOR", "1")}, "PASS upgrade:"},
		{&Env{Getenv: getenv("CLICOLOR_FORCE", "1")}, tick + " upgrade:"},
		{&Env{}, "PASS upgrade:"},
	} {
		r := runWsx(c.env, "probe", url)
		if r.code != 0 || !strings.Contains(r.stdout.String(), c.want) {
			t.Errorf("env %+v: exit %d, stdout %q; want %q", *c.env, r.code, r.stdout.String(), c.want)
		}
	}
}
