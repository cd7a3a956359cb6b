package cmd

import (
	"strings"

	"github.com/urfave/cli/v2"
)

// reorder moves every flag of a command in front of its arguments, so that
// flags may stand before or after the URL (urfave/cli stops at the first
// argument). "--" still ends the flags: what follows is an argument even when
// it starts with "-". "wsx URL ..." means "wsx connect URL ...".
func reorder(app *cli.App, args []string) []string {
	i := 0
	for i < len(args) && strings.HasPrefix(args[i], "-") && args[i] != "--" {
		i++ // global flags: --help, --version
	}
	if i == len(args) {
		return args
	}
	c := app.Command(args[i])
	if c == nil {
		if !looksLikeURL(args[i]) {
			return args
		}
		c = app.Command("connect")
		args = append(append(append([]string{}, args[:i]...), "connect"), args[i:]...)
	}
	out := append([]string{}, args[:i+1]...)
	return append(out, splitFlags(c.Flags, args[i+1:])...)
}

func looksLikeURL(s string) bool {
	return strings.Contains(s, "://") || strings.Contains(s, ":") || strings.Contains(s, "/")
}

// splitFlags returns the flags of args (each with its value), then "--",
// then the other arguments in their order.
func splitFlags(defs []cli.Flag, args []string) []string {
	takesValue := map[string]bool{}
	for _, f := range defs {
		_, isBool := f.(*cli.BoolFlag)
		for _, n := range f.Names() {
			takesValue[n] = !isBool
		}
	}
	var flags, rest []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			rest = append(rest, args[i+1:]...)
			i = len(args)
		case len(a) < 2 || a[0] != '-':
			rest = append(rest, a)
		default:
			flags = append(flags, a)
			name := strings.TrimLeft(a, "-")
			if !strings.Contains(name, "=") && takesValue[name] && i+1 < len(args) {
				flags = append(flags, args[i+1])
				i++
			}
		}
	}
	return append(append(flags, "--"), rest...)
}
