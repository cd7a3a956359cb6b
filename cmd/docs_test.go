package cmd

import (
	"regexp"
	"strings"
	"testing"
)

// Every command and every spelling of every flag is in each completion
// script and in the man page: they are written from the app itself.
func TestDocsCoverEveryFlag(t *testing.T) {
	app := newApp(&Env{})
	docs := map[string]string{
		"bash": bashCompletion(app),
		"zsh":  zshCompletion(app),
		"fish": fishCompletion(app),
		"man":  manPage(app),
	}
	for _, c := range docCommands(app) {
		for doc, text := range docs {
			if !strings.Contains(text, c.Name) {
				t.Errorf("%s: no command %s", doc, c.Name)
			}
		}
		for _, f := range docFlags(c.Flags) {
			spell := map[string][]string{
				"bash": f.names(),
				"zsh":  f.names(),
				"fish": {"-l " + f.long},
				"man":  {`\fB\-\-` + roff(f.long) + `\fR`},
			}
			if f.short != "" {
				spell["fish"] = append(spell["fish"], "-s "+f.short)
				spell["man"] = append(spell["man"], `\fB\-`+f.short+`\fR`)
			}
			for doc, words := range spell {
				for _, w := range words {
					if !strings.Contains(docs[doc], w) {
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
	for _, c := range docCommands(app) {
		re := regexp.MustCompile(`(?s)\t` + c.Name + `\)\n.*?if \[\[ \$cur == -\* \]\]; then\n\t\t\tmapfile -t COMPREPLY < <\(compgen -W "([^"]*)"`)
		m := re.FindStringSubmatch(docs["bash"])
		if m == nil {
			t.Fatalf("bash: no flag list for %s", c.Name)
		}
		var want []string
		for _, f := range append(docFlags(c.Flags), helpFlag) {
			want = append(want, f.names()...)
		}
		if m[1] != strings.Join(want, " ") {
			t.Errorf("bash: %s offers %q, want %q", c.Name, m[1], strings.Join(want, " "))
		}
	}
}

// Enumerated values come from placeholders written a|b|c in lower case.
func TestFlagChoices(t *testing.T) {
	for arg, want := range map[string]string{
		"auto|raw|pretty|compact|jsonl": "auto raw pretty compact jsonl",
		"text|json":                     "text json",
		"CODE|NAME":                     "",
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
