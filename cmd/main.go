// Package cmd is the wsx command line: its commands, shared flags, the one
// dialer, and the mapping of failures to exit statuses.
package cmd

import (
	"context"
	"io"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/urfave/cli/v3"
	"github.com/wsx-cli/wsx/format"
	"github.com/wsx-cli/wsx/internal/exit"
	"github.com/wsx-cli/wsx/internal/outwatch"
	"golang.org/x/term"
)

// Env is everything a run takes from its caller: streams, environment,
// clock and signals. Tests build one around buffers.
type Env struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	Getenv         func(string) string
	Now            func() time.Time
	// Signals delivers SIGINT and SIGTERM; nil when nobody will send any.
	Signals <-chan os.Signal
	// SignalsReady, when not nil, is closed once Signals is registered:
	// a command waits for it (awaitSignals) before it connects or listens.
	SignalsReady <-chan struct{}
	// StdinTTY, StdoutTTY and StderrTTY say which streams are terminals.
	StdinTTY, StdoutTTY, StderrTTY bool
	// StdoutWidth is the width in columns of the terminal stdout is, when
	// StdoutTTY; 0 or less when it cannot be told. The help is wrapped to it.
	StdoutWidth func() int
	// StdinFd is the terminal's file descriptor when StdinTTY, for raw mode.
	StdinFd int
	// ReadPassword reads a line from the terminal without echo, for -u
	// USER without a password; nil when there is no terminal.
	ReadPassword func() ([]byte, error)
	// WatchStdout, when not nil, returns a channel closed when stdout's
	// reader goes away (| head), watching until stop closes.
	WatchStdout func(stop <-chan struct{}) <-chan struct{}
}

// OSEnv is the environment of the running process.
func OSEnv() *Env {
	// A closed stdout (wsx listen URL | head -1) is an EPIPE error wsx
	// handles, closing the connection cleanly, not a SIGPIPE death that
	// drops it without a close frame.
	signal.Ignore(syscall.SIGPIPE)
	// The first Notify costs 0.1 to 0.25 ms, waiting for the runtime to
	// start its signal thread: it runs while the command line is read.
	sig, ready := make(chan os.Signal, 2), make(chan struct{})
	go func() {
		signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
		close(ready)
	}()
	env := filesEnv(os.Stdin, os.Stdout, os.Stderr)
	env.Getenv, env.Now = os.Getenv, time.Now
	env.Signals, env.SignalsReady = sig, ready
	return env
}

// filesEnv is an Env around three open files, with what the process learns
// of them: which are terminals, how to read a password from stdin's, and
// how to watch stdout for its reader's going away. Tests run it on a pty.
func filesEnv(stdin, stdout, stderr *os.File) *Env {
	return &Env{
		Stdin:     stdin,
		Stdout:    stdout,
		Stderr:    stderr,
		StdinTTY:  term.IsTerminal(int(stdin.Fd())),
		StdoutTTY: term.IsTerminal(int(stdout.Fd())),
		StderrTTY: term.IsTerminal(int(stderr.Fd())),
		StdoutWidth: func() int {
			w, _, _ := term.GetSize(int(stdout.Fd()))
			return w
		},
		StdinFd:      int(stdin.Fd()),
		ReadPassword: func() ([]byte, error) { return term.ReadPassword(int(stdin.Fd())) },
		WatchStdout: func(stop <-chan struct{}) <-chan struct{} {
			return outwatch.Watch(stdout, stop)
		},
	}
}

// awaitSignals returns once Ctrl-C and SIGTERM are wsx's to handle. A
// command calls it just before it connects, listens or asks for a password,
// the first things a signal must end cleanly; a signal before that ends wsx
// by its default action, which a shell reports as 130 or 143, as it does
// wsx's own exit. The registration, 0.1 to 0.25 ms, runs meanwhile, while
// the command line and the flags are read.
func (env *Env) awaitSignals() {
	if env.SignalsReady != nil {
		<-env.SignalsReady
	}
}

// Main runs wsx with args (without the program name) and returns the exit
// status.
func Main(args []string, env *Env) int {
	if env.Getenv == nil {
		env.Getenv = func(string) string { return "" }
	}
	if env.Now == nil {
		env.Now = time.Now
	}
	if len(args) > 0 && args[0] == "help" { // wsx help [COMMAND], as git and gh have it
		args = append(slices.Clone(args[1:min(len(args), 2)]), "--help")
	}
	name := commandOf(args)
	app := newApp(env, name)
	who := typedAs(args, name)
	args, err := reorder(app, name, args)
	if err == nil {
		err = run(app, who, args)
	}
	if err != nil {
		paint := format.NewPalette(format.ColorEnabled(colorFlag(args), env.StderrTTY, env.Getenv))
		report(env.Stderr, paint, err)
	}
	return exit.Status(err)
}

// run runs app with args as reorder leaves them; who is their command as
// the user typed it (see typedAs).
func run(app *cli.Command, who string, args []string) error {
	line, err := commandLine(app, who, args)
	if err != nil {
		return err
	}
	return app.Run(context.Background(), append([]string{"wsx"}, line...))
}

// colorFlag is the --color the command line gives (auto when none, or an
// invalid one), for the errors Main prints after the command has ended:
// they follow the same colour decision as the command's own lines.
func colorFlag(args []string) format.ColorMode {
	mode := format.ColorAuto
	for i, a := range args {
		if a == "--" {
			break
		}
		v, ok := strings.CutPrefix(a, "--color=")
		if !ok && a == "--color" && i+1 < len(args) {
			v, ok = args[i+1], true
		}
		if m, err := format.ParseColor(v); ok && err == nil {
			mode = m
		}
	}
	return mode
}
