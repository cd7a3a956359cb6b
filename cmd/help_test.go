// wsx's help layout: wrapped to the width, flags in two columns, each name
// with its placeholder, the help and the default.

package cmd

import (
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/urfave/cli/v3"
)

// fill breaks lines between words only, never inside one: a word wider
// than the width has a line of its own.
func TestFill(t *testing.T) {
	url := "wss://feed.example/a/very/long/path?with=a&query=string"
	for _, tc := range []struct {
		words []string
		width int
		want  []string
	}{
		{strings.Fields("one two three four"), 9, []string{"one two", "three", "four"}},
		{strings.Fields("one two three four"), 18, []string{"one two three four"}},
		{strings.Fields("one two three four"), 7, []string{"one two", "three", "four"}},
		{[]string{"see", url, "for it"}, 20, []string{"see", url, "for it"}},
		{[]string{"(default: 10s)"}, 5, []string{"(default: 10s)"}},
		{[]string{"±20%", "jitter"}, 11, []string{"±20% jitter"}},
		{nil, 10, nil},
	} {
		got := fill(tc.words, tc.width)
		if !slices.Equal(got, tc.want) {
			t.Errorf("fill(%q, %d) = %q, want %q", tc.words, tc.width, got, tc.want)
		}
		for _, line := range got {
			for _, w := range strings.Fields(line) {
				if !slices.Contains(strings.Fields(strings.Join(tc.words, " ")), w) {
					t.Errorf("fill(%q, %d): %q is no word of the text", tc.words, tc.width, w)
				}
			}
		}
	}
}

// An entry's words wrap with a hanging indent at the column, beside the
// names when they fit before it, else from the line below them; names too
// wide for a line are broken between two names.
func TestEntry(t *testing.T) {
	for _, tc := range []struct {
		names []string
		want  string
	}{
		{[]string{"--count N,", "-n N"}, "" +
			"   --count N, -n N   stop after N kept\n" +
			"                     messages\n"},
		{[]string{"--header 'Name: value',", "-H 'Name: value'"}, "" +
			"   --header 'Name: value',\n" +
			"   -H 'Name: value'\n" +
			"                     stop after N kept\n" +
			"                     messages\n"},
		{[]string{"--very-long-name-indeed,", "-v"}, "" +
			"   --very-long-name-indeed, -v\n" +
			"                     stop after N kept\n" +
			"                     messages\n"},
		{nil, "" +
			"                     stop after N kept\n" +
			"                     messages\n"},
	} {
		p := &page{width: 40}
		p.entry(tc.names, 21, strings.Fields("stop after N kept messages"))
		if p.String() != tc.want {
			t.Errorf("entry(%q):\n%s\nwant\n%s", tc.names, p.String(), tc.want)
		}
	}
}

// A preformatted line stays whole when it fits, and is broken only where
// two spaces stand between its columns when it does not.
func TestPreformatted(t *testing.T) {
	line := "  source <(wsx completion bash)    wsx completion fish | source"
	for width, want := range map[int]string{
		80: "     source <(wsx completion bash)    wsx completion fish | source\n",
		50: "     source <(wsx completion bash)\n     wsx completion fish | source\n",
		20: "     source <(wsx completion bash)\n     wsx completion fish | source\n",
	} {
		p := &page{width: width}
		p.preformatted(line)
		if p.String() != want {
			t.Errorf("width %d:\n%s\nwant\n%s", width, p.String(), want)
		}
	}
}

// The help's width: COLUMNS when it is a positive number, else stdout's
// terminal's, else 80; never under 40.
func TestHelpWidth(t *testing.T) {
	for _, tc := range []struct {
		columns string
		tty     bool
		term    int
		want    int
	}{
		{"", false, 0, 80},
		{"120", false, 0, 120},
		{"120", true, 100, 120},
		{"", true, 100, 100},
		{"", false, 100, 80}, // a pipe: its reader's width is not known
		{"", true, -1, 80},   // a terminal that cannot be measured
		{"0", true, 100, 100},
		{"-5", false, 0, 80},
		{"wide", false, 0, 80},
		{"20", false, 0, 40},
		{"", true, 12, 40},
	} {
		env := &Env{
			Getenv:      func(k string) string { return map[string]string{"COLUMNS": tc.columns}[k] },
			StdoutTTY:   tc.tty,
			StdoutWidth: func() int { return tc.term },
		}
		if got := helpWidth(env); got != tc.want {
			t.Errorf("COLUMNS=%q, tty %v of %d columns: width %d, want %d", tc.columns, tc.tty, tc.term, got, tc.want)
		}
	}
}

// The help is written at the width the run's Env gives.
func TestHelpFollowsColumns(t *testing.T) {
	for _, width := range []int{50, 80, 120} {
		env := &Env{Getenv: func(k string) string { return map[string]string{"COLUMNS": strconv.Itoa(width)}[k] }}
		r := runWsx(env, "listen", "--help")
		widest := 0
		for _, line := range strings.Split(r.stdout.String(), "\n") {
			widest = max(widest, columns(line))
		}
		if r.code != 0 || widest > width || widest < width-10 {
			t.Errorf("COLUMNS=%d: exit %d, lines up to %d columns wide", width, r.code, widest)
		}
	}
}

// A flag's names each carry the placeholder; its help says when it may be
// repeated and what it holds when it is not given, as one word, when that
// means something: not a switch's, not a number that means none, not one
// the usage says.
func TestFlagHelp(t *testing.T) {
	steps := &stepList{}
	for _, tc := range []struct {
		flag         cli.Flag
		names, words []string
	}{
		{&cli.StringFlag{Name: "connect-timeout", Value: "10s", Usage: "limit it to `DUR`"},
			[]string{"    --connect-timeout DUR"}, []string{"limit", "it", "to", "DUR", "(default: 10s)"}},
		{&cli.StringFlag{Name: "origin", Usage: "send Origin: `URL`"},
			[]string{"    --origin URL"}, []string{"send", "Origin:", "URL"}},
		{&cli.StringFlag{Name: "x", Usage: "no placeholder"},
			[]string{"-x value"}, []string{"no", "placeholder"}},
		{&cli.IntFlag{Name: "count", Aliases: []string{"n"}, Usage: "wait for `N` replies"},
			[]string{"-n,", "--count N"}, []string{"wait", "for", "N", "replies"}},
		{&cli.IntFlag{Name: "repeat", Value: 1, Usage: "send it `N` times"},
			[]string{"    --repeat N"}, []string{"send", "it", "N", "times", "(default: 1)"}},
		{&cli.IntFlag{Name: "close-after", Value: -1, Usage: "close after `N` messages"},
			[]string{"    --close-after N"}, []string{"close", "after", "N", "messages"}},
		{&cli.StringFlag{Name: "mode", Value: "echo", Usage: "`MODE` (echo by default)"},
			[]string{"    --mode MODE"}, []string{"MODE", "(echo", "by", "default)"}},
		{&cli.BoolFlag{Name: "on", Value: true, Usage: "a switch"},
			[]string{"    --on"}, []string{"a", "switch"}},
		{&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "print no status lines"},
			[]string{"-q,", "--quiet"}, []string{"print", "no", "status", "lines"}},
		{listFlag("header", "add `'Name: value'` (repeatable)", "H"),
			[]string{"-H,", "--header 'Name: value'"}, []string{"add", "'Name:", "value'", "(repeatable)"}},
		{steps.flag("ping", "step: a ping"),
			[]string{"    --ping"}, []string{"step:", "a", "ping;", "repeatable"}},
		{steps.flag("close", "step: close with `['CODE [REASON]']`"),
			[]string{"    --close ['CODE [REASON]']"}, []string{"step:", "close", "with", "['CODE", "[REASON]']"}},
	} {
		if names, words := flagNames(tc.flag), flagWords(tc.flag); !slices.Equal(names, tc.names) || !slices.Equal(words, tc.words) {
			t.Errorf("%s:\n got %q %q\nwant %q %q", tc.flag.Names()[0], names, words, tc.names, tc.words)
		}
	}
}

// Every flag of every command is under one heading of its help: a group
// that groupFlags does not know would drop its flags.
func TestHelpGroupsEveryFlag(t *testing.T) {
	for _, c := range newApp(&Env{}, "").Commands {
		n := 0
		for _, g := range groupFlags(c.Flags) {
			n += len(g.flags)
		}
		if n != len(c.Flags) {
			t.Errorf("%s: %d flags under the headings, of %d", c.Name, n, len(c.Flags))
		}
	}
}

// Each command's help has two to four examples, each a command line of
// wsx (a comment before it) that runs the command, and whose flags wsx
// reads. Whether each does what its comment says is checked by hand,
// against a wsx serve.
func TestExamples(t *testing.T) {
	if len(examples) != len(commands) {
		t.Errorf("examples of %d commands, of %d", len(examples), len(commands))
	}
	for _, c := range commands {
		n := 0
		for i, line := range examples[c.name] {
			if strings.HasPrefix(line, "# ") {
				continue
			}
			n++
			if i == 0 || !strings.HasPrefix(examples[c.name][i-1], "# ") {
				t.Errorf("%s: no comment before %q", c.name, line)
			}
			args := exampleArgs(line)
			if args[0] != "wsx" || commandOf(args[1:]) != c.name {
				t.Errorf("%s: %q does not run wsx %s", c.name, line, c.name)
				continue
			}
			app := newApp(&Env{}, c.name)
			ordered, err := reorder(app, c.name, args[1:])
			if err == nil {
				_, err = commandLine(app, typedAs(args[1:], c.name), ordered)
			}
			if err != nil {
				t.Errorf("%s: %q: %v", c.name, line, err)
			}
		}
		if n < 2 || n > 4 {
			t.Errorf("%s: %d examples, want 2 to 4", c.name, n)
		}
	}
}

// exampleArgs are the words of an example as the shell gives them to its
// first command: up to a pipe or a redirection, the quotes taken off.
func exampleArgs(line string) []string {
	var args []string
	for _, w := range shellWords(line) {
		if strings.ContainsAny(w[:1], "|<>") || strings.HasPrefix(w, "2>") { // a pipe or a redirection ends wsx's words
			break
		}
		if len(w) > 1 && (w[0] == '\'' || w[0] == '"') && w[len(w)-1] == w[0] {
			w = w[1 : len(w)-1]
		}
		args = append(args, w)
	}
	return args
}

// A command line too wide for the help is broken between shell words, not
// inside quotes, each line but the last ending in a backslash.
func TestExampleLines(t *testing.T) {
	p := &page{width: 40}
	p.examples([]string{"# close each connection after its first message", "wsx serve --close-after 1 --close-reason 'token expired'"})
	want := "" +
		"   # close each connection after its\n" +
		"   # first message\n" +
		"   $ wsx serve --close-after 1 \\\n" +
		"     --close-reason 'token expired'\n"
	if p.String() != want {
		t.Errorf("got\n%s\nwant\n%s", p.String(), want)
	}
	if got := shellWords(`wsx listen --send '{"op": "sub"}' "a b"  URL`); !slices.Equal(got, []string{"wsx", "listen", "--send", `'{"op": "sub"}'`, `"a b"`, "URL"}) {
		t.Errorf("shellWords: %q", got)
	}
}
