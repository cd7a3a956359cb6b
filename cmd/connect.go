package cmd

import (
	"context"
	"io"
	"os"
	"time"

	"github.com/urfave/cli/v2"
	"github.com/wsx-cli/wsx/closecodes"
	"github.com/wsx-cli/wsx/format"
	"github.com/wsx-cli/wsx/send"
	"golang.org/x/term"
)

func connectCommand(env *Env) *cli.Command {
	return &cli.Command{
		Name:      "connect",
		Usage:     "send stdin lines as messages and print what arrives",
		ArgsUsage: "URL",
		Description: "Each stdin line is one message; each incoming message is printed on stdout.\n" +
			"At the end of stdin every line is written, then the close handshake runs.\n" +
			"On a terminal: a '> ' prompt with line editing and history, and /ping [data],\n" +
			"/close [code|name] [reason], /quit.",
		Flags: concat(dialFlags(), sessionFlags(), outputFlags(), []cli.Flag{
			&cli.StringFlag{Name: "wait", Usage: "keep receiving for `DUR` after stdin ends"},
			&cli.IntFlag{Name: "count", Aliases: []string{"n"}, Usage: "close after `N` incoming messages"},
		}),
		Action: func(c *cli.Context) error { return runConnect(c, env) },
	}
}

func runConnect(c *cli.Context, env *Env) error {
	rawURL, err := oneURL(c)
	if err != nil {
		return err
	}
	dc, sc, err := readConfigs(c, env, rawURL)
	if err != nil {
		return err
	}
	if err := sc.readWait(c); err != nil {
		return err
	}
	if env.StdinTTY && env.StdoutTTY {
		return runInteractive(c, env, dc, sc)
	}
	out, err := newPrinter(c, env, "")
	if err != nil {
		return err
	}
	return connectAndRun(env, dc, sc, out, send.NewLines(env.Stdin, false))
}

// connectAndRun dials, then runs a session that sends src.
func connectAndRun(env *Env, dc *dialConfig, sc *sessionConfig, out *format.Printer, src send.Source) error {
	ctx, stopWatch := watchSignals(env)
	s, err := dial(ctx, dc, out)
	if sig := stopWatch(); sig != nil { // Ctrl-C while connecting
		if err == nil {
			send.NewCloser(s.ws, time.Second).Close(1000, "")
			s.ws.NetConn().Close()
		}
		return interrupted(sig)
	}
	if err != nil {
		return err
	}
	out.Open(s.handshake)
	r := newRun(env, s, dc, sc, out)
	return r.finish(r.start(src))
}

// runInteractive is connect on a terminal: raw mode, a prompt with line
// editing and history, incoming messages printed above it.
func runInteractive(c *cli.Context, env *Env, dc *dialConfig, sc *sessionConfig) error {
	old, err := term.MakeRaw(env.StdinFd)
	if err != nil {
		return errorf(ExitError, "cannot set up the terminal: %v", err)
	}
	defer term.Restore(env.StdinFd, old)
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
	sc.interactive = true
	err = connectAndRun(&tenv, dc, sc, out, prompt)
	io.WriteString(env.Stdout, "\r\x1b[K") // clear the last prompt
	return err
}

// closeCommand reads the code of "/close [code|name] [reason]".
func closeCommand(c *send.Command, def closecodes.Code) (closecodes.Code, error) {
	if c.Code == "" {
		return def, nil
	}
	return parseCloseCode("close", c.Code)
}

// watchSignals gives a context that a signal cancels, for the phases that
// do not watch env.Signals themselves (connecting, probing). stop ends the
// watch and returns the signal that came, if one did.
func watchSignals(env *Env) (ctx context.Context, stop func() os.Signal) {
	ctx, cancel := context.WithCancel(context.Background())
	done, finished := make(chan struct{}), make(chan struct{})
	var got os.Signal
	go func() {
		defer close(finished)
		select {
		case got = <-env.Signals:
			cancel()
		case <-done:
		}
	}()
	return ctx, func() os.Signal {
		close(done)
		<-finished
		cancel()
		return got
	}
}
