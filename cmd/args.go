package cmd

import (
	"strings"

	"github.com/urfave/cli/v2"
	"github.com/wsx-cli/wsx/internal/exit"
)

// reorder moves every flag of a command in front of its arguments, so that
// flags may stand before or after the URL (urfave/cli stops at the first
// argument). "--" still ends the flags: what follows is an argument even when
// it starts with "-". "wsx URL ..." and "wsx -flags URL ..." mean
// "wsx connect ...".
func reorder(app *cli.App, args []string) ([]string, error) {
	if len(args) == 0 || isGlobalFlag(args[0]) {
		return args, nil
	}
	c := app.Command(args[0])
	if c == nil {
		if !strings.HasPrefix(args[0], "-") && !looksLikeURL(args[0]) {
			return args, nil // an unknown command: the app reports it
		}
		c = app.Command("connect")
		args = append([]string{"connect"}, args...)
	}
	rest, err := splitFlags(c.Flags, args[1:])
	if err != nil {
		return nil, err
	}
	return append([]string{args[0]}, rest...), nil
}

func isGlobalFlag(a string) bool {
	switch a {
	case "-h", "--help", "-help", "-V", "--version", "-version":
		return true
	}
	return false
}

func looksLikeURL(s string) bool {
	return strings.Contains(s, "://") || strings.Contains(s, ":") || strings.Contains(s, "/")
}

// optionalValue is a flag whose value may be left out (probe's --close):
// the argument after it is its value only when acceptsValue says so.
// splitFlags joins the two with "=", or gives the flag alone an empty
// value, so that the flag package, which knows no optional values, reads
// either form.
type optionalValue interface {
	hasOptionalValue() bool
	acceptsValue(arg string) bool
}

// splitFlags returns the flags of args (each with its value), then "--",
// then the other arguments in their order. With --help only the flags are
// kept, so that help is shown wherever it was asked for.
func splitFlags(defs []cli.Flag, args []string) ([]string, error) {
	takesValue := map[string]bool{}
	optional := map[string]optionalValue{}
	for _, f := range defs { // a flag takes a value unless it says it takes none (switches, probe's --ping)
		tv, ok := f.(interface{ TakesValue() bool })
		ov, isOptional := f.(optionalValue)
		for _, n := range f.Names() {
			takesValue[n] = !ok || tv.TakesValue()
			if isOptional && ov.hasOptionalValue() {
				optional[n] = ov
			}
		}
	}
	var flags, rest []string
	help := false
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			rest = append(rest, args[i+1:]...)
			i = len(args)
		case len(a) < 2 || a[0] != '-':
			rest = append(rest, a)
		case optional[strings.TrimLeft(a, "-")] != nil:
			value := ""
			if i+1 < len(args) && args[i+1] != "--" && optional[strings.TrimLeft(a, "-")].acceptsValue(args[i+1]) {
				value = args[i+1]
				i++
			}
			flags = append(flags, a+"="+value)
		default:
			flags = append(flags, a)
			name := strings.TrimLeft(a, "-")
			help = help || name == "help" || name == "h"
			if strings.Contains(name, "=") || !takesValue[name] {
				continue
			}
			if i+1 == len(args) || args[i+1] == "--" {
				return nil, exit.Usagef("flag %s needs a value", a)
			}
			flags = append(flags, args[i+1])
			i++
		}
	}
	if help {
		return flags, nil
	}
	return append(append(flags, "--"), rest...), nil
}
