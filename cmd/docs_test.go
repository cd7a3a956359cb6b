package cmd

import (
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/wsx-cli/wsx/internal/clidoc"
)

// Every command and every spelling of every flag of the real app is in each
// completion script and in the man page: they are written from the app itself.
func TestDocsCoverEveryFlag(t *testing.T) {
	app := newApp(&Env{}, "")
	d := docApp(app)
	docs := map[string]string{"man": clidoc.Man(d, "")}
	for _, sh := range clidoc.Shells {
		docs[sh.Name] = sh.Script(d)
	}
	cmds := app.VisibleCommands()
	for _, c := range cmds {
		for doc, text := range docs {
			if !strings.Contains(text, c.Name) {
				t.Errorf("%s: no command %s", doc, c.Name)
			}
		}
		for _, f := range c.Flags {
			for _, n := range f.Names() {
				opt, fish := "-"+n, "-s "+n
				if len(n) > 1 {
					opt, fish = "--"+n, "-l "+n
				}
				spell := map[string]string{
					"bash":       opt,
					"zsh":        opt,
					"fish":       fish,
					"powershell": "'" + opt + "'",
					"man":        `\fB` + strings.ReplaceAll(opt, "-", `\-`) + `\fR`,
				}
				for doc, text := range docs {
					w, ok := spell[doc]
					if !ok {
						t.Fatalf("no spelling of a flag in %s", doc)
					}
					if !strings.Contains(text, w) {
						t.Errorf("%s: %s has no %s", doc, c.Name, w)
					}
				}
			}
		}
	}
	if t.Failed() {
		return
	}
	// the flag names that bash offers after each command are exactly its own
	for _, c := range cmds {
		re := regexp.MustCompile(`(?s)\t` + c.Name + `\)\n.*?if \[\[ \$cur == -\* \]\]; then\n\t\t\tmapfile -t COMPREPLY < <\(compgen -W "([^"]*)"`)
		m := re.FindStringSubmatch(docs["bash"])
		if m == nil {
			t.Fatalf("bash: no flag list for %s", c.Name)
		}
		var want []string
		for _, f := range c.Flags { // each flag's short names, then its long ones
			for _, n := range f.Names() {
				if len(n) == 1 {
					want = append(want, "-"+n)
				}
			}
			for _, n := range f.Names() {
				if len(n) > 1 {
					want = append(want, "--"+n)
				}
			}
		}
		want = append(want, "-h", "--help")
		if m[1] != strings.Join(want, " ") {
			t.Errorf("bash: %s offers %q, want %q", c.Name, m[1], strings.Join(want, " "))
		}
	}
}

// PowerShell's script, which no PowerShell here can load, gives each flag
// of each command what completes its value: its choices, file names, or @
// and file names.
func TestDocsPowerShell(t *testing.T) {
	d := docApp(newApp(&Env{}, ""))
	sh, _ := clidoc.FindShell("powershell")
	s := sh.Script(d)
	for _, c := range d.Commands {
		m := regexp.MustCompile(`(?s)\n\t\t'` + c.Name + `' = @\{\n(.*?)\n\t\t\}\n`).FindStringSubmatch(s)
		if m == nil {
			t.Errorf("powershell: no command %s", c.Name)
			continue
		}
		block := m[1]
		for _, f := range c.Flags {
			var names []string
			if f.Short != "" {
				names = append(names, "'-"+f.Short+"'")
			}
			if f.Long != "" {
				names = append(names, "'--"+f.Long+"'")
			}
			line := regexp.MustCompile(`@\{ Names = @\(` + regexp.QuoteMeta(strings.Join(names, ", ")) + `\);.*`).FindString(block)
			var want string
			switch {
			case line == "":
				t.Errorf("powershell: %s has no flag %s", c.Name, strings.Join(names, ", "))
				continue
			case f.Choices != nil:
				want = "; Value = 'choice'; Choices = @('" + strings.Join(f.Choices, "', '") + "') }"
			case f.File:
				want = "; Value = 'file' }"
			case f.AtFile:
				want = "; Value = 'atfile' }"
			default:
				continue
			}
			if !strings.HasSuffix(line, want) {
				t.Errorf("powershell: %s: %s, want it to end %s", c.Name, line, want)
			}
		}
		want := "Choices = @()"
		if c.Choices != nil {
			want = "Choices = @('" + strings.Join(c.Choices, "', '") + "')"
		}
		if !strings.Contains(block, "\n\t\t\t"+want+"\n\t\t\tAtFile = $"+strconv.FormatBool(c.AtFileArgs)) {
			t.Errorf("powershell: %s has no %s and AtFile = $%t", c.Name, want, c.AtFileArgs)
		}
	}
}

// The scripts complete @FILE for exactly the flags and arguments that wsx
// reads a file for: given @ and a file that is not there, those fail to read
// it, and no other does.
func TestDocsAtFileIsWhatWsxReads(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "missing")
	for _, c := range docApp(newApp(&Env{}, "")).Commands {
		lead := []string{c.Name}
		switch {
		case strings.HasPrefix(c.ArgsUsage, "URL"):
			lead = append(lead, refusingURL)
		case c.Name == "serve": // a free port, should a run get that far
			lead = append(lead, "127.0.0.1:0")
		}
		reads := func(args ...string) bool {
			_, _, stderr := runUntilSignal(t, append(slices.Clip(lead), args...))
			return strings.Contains(stderr, missing+": "+syscall.ENOENT.Error())
		}
		if got := reads("@" + missing); got != c.AtFileArgs {
			t.Errorf("%s: an argument @FILE is read: %v; the scripts complete it: %v", c.Name, got, c.AtFileArgs)
		}
		for _, f := range c.Flags {
			if f.Arg == "" || f.File || f.Choices != nil {
				continue // completed otherwise
			}
			if got := reads("--"+f.Long, "@"+missing); got != f.AtFile {
				t.Errorf("%s --%s @FILE is read: %v; the scripts complete it: %v", c.Name, f.Long, got, f.AtFile)
			}
		}
	}
}

// Enumerated values come from placeholders written a|b|c in lower case.
func TestDocFlagChoices(t *testing.T) {
	for arg, want := range map[string]string{
		"auto|raw|pretty|compact|jsonl": "auto raw pretty compact jsonl",
		"text|json":                     "text json",
		"bash|zsh|fish":                 "bash zsh fish",
		"CODE|NAME":                     "",
		"[CODE|NAME...]":                "",
		"DUR":                           "",
		"echo":                          "",
	} {
		if got := strings.Join(choices(arg), " "); got != want {
			t.Errorf("choices(%q) = %q, want %q", arg, got, want)
		}
	}
	if arg, text := unquoteUsage("wait `DUR` after `N`"); arg != "DUR" || text != "wait DUR after `N`" {
		t.Errorf("unquoteUsage = %q, %q", arg, text)
	}
}

// The scripts and the page that a run writes, where urfave/cli has given
// every command its help flag, are those of the tree before it ran: the
// help flag once for each command.
func TestDocsOfARun(t *testing.T) {
	d := docApp(newApp(&Env{}, ""))
	docs := map[[2]string]string{{"man", ""}: clidoc.Man(d, thisBuild().date)}
	for _, sh := range clidoc.Shells {
		docs[[2]string{"completion", sh.Name}] = sh.Script(d)
	}
	for args, want := range docs {
		line := args[:1]
		if args[1] != "" {
			line = args[:]
		}
		if r := runWsx(&Env{}, line...); r.code != 0 || r.stdout.String() != want {
			t.Errorf("wsx %s: exit %d, and not the docs of the tree before it ran:\n%s", strings.Join(line, " "), r.code, r.stdout)
		}
	}
}
