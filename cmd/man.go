package cmd

import (
	"fmt"

	"github.com/urfave/cli/v2"
	"github.com/wsx-cli/wsx/internal/clidoc"
	"github.com/wsx-cli/wsx/internal/exit"
)

func manCommand(env *Env) *cli.Command {
	return &cli.Command{
		Name:        "man",
		Usage:       "print the manual page (roff)",
		Description: "wsx man > wsx.1 && man ./wsx.1",
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return exit.Usagef("man takes no arguments")
			}
			_, err := fmt.Fprint(env.Stdout, clidoc.Man(docApp(c.App), date))
			return err
		},
	}
}
