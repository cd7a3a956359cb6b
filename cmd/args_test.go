// The command line as urfave/cli is given it: each flag as --name=value, then "--" and the arguments.

package cmd

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/wsx-cli/wsx/internal/exit"
)

// commandOf names the command a run needs: the named one, connect for a
// URL or a command's flag, and none (the root's run) otherwise. commands
// holds each command under its own name.
func TestCommandOf(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, ""},
		{[]string{"--help", "send"}, ""},
		{[]string{"-V"}, ""},
		{[]string{"conect", "ws://x"}, ""},
		{[]string{"help"}, ""},
		{[]string{"send", "ws://x"}, "send"},
		{[]string{"completion", "bash"}, "completion"},
		{[]string{"ws://x", "-q"}, "connect"},
		{[]string{"127.0.0.1:1"}, "connect"},
		{[]string{"-q", "ws://x"}, "connect"},
		{[]string{"-V=0"}, "connect"},
	} {
		if got := commandOf(tc.args); got != tc.want {
			t.Errorf("commandOf(%q) = %q, want %q", tc.args, got, tc.want)
		}
	}
	for _, c := range commands {
		if got := c.build(&Env{}).Name; got != c.name {
			t.Errorf("commands[%q] builds the command %q", c.name, got)
		}
	}
}

// commandLine spells what reorder leaves for urfave/cli, and refuses the
// flags Go's flag package refuses, naming the command in the hint. The
// root's flags end at its first argument and are given by what they ask;
// when they ask for nothing, a command named after them runs, its flags
// read where they stand.
func TestCommandLine(t *testing.T) {
	app := newApp(&Env{}, "")
	for _, tc := range []struct {
		args, want []string
		err        string
	}{
		{[]string{"send", "-0", "-q", "--", "URL"}, []string{"send", "--0=true", "--q=true", "--", "URL"}, ""},
		{[]string{"send", "-n", "1", "--header=a=b", "--", "-x"}, []string{"send", "--n=1", "--header=a=b", "--", "-x"}, ""},
		{[]string{"send", "--help"}, []string{"send", "--help=true", "--"}, ""},
		{[]string{"probe", "--ping", "--ping=", "--close=4000 bye", "--", "URL"}, []string{"probe", "--ping=true", "--ping=", "--close=4000 bye", "--", "URL"}, ""},
		{[]string{"--help", "send", "-x"}, []string{"--help", "--", "send", "-x"}, ""},
		{[]string{"-version", "--", "x"}, []string{"--version", "--", "x"}, ""},
		{[]string{"--version", "--version=false"}, []string{"--"}, ""},
		{[]string{"conect", "--bogus"}, []string{"--", "conect", "--bogus"}, ""},
		{[]string{" -x"}, []string{"--", " -x"}, ""},
		{nil, []string{"--"}, ""},
		{[]string{"--help", "--help=false", "send", "-0", "URL", "-q"}, []string{"send", "--0=true", "--", "URL", "-q"}, ""},
		{[]string{"--help", "--help=false", "send", "--count"}, nil, "flag needs an argument: -count (hint: 'wsx send --help' lists the flags)"},
		{[]string{"-V", "-V=0", "--help", "send", "-x"}, []string{"--help", "--", "send", "-x"}, ""},
		{[]string{"--help", "--bogus"}, nil, "unknown flag --bogus (hint: 'wsx --help' lists the flags)"},
		{[]string{"-V", "-0"}, nil, "unknown flag -0 (hint: 'wsx --help' lists the flags)"},
		{[]string{"send", "---x", "--", "URL"}, nil, "bad flag syntax: ---x (hint: 'wsx send --help' lists the flags)"},
		{[]string{"send", "-=x"}, nil, "bad flag syntax: -=x (hint: 'wsx send --help' lists the flags)"},
		{[]string{"send", "-q ", "--", "URL"}, nil, "unknown flag -q  (hint: 'wsx send --help' lists the flags)"},
		{[]string{"send", "--quiet=", "--", "URL"}, nil, `invalid boolean value "" for -quiet: parse error (hint: 'wsx send --help' lists the flags)`},
		{[]string{"send", "--count", "x", "--bogus", "--", "URL"}, nil, `invalid --count "x": want a whole number (hint: 'wsx send --help' lists the flags)`},
		{[]string{"send", "--help", "-n", "1", "--count", "2"}, nil, "Cannot use two forms of the same flag: n count (hint: 'wsx send --help' lists the flags)"},
		{[]string{"-h", "--help"}, nil, "Cannot use two forms of the same flag: h help (hint: 'wsx --help' lists the flags)"},
	} {
		got, err := commandLine(app, typedAs(tc.args, commandOf(tc.args)), slices.Clone(tc.args))
		if tc.err != "" {
			if err == nil || hinted(err) != tc.err {
				t.Errorf("commandLine(%q) = %q, %v; want the error %q", tc.args, got, err, tc.err)
			}
			continue
		}
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("commandLine(%q) = %q, %v; want %q", tc.args, got, err, tc.want)
		}
	}
}

// hinted is a usage error's words as "MESSAGE (hint: HINT)".
func hinted(err error) string {
	var e *exit.Error
	if !errors.As(err, &e) || e.Code != exit.Usage {
		return fmt.Sprintf("not a usage error: %v", err)
	}
	return e.Msg + " (hint: " + strings.Join(e.Hints, "; ") + ")"
}

// TestShortCluster: one-letter flags typed together, as curl and POSIX
// tools read them, and what is left alone.
func TestShortCluster(t *testing.T) {
	withValue := map[string]bool{"q": false, "v": false, "n": true, "count": true, "H": true, "header": true}
	for _, c := range []struct {
		in   string
		want []string // nil: not a cluster
	}{
		{"-qv", []string{"-q", "-v"}},
		{"-n1", []string{"-n=1"}},
		{"-qn1", []string{"-q", "-n=1"}},
		{"-qn", []string{"-q", "-n"}}, // the value is the next argument
		{"-Hname: value", []string{"-H=name: value"}},
		{"-H@auth.txt", []string{"-H=@auth.txt"}},
		{"-nq", []string{"-n=q"}}, // n takes the rest, whatever it is
		{"-count", nil},           // a flag of its own, Go's way
		{"-n=1", nil},             // likewise
		{"-qx", nil},              // x is no flag: refused whole
		{"-x", nil},
		{"--qv", nil},
		{"-q", nil},
	} {
		got, ok := shortCluster(c.in, withValue)
		if ok != (c.want != nil) || !slices.Equal(got, c.want) {
			t.Errorf("%q: %q, %v; want %q", c.in, got, ok, c.want)
		}
	}
}
