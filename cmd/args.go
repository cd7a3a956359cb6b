package cmd

import (
	"slices"
	"strconv"
	"strings"

	"github.com/urfave/cli/v3"
	"github.com/wsx-cli/wsx/internal/exit"
)

// commandOf names the command that args run: the one they name, connect
// for a URL or a command's flag ("wsx URL ..." and "wsx -flags URL ..."
// mean "wsx connect ..."), or "" when the root runs (no arguments, a root
// flag first, or an unknown command, which the root reports).
func commandOf(args []string) string {
	if len(args) == 0 || isGlobalFlag(args[0]) {
		return ""
	}
	for _, c := range commands {
		if c.name == args[0] {
			return c.name
		}
	}
	if strings.HasPrefix(args[0], "-") || looksLikeURL(args[0]) {
		return "connect"
	}
	return ""
}

// typedAs is name, the command that args run, as the user typed it, for
// hints to name: "wsx connect" when args name it, but "wsx" when a URL or
// a flag only implies it, as for the root. A hint that named connect then
// (wsx --hepl: 'wsx connect --help' lists the flags) would speak of a
// command the user never typed.
func typedAs(args []string, name string) string {
	if name != "" && args[0] == name {
		return "wsx " + name
	}
	return "wsx"
}

// reorder moves every flag of name, the command that args run, in front of
// its arguments, so that flags may stand before or after the URL (readFlags,
// as Go's flag package, stops at the first argument), and names connect
// where args only imply it. "--" still ends the flags: what follows is an
// argument even when it starts with "-". The root's args stay as they are.
func reorder(app *cli.Command, name string, args []string) ([]string, error) {
	if name == "" {
		return args, nil
	}
	if args[0] != name {
		args = append([]string{name}, args...)
	}
	rest, err := splitFlags(app.Command(name).Flags, args[1:])
	if err != nil {
		return nil, err
	}
	return append([]string{name}, rest...), nil
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
// then the other arguments in their order, with each cluster of one-letter
// flags spelled apart (see shortCluster). With --help only the flags are
// kept, so that help is shown wherever it was asked for.
func splitFlags(defs []cli.Flag, args []string) ([]string, error) {
	withValue := map[string]bool{}
	optional := map[string]optionalValue{}
	for _, f := range defs {
		ov, isOptional := f.(optionalValue)
		for _, n := range f.Names() {
			withValue[n] = takesValue(f)
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
			name := strings.TrimLeft(a, "-")
			if short, ok := shortCluster(a, withValue); ok {
				args = slices.Concat(args[:i], short, args[i+1:])
				i-- // read again, spelled apart
				continue
			}
			flags = append(flags, a)
			help = help || name == "help" || name == "h"
			if strings.Contains(name, "=") || !withValue[name] {
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

// shortCluster spells apart a cluster of one-letter flags as POSIX tools
// read them (-qv, -n1, -qn1, -Hname:value, -H@file): each letter a flag,
// up to one that takes a value, which takes the rest of the cluster, or,
// when nothing is left of it, the next argument as usual. A name that is a
// flag of its own, before any "=", is not a cluster: Go's flag package,
// which wsx follows, reads -count and -n=1 so. ok is false when a is no
// cluster: a letter before the one that takes a value is no flag, and
// readFlags refuses the whole as it was typed.
func shortCluster(a string, withValue map[string]bool) (short []string, ok bool) {
	if len(a) < 3 || a[1] == '-' {
		return nil, false
	}
	name, _, _ := strings.Cut(a[1:], "=")
	if _, own := withValue[name]; own {
		return nil, false
	}
	for i := 1; i < len(a); i++ {
		letter := a[i : i+1]
		takes, known := withValue[letter]
		switch {
		case !known:
			return nil, false
		case takes && i+1 < len(a):
			return append(short, "-"+letter+"="+a[i+1:]), true
		case takes:
			return append(short, "-"+letter), true
		}
		short = append(short, "-"+letter)
	}
	return short, true
}

// longNames are the names of defs longer than one letter.
func longNames(defs []cli.Flag) []string {
	var names []string
	for _, f := range defs {
		for _, n := range f.Names() {
			if len(n) > 1 {
				names = append(names, n)
			}
		}
	}
	return names
}

// takesValue says whether f takes a value: a flag does unless it says it
// takes none (switches, probe's --ping).
func takesValue(f cli.Flag) bool {
	tv, ok := f.(interface{ TakesValue() bool })
	return !ok || tv.TakesValue()
}

// isSwitch says whether f takes no value at all, as a switch and probe's
// --ping do. (--close takes the next argument when splitFlags has not
// joined it, as Go's flag package would.)
func isSwitch(f cli.Flag) bool {
	ov, ok := f.(optionalValue)
	return !takesValue(f) && !(ok && ov.hasOptionalValue())
}

// commandLine is args, as reorder leaves them, spelled for urfave/cli: the
// command, if one is named, then its flags, each as --name=value, then "--"
// and the arguments. The root's flags end at its first argument, as in Go's
// flag package, and are given by what they ask: help, else the version, else
// nothing, and then the root runs what follows: a command, its flags read
// where they stand (wsx --help --help=false send ...), or its own action.
// who is the command that args start with as the user typed it, for hints.
func commandLine(root *cli.Command, who string, args []string) ([]string, error) {
	if len(args) > 0 {
		if c := root.Command(args[0]); c != nil {
			return commandFlags(c, who, args[1:])
		}
	}
	flags, rest, err := readFlags("wsx", []cli.Flag{cli.HelpFlag, cli.VersionFlag}, args)
	if err != nil {
		return nil, err
	}
	help, version := rootAsks(flags)
	switch {
	case help:
		return append([]string{"--help", "--"}, rest...), nil
	case version:
		return append([]string{"--version", "--"}, rest...), nil
	case len(rest) > 0 && root.Command(rest[0]) != nil:
		return commandFlags(root.Command(rest[0]), "wsx "+rest[0], rest[1:])
	}
	return append([]string{"--"}, rest...), nil
}

// rootAsks reads the root's flags, as readFlags gives them: whether they ask
// for help, and for the version (the last value of each counts).
func rootAsks(flags []string) (help, version bool) {
	for _, f := range flags {
		name, value, _ := strings.Cut(strings.TrimPrefix(f, "--"), "=")
		on, _ := strconv.ParseBool(value) // readFlags checked it
		if slices.Contains(cli.HelpFlag.Names(), name) {
			help = on
		} else {
			version = on
		}
	}
	return help, version
}

// commandFlags is c's command line: its name, its flags as readFlags reads
// them from args, "--" and its arguments; who is c as hints name it.
func commandFlags(c *cli.Command, who string, args []string) ([]string, error) {
	flags, rest, err := readFlags(who, append(slices.Clip(c.Flags), cli.HelpFlag), args)
	if err != nil {
		return nil, err
	}
	return slices.Concat([]string{c.Name}, flags, []string{"--"}, rest), nil
}

// readFlags reads the flags at the start of args by the rules of Go's flag
// package, which wsx's command line has always followed: one dash or two,
// a value after "=" or, for a flag that takes one, in the next argument;
// the flags end at the first argument that is not one, or at "--", which is
// dropped. It refuses what that package refuses, in its order and wsx's
// words, and returns the flags as --name=value, a spelling that every flag
// parser reads alike, whatever its own rules for -0, "-q " or --quiet=, and
// the arguments. who is the command as hints name it; defs are its flags.
func readFlags(who string, defs []cli.Flag, args []string) (flags, rest []string, err error) {
	byName := map[string]cli.Flag{}
	for _, f := range defs {
		for _, n := range f.Names() {
			byName[n] = f
		}
	}
	given := map[string]bool{}
	for len(args) > 0 && len(args[0]) > 1 && args[0][0] == '-' && args[0] != "--" {
		a := args[0]
		args = args[1:]
		spelled := strings.TrimPrefix(a[1:], "-") // not empty: a is neither "-" nor "--"
		if spelled[0] == '-' || spelled[0] == '=' {
			return nil, nil, flagError(who, "bad flag syntax: %s", a)
		}
		name, value, hasValue := strings.Cut(spelled, "=")
		f := byName[name]
		switch {
		case f == nil: // spelled as typed: -qz is not --qz
			err := exit.Usagef("unknown flag %s", a[:len(a)-len(spelled)]+name)
			if near := closest(name, longNames(defs)); near != "" {
				err.Hint("did you mean --%s?", near)
			}
			return nil, nil, err.Hint("'%s --help' lists the flags", who)
		case hasValue: // after "="
		case isSwitch(f):
			value = "true"
		case len(args) == 0:
			return nil, nil, flagError(who, "flag needs an argument: -%s", name)
		default:
			value, args = args[0], args[1:]
		}
		if err := checkValue(who, f, name, value); err != nil {
			return nil, nil, err
		}
		given[name] = true
		flags = append(flags, "--"+name+"="+value)
	}
	if err := oneSpelling(who, defs, given); err != nil {
		return nil, nil, err
	}
	if len(args) > 0 && args[0] == "--" {
		args = args[1:]
	}
	return flags, args, nil
}

// checkValue refuses a value that name, a spelling of f, cannot hold: a
// whole number's, or a switch's (given after "=").
func checkValue(who string, f cli.Flag, name, value string) error {
	switch f.(type) {
	case *cli.IntFlag:
		if _, err := strconv.ParseInt(value, 0, 64); err != nil {
			return flagError(who, "invalid %s %q: want a whole number", dashes(name), value)
		}
	case *cli.BoolFlag:
		if _, err := strconv.ParseBool(value); err != nil {
			return flagError(who, "invalid boolean value %q for -%s: parse error", value, name)
		}
	}
	return nil
}

// oneSpelling refuses a flag given under two of its names (-n 1 --count 2),
// as urfave/cli v2 did.
func oneSpelling(who string, defs []cli.Flag, given map[string]bool) error {
	for _, f := range defs {
		var names []string
		for _, n := range f.Names() {
			if given[n] {
				names = append(names, n)
			}
		}
		if len(names) > 1 {
			return flagError(who, "Cannot use two forms of the same flag: %s %s", names[1], names[0])
		}
	}
	return nil
}

// flagError is a usage error in a command's flags.
func flagError(who, format string, args ...any) *exit.Error {
	return exit.Usagef(format, args...).Hint("'%s --help' lists the flags", who)
}
