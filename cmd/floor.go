//go:build benchfloor

package cmd

// Built with -tags benchfloor (scripts/bench.sh), `wsx send` starts as wsx
// does, its packages' set-up, its command line read by urfave/cli and its
// signals registered, and then does only what scripts/bench/oneshot does:
// the floor under wsx's start-up that its own dial and session cannot go
// below. No release is built with the tag.

import (
	"context"

	"github.com/urfave/cli/v3"
	"github.com/wsx-cli/wsx/internal/benchref"
)

func init() {
	for i, c := range commands {
		if c.name != "send" {
			continue
		}
		commands[i].build = func(env *Env) *cli.Command {
			send := sendCommand(env)
			send.Action = func(_ context.Context, c *cli.Command) error {
				env.awaitSignals()
				return benchref.Oneshot(c.Args().First(), env.Stdin, env.Stdout)
			}
			return send
		}
	}
}
