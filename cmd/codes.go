package cmd

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/urfave/cli/v3"
	"github.com/wsx-cli/wsx/closecodes"
	"github.com/wsx-cli/wsx/internal/exit"
)

func codesCommand(env *Env) *cli.Command {
	return &cli.Command{
		Name:      "codes",
		Usage:     "print the close-code table, or explain the given codes",
		ArgsUsage: "[CODE|NAME...]",
		Description: "With no arguments: every registered close code and the ranges.\n" +
			"With arguments: the meaning of each (a number, a name in any spelling, or a word of one).",
		Action: func(_ context.Context, c *cli.Command) error {
			if c.NArg() == 0 {
				printCodeTable(env.Stdout)
				return nil
			}
			return explainCodes(env.Stdout, c.Args().Slice())
		},
	}
}

func printCodeTable(out io.Writer) {
	w := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "CODE\tNAME\tMEANING\tREF")
	for _, info := range closecodes.Table() {
		fmt.Fprintf(w, "%d\t%s\t%s\t%s\n", info.Code, info.Name, info.Meaning, info.Ref)
	}
	w.Flush()
	fmt.Fprintln(out)
	w = tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "RANGE\tNAME\tMEANING")
	for _, r := range []struct{ first, last closecodes.Code }{
		{0, 999}, {1000, 1015}, {1016, 2999}, {3000, 3999}, {4000, 4999}, {5000, 65535},
	} {
		fmt.Fprintf(w, "%d-%d\t%s\t%s\n", r.first, r.last, r.first.Range(), r.first.Range().Meaning())
	}
	w.Flush()
	fmt.Fprintln(out, "\n1005, 1006 and 1015 are reported locally and must never be sent in a close frame; 1004 is reserved.")
}

// explainCodes prints one line per code that each argument names.
func explainCodes(out io.Writer, args []string) error {
	var missing []string
	for _, a := range args {
		codes, err := closecodes.Search(a)
		if err != nil {
			missing = append(missing, strconv.Quote(a))
			continue
		}
		for _, c := range codes {
			fmt.Fprintf(out, "%d %s: %s\n", c, c.Name(), c.Meaning())
		}
	}
	if len(missing) > 0 {
		return exit.Usagef("no close code matches %s", strings.Join(missing, ", ")).Hint("'wsx codes' lists them all")
	}
	return nil
}
