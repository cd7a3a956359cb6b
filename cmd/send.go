package cmd

import (
	"context"

	"github.com/urfave/cli/v3"
	"github.com/wsx-cli/wsx/internal/exit"
	"github.com/wsx-cli/wsx/send"
)

func sendCommand(env *Env) *cli.Command {
	return &cli.Command{
		Name:      "send",
		Usage:     "send messages, print the replies, close cleanly",
		ArgsUsage: "URL [MESSAGE...]",
		Description: "Each MESSAGE argument is one message (@FILE: a file's contents, @-: all of stdin).\n" +
			"With no MESSAGE, stdin is read: one message a line (--null: NUL-separated; --whole: all of it).\n" +
			"Replies are printed: wsx waits until the server has taken the input and gone quiet\n" +
			"(--wait 0: not at all; --wait DUR: exactly DUR; --count: N replies). Then it closes cleanly.",
		Flags: concat(dialFlags(), sessionFlags(), outputFlags(), []cli.Flag{
			&cli.BoolFlag{Name: "null", Aliases: []string{"0"}, Usage: "stdin messages are separated by NUL bytes (so they may hold newlines)"},
			&cli.BoolFlag{Name: "whole", Usage: "all of stdin is one message"},
			&cli.BoolFlag{Name: "binary", Aliases: []string{"b"}, Usage: "send binary frames (no UTF-8 check)"},
			&cli.BoolFlag{Name: "json", Usage: "refuse a message that is not JSON"},
			&cli.IntFlag{Name: "repeat", Value: 1, Usage: "send the message arguments `N` times"},
			&cli.StringFlag{Name: "interval", Usage: "wait `DUR` between messages"},
			&cli.IntFlag{Name: "count", Aliases: []string{"n"}, Usage: "wait for `N` replies, then close"},
			&cli.StringFlag{Name: "wait", Usage: "keep receiving exactly `DUR` after the last message is sent (0: close at once; default: until the server is quiet)"},
		}),
		Action: func(_ context.Context, c *cli.Command) error { return runSend(indexed(c), env) },
	}
}

func runSend(c flagged, env *Env) error {
	if c.NArg() == 0 {
		return exit.Usagef("missing URL").Hint("wsx send URL [MESSAGE...]; 'wsx serve' starts a local server to try it on")
	}
	dc, sc, err := readConfigs(c, env, c.Args().First())
	if err != nil {
		return err
	}
	src, err := sendSource(c, env, c.Args().Tail())
	if err != nil {
		return err
	}
	out, err := newPrinter(c, env, "")
	if err != nil {
		return err
	}
	sc.Summary, sc.SendAll = !c.Bool("quiet"), true
	return runSession(env, dc, sc, out, src)
}

// sendSource builds the messages to send from arguments or stdin.
func sendSource(c flagged, env *Env, args []string) (send.Source, error) {
	check := send.Check{Binary: c.Bool("binary"), JSON: c.Bool("json")}
	repeat := c.Int("repeat")
	interval, err := durationFlag(c, "interval")
	if err != nil {
		return nil, err
	}
	var src send.Source
	switch {
	case repeat < 1:
		return nil, exit.Usagef("invalid --repeat %d: must be at least 1", repeat)
	case c.Bool("null") && c.Bool("whole"):
		return nil, exit.Usagef("--null and --whole cannot be used together")
	case len(args) > 0 && (c.Bool("null") || c.Bool("whole")):
		return nil, exit.Usagef("--null and --whole frame stdin; they do not apply to message arguments").Hint("use @- to send all of stdin as one message")
	case len(args) > 0:
		a, err := send.NewArgs("argument", args, env.Stdin, check, repeat)
		if err != nil {
			e := exit.Usagef("%v", err)
			if send.NotUTF8(err) {
				e.Hint("-b sends it as a binary message, which may hold any bytes")
			}
			return nil, e
		}
		src = a
	case repeat > 1:
		return nil, exit.Usagef("--repeat repeats message arguments; stdin is sent once")
	case c.Bool("whole"):
		src = send.NewWhole(env.Stdin, check)
	case c.Bool("null"):
		src = send.NewRecords(env.Stdin, 0, check)
	default:
		src = send.NewRecords(env.Stdin, '\n', check)
	}
	if interval > 0 {
		src = &send.Paced{Source: src, Interval: interval}
	}
	return src, nil
}
