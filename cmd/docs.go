package cmd

import (
	"strings"

	"github.com/urfave/cli/v2"
)

// The completion scripts and the man page are written from the app's own
// commands and flags, so they cannot fall behind them.

// flagDoc is what the completion scripts and the man page say of a flag.
type flagDoc struct {
	long, short string   // names without dashes; short is "" when none
	arg         string   // the value's placeholder (DUR, FILE); "" for a switch
	usage       string   // the help text, placeholder in place
	def         string   // the default, "" when none is worth showing
	choices     []string // the only values it takes (from an `a|b|c` placeholder)
	file        bool     // the value names a file
	repeatable  bool
}

// docFlags describes flags in the order they are declared.
func docFlags(flags []cli.Flag) []flagDoc {
	var docs []flagDoc
	for _, f := range flags {
		df, ok := f.(cli.DocGenerationFlag)
		if !ok {
			continue
		}
		d := flagDoc{}
		for _, n := range f.Names() {
			switch {
			case len(n) == 1 && d.short == "":
				d.short = n
			case len(n) > 1 && d.long == "":
				d.long = n
			}
		}
		d.arg, d.usage = unquoteUsage(df.GetUsage())
		if df.TakesValue() {
			if d.arg == "" {
				d.arg = "VALUE"
			}
			d.choices = choices(d.arg)
			d.file = d.arg == "FILE"
			d.def = df.GetValue()
			if d.def == "0" || d.def == "-1" {
				d.def = ""
			}
		} else {
			d.arg = ""
		}
		if sf, ok := f.(cli.DocGenerationSliceFlag); ok {
			d.repeatable = sf.IsSliceFlag()
		}
		docs = append(docs, d)
	}
	return docs
}

// unquoteUsage takes the placeholder out of a usage text's backquotes, as
// urfave/cli's help does.
func unquoteUsage(usage string) (arg, text string) {
	before, rest, ok := strings.Cut(usage, "`")
	if !ok {
		return "", usage
	}
	arg, after, ok := strings.Cut(rest, "`")
	if !ok {
		return "", usage
	}
	return arg, before + arg + after
}

// choices reads an enumeration from a placeholder such as auto|raw|pretty;
// placeholders in capitals (CODE|NAME) are not one.
func choices(arg string) []string {
	if !strings.Contains(arg, "|") || strings.ToLower(arg) != arg {
		return nil
	}
	return strings.Split(arg, "|")
}

// key identifies a flag with its meaning: --format is not the same flag
// in probe as in listen.
func (d flagDoc) key() string { return d.long + "\x00" + d.usage }

// names lists a flag's spellings: -f, --format.
func (d flagDoc) names() []string {
	var n []string
	if d.short != "" {
		n = append(n, "-"+d.short)
	}
	if d.long != "" {
		n = append(n, "--"+d.long)
	}
	return n
}

// docCommands are the commands the scripts and the page cover.
func docCommands(app *cli.App) []*cli.Command {
	var cmds []*cli.Command
	for _, c := range app.VisibleCommands() {
		if c.Name != "help" {
			cmds = append(cmds, c)
		}
	}
	return cmds
}

// positionalChoices are the words a command takes as arguments, where they
// are a closed set.
func positionalChoices(c *cli.Command) []string {
	switch c.Name {
	case "completion":
		return shells
	}
	return nil
}
