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
	return &cli.Command{
		Name:      "completion",
		Usage:     "print a shell completion script (bash, zsh or fish)",
		ArgsUsage: strings.Join(clidoc.Shells, "|"), // the scripts offer these words
		Description: "Load it in the running shell:\n" +
			"  source <(wsx completion bash)      source <(wsx completion zsh)      wsx completion fish | source\n" +
			"or keep it where the shell looks for completions, e.g.\n" +
			"  wsx completion bash > ~/.local/share/bash-completion/completions/wsx\n" +
			"  wsx completion fish > ~/.config/fish/completions/wsx.fish",
		Action: func(_ context.Context, c *cli.Command) error {
			if c.NArg() != 1 {
				return exit.Usagef("completion takes one shell: bash, zsh or fish").Hint("source <(wsx completion bash)")
			}
			var script string
			switch c.Args().First() {
			case "bash":
				script = clidoc.Bash(docApp(c.Root()))
			case "zsh":
				script = clidoc.Zsh(docApp(c.Root()))
			case "fish":
				script = clidoc.Fish(docApp(c.Root()))
			default:
				return exit.Usagef("no completion for shell %q: want bash, zsh or fish", c.Args().First())
			}
			_, err := fmt.Fprint(env.Stdout, script)
			return err
		},
	}
}
