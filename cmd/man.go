package cmd

import (
	"context"
	"fmt"

	"github.com/urfave/cli/v3"
	"github.com/wsx-cli/wsx/internal/clidoc"
	"github.com/wsx-cli/wsx/internal/exit"
)

func manCommand(env *Env) *cli.Command {
	return &cli.Command{
		Name:        "man",
		Usage:       "print the manual page (roff)",
		Description: "wsx man > wsx.1 && man ./wsx.1",
		Action: func(_ context.Context, c *cli.Command) error {
			if c.NArg() > 0 {
				return exit.Usagef("man takes no arguments")
			}
			_, err := fmt.Fprint(env.Stdout, clidoc.Man(docApp(c.Root()), thisBuild().date))
			return err
		},
	}
}
