package cmd

import (
	"context"

	"github.com/urfave/cli/v3"
	"github.com/wsx-cli/wsx/internal/exit"
	"github.com/wsx-cli/wsx/listen"
	"github.com/wsx-cli/wsx/send"
)

func listenCommand(env *Env) *cli.Command {
	return &cli.Command{
		Name:      "listen",
		Usage:     "print incoming messages (never reads stdin)",
		ArgsUsage: "URL",
		Description: "Prints incoming messages until --count N are kept, --idle-timeout passes with\n" +
			"no message (a normal end), --timeout passes (exit 6), the server closes, or Ctrl-C.\n" +
			"--send messages go first (subscriptions); --filter and --select pick from JSON messages.\n" +
			"--reconnect connects again after a drop, sending the --send messages again.",
		Flags: concat(dialFlags(), sessionFlags(), reconnectFlags(), outputFlags(), []cli.Flag{
			listFlag("send", "send `MSG` first (repeatable; @FILE sends a file)"),
			&cli.IntFlag{Name: "count", Aliases: []string{"n"}, Usage: "stop after `N` kept messages"},
			&cli.StringFlag{Name: "idle-timeout", Usage: "stop after `DUR` with no message (a normal end)"},
			listFlag("filter", "keep JSON messages where `EXPR` holds: PATH, PATH==V, PATH!=V, PATH>N, PATH>=N, PATH<N, PATH<=N, PATH=~REGEX (repeatable: all must hold)"),
			&cli.StringFlag{Name: "select", Usage: "print only the value at gjson `PATH` (strings unquoted)"},
		}),
		Action: func(_ context.Context, c *cli.Command) error { return runListen(indexed(c), env) },
	}
}

func runListen(c flagged, env *Env) error {
	rawURL, err := oneURL(c)
	if err != nil {
		return err
	}
	dc, sc, err := readConfigs(c, env, rawURL)
	if err != nil {
		return err
	}
	if sc.Idle, err = durationFlag(c, "idle-timeout"); err != nil {
		return err
	}
	if err := readReconnect(c, sc); err != nil {
		return err
	}
	for _, expr := range c.StringSlice("filter") {
		f, err := listen.ParseFilter(expr)
		if err != nil {
			return exit.Usagef("%v", err).Hint("a filter is a gjson path, optionally with ==, !=, >, >=, <, <= or =~ and a value")
		}
		sc.Filters = append(sc.Filters, f)
	}
	sc.Select, sc.KeepOpen = c.String("select"), true
	if sc.Select == "" && c.IsSet("select") {
		return exit.Usagef("invalid --select \"\": want a gjson path, like data.price")
	}
	for _, m := range c.StringSlice("send") {
		if m == "@-" {
			return exit.Usagef("--send @-: listen never reads stdin").Hint("use 'wsx send' to send stdin")
		}
	}
	src, err := send.NewArgs("--send", c.StringSlice("send"), nil, send.Check{}, 1)
	if err != nil {
		return exit.Usagef("%v", err)
	}
	out, err := newPrinter(c, env, "")
	if err != nil {
		return err
	}
	return runSession(env, dc, sc, out, src)
}
