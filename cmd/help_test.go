// wsx's help layout: every name with its placeholder, the help, the default.

package cmd

import (
	"testing"

	"github.com/urfave/cli/v3"
)

// flagHelp lays a flag out as wsx's help always has: each name with the
// placeholder, twice for a repeatable flag, and the default of a text
// (quoted) or a number, never a switch's.
func TestFlagHelp(t *testing.T) {
	steps := &stepList{}
	for _, tc := range []struct {
		flag cli.Flag
		want string
	}{
		{&cli.StringFlag{Name: "connect-timeout", Value: "10s", Usage: "limit it to `DUR`"}, "--connect-timeout DUR\tlimit it to DUR (default: \"10s\")"},
		{&cli.StringFlag{Name: "origin", Usage: "send Origin: `URL`"}, "--origin URL\tsend Origin: URL"},
		{&cli.StringFlag{Name: "x", Usage: "no placeholder"}, "-x value\tno placeholder"},
		{&cli.IntFlag{Name: "count", Aliases: []string{"n"}, Usage: "wait for `N` replies"}, "--count N, -n N\twait for N replies (default: 0)"},
		{&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "print no status lines"}, "--quiet, -q\tprint no status lines"},
		{listFlag("header", "add header `'Name: value'`", "H"), "--header 'Name: value', -H 'Name: value' [ --header 'Name: value', -H 'Name: value' ]\tadd header 'Name: value'"},
		{steps.flag("ping", "step: a ping"), "--ping [ --ping ]\tstep: a ping"},
		{steps.flag("close", "step: close with `['CODE [REASON]']`"), "--close ['CODE [REASON]']\tstep: close with ['CODE [REASON]']"},
	} {
		if got := flagHelp(tc.flag); got != tc.want {
			t.Errorf("flagHelp(%s):\n got %q\nwant %q", tc.flag.Names()[0], got, tc.want)
		}
	}
}
