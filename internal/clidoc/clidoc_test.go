package clidoc

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// testApp has a flag of every kind, a group that one command has whole and
// another only in part, and text that needs quoting in every language.
func testApp() App {
	addr := Flag{Long: "addr", Short: "a", Arg: "HOST:PORT", Usage: "connect to HOST:PORT"}
	tls := Flag{Long: "cacert", Arg: "FILE", Usage: "trust the CA in FILE", File: true}
	return App{
		Usage:   "a test tool",
		Version: "v1.2.3",
		Flags:   []Flag{{Long: "version", Short: "V", Usage: "print the version"}},
		Commands: []Command{
			{
				Name: "get", Usage: "fetch one [thing]", ArgsUsage: "URL",
				Description: ".dot first\n'quote first\n  an indented example",
				Flags: []Flag{
					addr, tls,
					{Long: "format", Short: "f", Arg: "raw|json", Usage: "print as raw|json", Default: "raw", Choices: []string{"raw", "json"}},
					{Long: "header", Short: "H", Arg: "'Name: value'", Usage: "add header 'Name: value'", Repeatable: true, AtFile: true},
					{Long: "tag", Arg: "T", Usage: "tag it (repeat it)", Repeatable: true},
					{Long: "dry-run", Usage: `don't send \ anything`},
				},
			},
			{
				Name: "put", Usage: "store one", ArgsUsage: "URL [MESSAGE...]", AtFileArgs: true,
				Flags: []Flag{{Long: "addr", Short: "a", Arg: "HOST:PORT", Usage: "listen on HOST:PORT"}, tls},
			},
			{Name: "shell", Usage: "pick a shell", ArgsUsage: "sh|csh", Choices: []string{"sh", "csh"}},
		},
		FlagGroups: []FlagGroup{{Name: "dialer", Flags: []Flag{addr, tls}}},
	}
}

// script is the named shell's script for app.
func script(t *testing.T, name string, app App) string {
	t.Helper()
	sh, ok := FindShell(name)
	if !ok {
		t.Fatalf("no shell %s", name)
	}
	return sh.Script(app)
}

func TestDocBash(t *testing.T) {
	s := script(t, "bash", testApp())
	for _, want := range []string{
		"\t\tget|put|shell)\n",
		`compgen -W "get put shell -V --version -h --help"`,
		"\t\t-f|--format)\n\t\t\tmapfile -t COMPREPLY < <(compgen -W \"raw json\" -- \"$cur\")\n\t\t\treturn\n",
		"\t\t--cacert)\n\t\t\tcompopt -o filenames\n",
		"\t\t-H|--header)\n\t\t\t_wsx_atfile \"$cur\"\n\t\t\treturn\n",
		"\t\t-a|--addr|--tag)\n\t\t\treturn\n", // values nobody can guess
		`compgen -W "-a --addr --cacert -f --format -H --header --tag --dry-run -h --help"`,
		"\t\telse\n\t\t\tmapfile -t COMPREPLY < <(compgen -W \"sh csh\" -- \"$cur\")\n",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("bash script has no %q", want)
		}
	}
	if strings.Count(s, "\t\telse\n\t\t\tmapfile") != 1 {
		t.Errorf("bash offers positional words for more than the one command with them")
	}
	if strings.Count(s, "\t\telse\n\t\t\t_wsx_atfile \"$cur\"\n") != 1 {
		t.Errorf("bash completes @FILE arguments of more than the one command that takes them")
	}
}

func TestDocZsh(t *testing.T) {
	s := script(t, "zsh", testApp())
	for _, want := range []string{
		`'get:fetch one [thing]'`,
		`_values 'flag' '-V[print the version]' '--version[print the version]' '-h[show help]' '--help[show help]'` + "\n",
		`'(-f --format)'{-f,--format}'[print as raw|json]:raw or json:(raw json)'`,
		`'(--cacert)--cacert[trust the CA in FILE]:file:_files'`,
		`'*'{-H,--header}'[add header '\''Name: value'\'']:Name\: value:_wsx_atfile'`,
		`'*--tag[tag it (repeat it)]:T: '`,
		`'(--dry-run)--dry-run[don'\''t send \ anything]'`,
		`'(-a --addr)'{-a,--addr}'[connect to HOST:PORT]:HOST\:PORT: '`,
		`'*:URL:_wsx_value'`,
		`'*:URL [MESSAGE...]:_wsx_atfile'`,
		`'1:shell:(sh csh)'`,
	} {
		if !strings.Contains(s, want) {
			t.Errorf("zsh script has no %s", want)
		}
	}
	if got := zshFlagSpec(Flag{Long: "x", Usage: "a [b] c"}); got != `'(--x)--x[a \[b\] c]'` {
		t.Errorf("brackets in help: %s", got)
	}
}

func TestDocFish(t *testing.T) {
	s := script(t, "fish", testApp())
	for _, want := range []string{
		"complete -c wsx -n __fish_use_subcommand -a get -d 'fetch one [thing]'\n",
		"complete -c wsx -n __fish_use_subcommand -s V -l version -d 'print the version'\n",
		"complete -c wsx -n '__fish_seen_subcommand_from get' -s f -l format -x -a 'raw json' -d 'print as raw|json'\n",
		"complete -c wsx -n '__fish_seen_subcommand_from get' -l cacert -r -F -d 'trust the CA in FILE'\n",
		"complete -c wsx -n '__fish_seen_subcommand_from get' -s a -l addr -x -d 'connect to HOST:PORT'\n",
		`complete -c wsx -n '__fish_seen_subcommand_from get' -l dry-run -d 'don\'t send \\ anything'` + "\n",
		"complete -c wsx -n '__fish_seen_subcommand_from put' -s h -l help -d 'show help'\n",
		"complete -c wsx -n '__fish_seen_subcommand_from get' -s H -l header -x -a '(__wsx_atfile)' -d 'add header \\'Name: value\\''\n",
		"complete -c wsx -n '__fish_seen_subcommand_from put' -a '(__wsx_atfile)'\n",
		"complete -c wsx -n '__fish_seen_subcommand_from shell' -x -a 'sh csh'\n",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("fish script has no %q", want)
		}
	}
}

func TestDocMan(t *testing.T) {
	s := Man(testApp(), "2031-02-03T04:05:06Z")
	for _, want := range []string{
		".TH WSX 1 \"2031-02-03\" \"wsx v1.2.3\" \"User Commands\"\n",
		".SH NAME\nwsx \\- a test tool\n",
		".SS \"wsx get URL\"\nFetch one [thing].\n",
		".PP\n\\&.dot first\n\\&'quote first\n.br\n  an indented example\n",
		".PP\nIt also takes the dialer flags (below).\n",
		".TP\n\\fB\\-f\\fR, \\fB\\-\\-format\\fR \\fIraw|json\\fR\nprint as raw|json (default: raw)\n",
		"add header 'Name: value'; repeatable\n",
		"tag it (repeat it)\n",
		"don't send \\e anything\n",
		// put's --addr says something else: it is put's own, and put has no group
		".SS \"wsx put URL [MESSAGE...]\"\nStore one.\n.TP\n\\fB\\-a\\fR, \\fB\\-\\-addr\\fR \\fIHOST:PORT\\fR\nlisten on HOST:PORT\n",
		".SH \"DIALER FLAGS\"\nget take these.\n.TP\n\\fB\\-a\\fR",
		".TP\n.B 0\ndone:",
		".TP\n.B 130\ninterrupted",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("page has no %q", want)
		}
	}
	if strings.Count(s, "connect to HOST:PORT") != 1 {
		t.Errorf("the dialer's --addr is not listed once")
	}
	for _, st := range exitStatuses {
		if !strings.Contains(s, ".B "+strconv.Itoa(st.code)+"\n") {
			t.Errorf("page has no exit status %d", st.code)
		}
	}
	if got := Man(testApp(), ""); !strings.HasPrefix(got, `.TH WSX 1 "" "wsx v1.2.3"`) {
		t.Errorf("no date: header %q", got[:strings.Index(got, "\n")])
	}
}

// The scripts add the help flag to a command's flags without writing into
// the caller's slice.
func TestDocHelpFlagLeavesFlagsAlone(t *testing.T) {
	flags := make([]Flag, 1, 2)
	flags[0] = Flag{Long: "one", Usage: "one"}
	app := App{Commands: []Command{{Name: "c", Flags: flags}}}
	for _, sh := range Shells {
		sh.Script(app)
	}
	if spare := flags[:2][1]; spare.Long != "" {
		t.Errorf("the caller's spare capacity holds %+v", spare)
	}
}

// Each script parses in its shell, and the page passes groff's warnings,
// with text that needs quoting everywhere.
func TestDocToolsReadTheOutput(t *testing.T) {
	dir := t.TempDir()
	app := testApp()
	for _, tc := range []struct {
		tool string
		args []string
		text string
	}{
		{"bash", []string{"-n"}, script(t, "bash", app)},
		{"zsh", []string{"-n"}, script(t, "zsh", app)},
		{"fish", []string{"--no-execute"}, script(t, "fish", app)},
		{"groff", []string{"-man", "-ww", "-z"}, Man(app, "")},
	} {
		if _, err := exec.LookPath(tc.tool); err != nil {
			t.Logf("no %s: not checked", tc.tool)
			continue
		}
		file := filepath.Join(dir, tc.tool)
		if err := os.WriteFile(file, []byte(tc.text), 0o644); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(tc.tool, append(tc.args, file)...).CombinedOutput()
		if err != nil || len(out) > 0 {
			t.Errorf("%s %s: %v\n%s", tc.tool, strings.Join(tc.args, " "), err, out)
		}
	}
}
