package cmd

import (
	"strings"

	"github.com/urfave/cli/v3"
	"github.com/wsx-cli/wsx/internal/clidoc"
)

// The completion scripts and the man page are written from the app's own
// commands and flags, so they cannot fall behind them: docApp reads them
// into internal/clidoc's plain description.

// docApp describes app's visible commands, the flag groups the page lists
// once, and the release version alone, as the page's header shows it.
func docApp(app *cli.Command) clidoc.App {
	d := clidoc.App{
		Usage:      app.Usage,
		Version:    thisBuild().version,
		Flags:      docFlags([]cli.Flag{cli.VersionFlag}),
		FlagGroups: sharedGroups(),
	}
	for _, c := range app.VisibleCommands() {
		d.Commands = append(d.Commands, clidoc.Command{
			Name:        c.Name,
			Usage:       c.Usage,
			ArgsUsage:   c.ArgsUsage,
			Description: c.Description,
			Flags:       docFlags(c.Flags),
			Choices:     choices(c.ArgsUsage),
			Examples:    examples[c.Name],
			// a MESSAGE argument is read as every message is, @FILE too
			AtFileArgs: strings.Contains(c.ArgsUsage, "MESSAGE"),
		})
	}
	return d
}

// sharedGroups are the flags that several commands share, in the groups
// and the order that a command's help shows them (flagGroups): the page
// heads each with its name, as the help does.
func sharedGroups() []clidoc.FlagGroup {
	shared := concat(dialFlags(), sessionFlags(), outputFlags())
	var groups []clidoc.FlagGroup
	for _, g := range flagGroups {
		var in []cli.Flag
		for _, f := range shared {
			if f.(cli.CategorizableFlag).GetCategory() == g {
				in = append(in, f)
			}
		}
		groups = append(groups, clidoc.FlagGroup{Name: g, Flags: docFlags(in)})
	}
	return groups
}

// docFlags describes flags in the order they are declared, but for the
// help flag, which urfave/cli adds to every command once it runs: the
// scripts and the page add it themselves.
func docFlags(flags []cli.Flag) []clidoc.Flag {
	var docs []clidoc.Flag
	for _, f := range flags {
		df, ok := f.(cli.DocGenerationFlag)
		if !ok || isHelp(f) {
			continue
		}
		d := clidoc.Flag{}
		for _, n := range f.Names() {
			switch {
			case len(n) == 1 && d.Short == "":
				d.Short = n
			case len(n) > 1 && d.Long == "":
				d.Long = n
			}
		}
		d.Arg, d.Usage = unquoteUsage(df.GetUsage())
		if df.TakesValue() {
			if d.Arg == "" {
				d.Arg = "VALUE"
			}
			d.Choices = choices(d.Arg)
			d.File = d.Arg == "FILE"
			// the help that tells the user tells the scripts
			d.AtFile = strings.Contains(d.Usage, "@FILE")
			d.Default = defaultValue(f)
		} else {
			d.Arg = ""
		}
		d.Repeatable = repeatable(f)
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

// choices reads an enumeration from a placeholder such as auto|raw|pretty,
// or a command's arguments such as bash|zsh|fish; placeholders in capitals
// (CODE|NAME) are not one.
func choices(arg string) []string {
	if !strings.Contains(arg, "|") || strings.ToLower(arg) != arg {
		return nil
	}
	return strings.Split(arg, "|")
}
