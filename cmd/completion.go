package cmd

import (
	"context"
	"fmt"
	"strings"

	"github.com/urfave/cli/v3"
	"github.com/wsx-cli/wsx/internal/clidoc"
	"github.com/wsx-cli/wsx/internal/exit"
)

func completionCommand(env *Env) *cli.Command {
	var names []string
	width := 0
	for _, sh := range clidoc.Shells {
		names = append(names, sh.Name)
		width = max(width, len(sh.Name))
	}
	var now strings.Builder // a line a shell, its name in a column
	for _, sh := range clidoc.Shells {
		fmt.Fprintf(&now, "\n  %-*s  %s", width, sh.Name, sh.Now)
	}
	// bash, zsh, fish or powershell
	some := strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
	return &cli.Command{
		Name:      "completion",
		Usage:     "print a shell completion script (" + some + ")",
		ArgsUsage: strings.Join(names, "|"), // the scripts offer these words
		Description: "Load it in the running shell:" + now.String() +
			"\nor keep it where the shell looks for completions, as the examples do.",
		Action: func(_ context.Context, c *cli.Command) error {
			if c.NArg() != 1 {
				return exit.Usagef("completion takes one shell: %s", some).Hint("source <(wsx completion bash)")
			}
			sh, ok := clidoc.FindShell(c.Args().First())
			if !ok {
				return exit.Usagef("no completion for shell %q: want %s", c.Args().First(), some)
			}
			_, err := fmt.Fprint(env.Stdout, sh.Script(docApp(c.Root())))
			return err
		},
	}
}

// completionExamples are completion's examples: how to keep each shell's
// script, as the script's own first lines say.
func completionExamples() []string {
	var ex []string
	for _, sh := range clidoc.Shells {
		ex = append(ex, "# "+sh.Name+": complete in every new shell", sh.Keep)
	}
	return ex
}
