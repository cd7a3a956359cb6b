package cmd

import (
	"context"
	"io"

	"github.com/urfave/cli/v3"
	"github.com/wsx-cli/wsx/internal/dial"
	"github.com/wsx-cli/wsx/internal/exit"
	"github.com/wsx-cli/wsx/internal/session"
	"github.com/wsx-cli/wsx/send"
	"golang.org/x/term"
)

func connectCommand(env *Env) *cli.Command {
	return &cli.Command{
		Name:      "connect",
		Usage:     "send stdin lines as messages and print what arrives",
		ArgsUsage: "URL",
		Description: "Each stdin line is one message; each incoming message is printed on stdout.\n" +
			"At the end of stdin every line is written, and wsx reads on until the server has taken\n" +
			"them and gone quiet (--wait 0: not at all); then the close handshake runs.\n" +
			"On a terminal: a '> ' prompt with line editing and history, and /ping [data],\n" +
			"/close [code|name] [reason], /quit.\n" +
			"--reconnect connects again after a drop; lines not yet sent go on the new connection.",
		Flags: concat(dialFlags(), sessionFlags(), reconnectFlags(), outputFlags(), []cli.Flag{
			&cli.StringFlag{Name: "wait", Usage: "keep receiving exactly `DUR` after stdin ends (0: close at once; default: until the server is quiet)"},
			&cli.IntFlag{Name: "count", Aliases: []string{"n"}, Usage: "close after `N` incoming messages"},
		}),
		Action: func(_ context.Context, c *cli.Command) error { return runConnect(indexed(c), env) },
	}
}

func runConnect(c flagged, env *Env) error {
	rawURL, err := oneURL(c)
	if err != nil {
		return err
	}
	dc, sc, err := readConfigs(c, env, rawURL)
	if err != nil {
		return err
	}
	if err := readReconnect(c, sc); err != nil {
		return err
	}
	if env.StdinTTY && env.StdoutTTY {
		return runInteractive(c, env, dc, sc)
	}
	out, err := newPrinter(c, env, "")
	if err != nil {
		return err
	}
	return runSession(env, dc, sc, out, send.NewLines(env.Stdin, false))
}

// runInteractive is connect on a terminal: raw mode, a prompt with line
// editing and history, incoming messages printed above it.
func runInteractive(c flagged, env *Env, dc *dial.Config, sc *session.Options) error {
	env.awaitSignals() // a SIGTERM must not end wsx with the terminal left raw
	old, err := term.MakeRaw(env.StdinFd)
	if err != nil {
		return exit.Errorf(exit.Runtime, "cannot set up the terminal: %v", err)
	}
	defer term.Restore(env.StdinFd, old)
	sc.Progress = false // the prompt's line editor owns the terminal
	keys := send.NewKeyWatcher(env.Stdin)
	t := term.NewTerminal(struct {
		io.Reader
		io.Writer
	}{keys, env.Stdout}, "> ")
	if w, _, err := term.GetSize(env.StdinFd); err == nil {
		t.SetSize(w, 0)
	}
	tenv := *env
	tenv.Stdout = t
	if env.StderrTTY {
		tenv.Stderr = t
	}
	out, err := newPrinter(c, &tenv, "< ")
	if err != nil {
		return err
	}
	prompt := send.NewPrompt(t, keys, func(msg string) { out.Warn("%s", msg) })
	sc.Interactive = true
	err = session.DialAndRun(dc, *sc, out, prompt) // stdout is the terminal
	io.WriteString(env.Stdout, "\r\x1b[K")         // clear the last prompt
	return err
}
