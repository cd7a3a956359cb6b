package clidoc

import (
	"fmt"
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
				Description: ".dot first\n'quote first\n  an indented example\n  its second line\nthe text after it",
				Examples:    []string{`# fetch it \ now`, "wsx get -f json URL", "# and again", "wsx get URL"},
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

// hasAll fails t for each of wants that the doc s does not hold.
func hasAll(t *testing.T, doc, s string, wants ...string) {
	t.Helper()
	for _, want := range wants {
		if !strings.Contains(s, want) {
			t.Errorf("%s has no %q", doc, want)
		}
	}
}

func TestDocBash(t *testing.T) {
	s := script(t, "bash", testApp())
	hasAll(t, "bash script", s,
		"\t\tget|put|shell)\n",
		`compgen -W "get put shell -V --version -h --help"`,
		"\t\t-f|--format)\n\t\t\tmapfile -t COMPREPLY < <(compgen -W \"raw json\" -- \"$cur\")\n\t\t\treturn\n",
		"\t\t--cacert)\n\t\t\tcompopt -o filenames\n",
		"\t\t-H|--header)\n\t\t\t_wsx_atfile \"$cur\"\n\t\t\treturn\n",
		"\t\t-a|--addr|--tag)\n\t\t\treturn\n", // values nobody can guess
		`compgen -W "-a --addr --cacert -f --format -H --header --tag --dry-run -h --help"`,
		"\t\telse\n\t\t\tmapfile -t COMPREPLY < <(compgen -W \"sh csh\" -- \"$cur\")\n",
	)
	if strings.Count(s, "\t\telse\n\t\t\tmapfile") != 1 {
		t.Errorf("bash offers positional words for more than the one command with them")
	}
	if strings.Count(s, "\t\telse\n\t\t\t_wsx_atfile \"$cur\"\n") != 1 {
		t.Errorf("bash completes @FILE arguments of more than the one command that takes them")
	}
}

func TestDocZsh(t *testing.T) {
	s := script(t, "zsh", testApp())
	hasAll(t, "zsh script", s,
		`'get:fetch one [thing]'`,
		`_values 'flag' '-V[print the version]' '--version[print the version]' '-h[show help]' '--help[show help]'`+"\n",
		`'(-f --format)'{-f,--format}'[print as raw|json]:raw or json:(raw json)'`,
		`'(--cacert)--cacert[trust the CA in FILE]:file:_files'`,
		`'*'{-H,--header}'[add header '\''Name: value'\'']:Name\: value:_wsx_atfile'`,
		`'*--tag[tag it (repeat it)]:T: '`,
		`'(--dry-run)--dry-run[don'\''t send \\ anything]'`,
		`'(-a --addr)'{-a,--addr}'[connect to HOST:PORT]:HOST\:PORT: '`,
		`'*:URL:_wsx_value'`,
		`'*:URL [MESSAGE...]:_wsx_atfile'`,
		`'1:shell:(sh csh)'`,
	)
	if got := zshFlagSpec(Flag{Long: "x", Usage: "a [b] c"}); got != `'(--x)--x[a \[b\] c]'` {
		t.Errorf("brackets in help: %s", got)
	}
}

func TestDocFish(t *testing.T) {
	s := script(t, "fish", testApp())
	hasAll(t, "fish script", s,
		"complete -c wsx -n __fish_use_subcommand -a get -d 'fetch one [thing]'\n",
		"complete -c wsx -n __fish_use_subcommand -s V -l version -d 'print the version'\n",
		"complete -c wsx -n '__fish_seen_subcommand_from get' -s f -l format -x -a 'raw json' -d 'print as raw|json'\n",
		"complete -c wsx -n '__fish_seen_subcommand_from get' -l cacert -r -F -d 'trust the CA in FILE'\n",
		"complete -c wsx -n '__fish_seen_subcommand_from get' -s a -l addr -x -d 'connect to HOST:PORT'\n",
		`complete -c wsx -n '__fish_seen_subcommand_from get' -l dry-run -d 'don\'t send \\ anything'`+"\n",
		"complete -c wsx -n '__fish_seen_subcommand_from put' -s h -l help -d 'show help'\n",
		"complete -c wsx -n '__fish_seen_subcommand_from get' -s H -l header -x -a '(__wsx_atfile)' -d 'add header \\'Name: value\\''\n",
		"complete -c wsx -n '__fish_seen_subcommand_from put' -a '(__wsx_atfile)'\n",
		"complete -c wsx -n '__fish_seen_subcommand_from shell' -x -a 'sh csh'\n",
	)
}

// PowerShell's script is checked as generated: no PowerShell here to load
// it (see the README).
func TestDocPowerShell(t *testing.T) {
	app := testApp()
	app.Commands[2].Usage = "pick a ‘shell’" // PowerShell's single quotes too
	s := script(t, "powershell", app)
	hasAll(t, "PowerShell script", s,
		"Register-ArgumentCompleter -Native -CommandName wsx -ScriptBlock {\n",
		"\t\t\t@{ Names = @('-V', '--version'); Tip = 'print the version'; Value = '' }\n",
		"\t\t'get' = @{\n\t\t\tTip = 'fetch one [thing]'\n\t\t\tFlags = @(\n",
		"@{ Names = @('-a', '--addr'); Tip = 'connect to HOST:PORT'; Value = 'open' }\n",
		"@{ Names = @('--cacert'); Tip = 'trust the CA in FILE'; Value = 'file' }\n",
		"@{ Names = @('-f', '--format'); Tip = 'print as raw|json'; Value = 'choice'; Choices = @('raw', 'json') }\n",
		"@{ Names = @('-H', '--header'); Tip = 'add header ''Name: value'''; Value = 'atfile' }\n",
		`@{ Names = @('--dry-run'); Tip = 'don''t send \ anything'; Value = '' }`+"\n",
		"\t\t\t\t@{ Names = @('-h', '--help'); Tip = 'show help'; Value = '' }\n\t\t\t)\n\t\t\tChoices = @()\n\t\t\tAtFile = $false\n",
		"\t\t'put' = @{\n\t\t\tTip = 'store one'\n",
		"\t\t\tChoices = @()\n\t\t\tAtFile = $true\n",
		"\t\t'shell' = @{\n\t\t\tTip = 'pick a ‘‘shell’’'\n",
		"\t\t\tChoices = @('sh', 'csh')\n",
		// what completes each kind of value
		"'choice' { $flag.Choices",
		"'file' { [System.Management.Automation.CompletionCompleters]::CompleteFilename($word) }",
		"'atfile' { atFiles $word }",
		"} elseif ($cmd.AtFile) {\n\t\tatFiles $word\n",
	)
	if bad := psUnbalanced(s); bad != "" {
		t.Errorf("PowerShell script: %s\n%s", bad, s)
	}
}

// psUnbalanced says where a PowerShell script's brackets or quotes do not
// pair up, or "" when they all do. It reads the script as PowerShell's
// tokenizer does, as far as the scripts go: # comments to the end of the line,
// a backquote escaping what follows it, '...' strings (a quote doubled is one
// quote in them, and the typographic single quotes are quotes too) and "..."
// strings (with backquote escapes).
func psUnbalanced(script string) string {
	rs := []rune(script)
	var open []rune // the brackets not yet closed
	line := 1
	for i := 0; i < len(rs); i++ {
		switch r := rs[i]; {
		case r == '\n':
			line++
		case r == '#':
			for i+1 < len(rs) && rs[i+1] != '\n' {
				i++
			}
		case r == '`':
			i++
		case strings.ContainsRune(psSingleQuotes, r), r == '"':
			start, single := line, r != '"'
			for i++; ; i++ {
				if i == len(rs) {
					return fmt.Sprintf("line %d: string never closed", start)
				}
				c := rs[i]
				if c == '\n' {
					line++
				}
				if c == '`' && !single {
					i++
					continue
				}
				if single && strings.ContainsRune(psSingleQuotes, c) || !single && c == '"' {
					if i+1 < len(rs) && rs[i+1] == c {
						i++ // a doubled quote
						continue
					}
					break
				}
			}
		case strings.ContainsRune("({[", r):
			open = append(open, r)
		case strings.ContainsRune(")}]", r):
			want := map[rune]rune{')': '(', '}': '{', ']': '['}[r]
			if len(open) == 0 || open[len(open)-1] != want {
				return fmt.Sprintf("line %d: %c closes nothing open", line, r)
			}
			open = open[:len(open)-1]
		}
	}
	if len(open) > 0 {
		return "never closed: " + string(open)
	}
	return ""
}

// The check finds what it is for.
func TestPsUnbalanced(t *testing.T) {
	for script, want := range map[string]string{
		"@{ Tip = 'it''s [x' }":    "",
		"@{ Tip = \"a `\" ( b\" }": "",
		"# ( a comment\n@()":       "",
		"@{ Tip = 'it's' }":        "line 1: string never closed",
		"@{ Tip = 'it’s' }":        "line 1: string never closed",
		"@{\n\t@(\n}":              "line 3: } closes nothing open",
		"@{ @() ":                  "never closed: {",
	} {
		if got := psUnbalanced(script); got != want {
			t.Errorf("psUnbalanced(%q) = %q, want %q", script, got, want)
		}
	}
}

func TestDocMan(t *testing.T) {
	s := Man(testApp(), "2031-02-03T04:05:06Z")
	for _, want := range []string{
		".TH WSX 1 \"2031-02-03\" \"wsx v1.2.3\" \"User Commands\"\n",
		".SH NAME\nwsx \\- a test tool\n",
		".SS \"wsx get URL\"\nFetch one [thing].\n",
		".PP\n\\&.dot first\n\\&'quote first\n.nf\n  an indented example\n  its second line\n.fi\nthe text after it\n",
		".PP\nExamples:\n.RS\n.nf\n# fetch it \\e now\n$ wsx get \\-f json URL\n.sp\n# and again\n$ wsx get URL\n.fi\n.RE\n.PP\nIt also takes",
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
	if strings.Count(s, "Examples:") != 1 {
		t.Errorf("examples under a command that has none")
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
