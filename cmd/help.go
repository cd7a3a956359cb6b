package cmd

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/urfave/cli/v3"
)

// wsx's help keeps the layout it has always had (urfave/cli v2's): v3's own
// templates lay the flags out otherwise (--count int instead of --count N,
// no "[ ... ]" after a repeatable flag, other defaults).

// printHelp is cli.HelpPrinter: it writes the help of data, the root or a
// command; the template urfave/cli chose is not used.
func printHelp(w io.Writer, _ string, data any) {
	c := data.(*cli.Command)
	tw := tabwriter.NewWriter(w, 1, 8, 2, ' ', 0) // the columns of the flags
	if c.Root() == c {
		rootHelp(tw, c)
	} else {
		commandHelp(tw, c)
	}
	tw.Flush()
}

// rootHelp lists the commands and the root's flags.
func rootHelp(w io.Writer, c *cli.Command) {
	fmt.Fprintf(w, "NAME:\n   %s - %s\n\nUSAGE:\n   %s\n\nVERSION:\n   %s\n\nCOMMANDS:", c.Name, c.Usage, c.UsageText, c.Version)
	width := 0
	for _, sub := range c.VisibleCommands() {
		width = max(width, len(sub.Name))
	}
	for _, sub := range c.VisibleCommands() {
		fmt.Fprintf(w, "\n   %-*s%s", width+2, sub.Name, sub.Usage)
	}
	io.WriteString(w, "\n\nGLOBAL OPTIONS:")
	flagsHelp(w, c)
}

// commandHelp is a command's usage, description and flags.
func commandHelp(w io.Writer, c *cli.Command) {
	fmt.Fprintf(w, "NAME:\n   %s - %s\n\nUSAGE:\n   %s [command options]", c.FullName(), c.Usage, c.FullName())
	if c.ArgsUsage != "" {
		io.WriteString(w, " "+c.ArgsUsage)
	}
	if c.Description != "" {
		lines := strings.Split(c.Description, "\n")
		for i, line := range lines[1:] {
			if line != "" {
				lines[i+1] = "   " + line
			}
		}
		io.WriteString(w, "\n\nDESCRIPTION:\n   "+strings.Join(lines, "\n"))
	}
	io.WriteString(w, "\n\nOPTIONS:")
	flagsHelp(w, c)
}

// flagsHelp writes a line for each of c's flags, their names and their
// help in two columns, and ends the help.
func flagsHelp(w io.Writer, c *cli.Command) {
	for _, f := range c.VisibleFlags() {
		io.WriteString(w, "\n   "+flagHelp(f))
	}
	io.WriteString(w, "\n")
}

// flagHelp is a flag's line: every name with the placeholder (twice for a
// repeatable flag), a tab, the help and the default.
func flagHelp(f cli.Flag) string {
	df := f.(cli.DocGenerationFlag)
	arg, usage := unquoteUsage(df.GetUsage())
	if arg == "" && df.TakesValue() {
		arg = "value"
	}
	var names []string
	for _, n := range f.Names() {
		if n = dashes(n); arg != "" {
			n += " " + arg
		}
		names = append(names, n)
	}
	spelled := strings.Join(names, ", ")
	if repeatable(f) {
		spelled += " [ " + spelled + " ]"
	}
	if def := defaultValue(f); def != "" {
		if _, isText := f.(*cli.StringFlag); isText {
			def = strconv.Quote(def)
		}
		usage += " (default: " + def + ")"
	}
	return spelled + "\t" + strings.TrimSpace(usage)
}

// repeatable says whether f may be given more than once, each value kept.
func repeatable(f cli.Flag) bool {
	mf, ok := f.(cli.DocGenerationMultiValueFlag)
	return ok && mf.IsMultiValueFlag()
}

// defaultValue is what a flag holds when it is not given, as it would be
// typed; "" for none (switches, lists, probe's steps).
func defaultValue(f cli.Flag) string {
	switch f := f.(type) {
	case *cli.StringFlag:
		return f.Value
	case *cli.IntFlag:
		return strconv.Itoa(f.Value)
	}
	return ""
}
