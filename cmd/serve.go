package cmd

import (
	"bufio"
	"fmt"
	"os"
	"strings"

	"github.com/urfave/cli/v2"
	"github.com/wsx-cli/wsx/closecodes"
	"github.com/wsx-cli/wsx/serve"
)

func serveFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "mode", Value: "echo", Usage: "`echo` each message back, broadcast it to every client, or sink (count only)"},
		&cli.StringSliceFlag{Name: "protocol", Aliases: []string{"p"}, Usage: "accept subprotocol `NAME` (repeat or comma list); the client's first accepted one wins"},
		&cli.StringFlag{Name: "force-protocol", Usage: "answer with subprotocol `NAME` whatever the client offered (to test clients)"},
		&cli.StringSliceFlag{Name: "send", Usage: "greet each client with `MSG` (repeatable; @FILE sends a file)"},
		&cli.BoolFlag{Name: "binary", Aliases: []string{"b"}, Usage: "send greetings and stdin lines as binary frames"},
		&cli.IntFlag{Name: "close-after", Value: -1, Usage: "close after receiving `N` messages (0: right after the greeting)"},
		&cli.StringFlag{Name: "close-code", Value: "1000", Usage: "close with `CODE|NAME`; any number, even invalid ones, is sent as is; none sends an empty close frame"},
		&cli.StringFlag{Name: "close-reason", Usage: "close with reason `TEXT` (@FILE reads it, bytes as they are)"},
		&cli.IntFlag{Name: "drop-after", Value: -1, Usage: "drop TCP without a close frame after `N` messages"},
		&cli.BoolFlag{Name: "no-close-echo", Usage: "never answer a client's close frame"},
		&cli.IntFlag{Name: "reject", Usage: "refuse every upgrade with HTTP `STATUS`"},
		&cli.StringFlag{Name: "max-size", Usage: "largest message accepted, in `BYTES`"},
	}
}

func serveCommand(env *Env) *cli.Command {
	return &cli.Command{
		Name:      "serve",
		Usage:     "run a local WebSocket test server (echo by default)",
		ArgsUsage: "[ADDR]",
		Description: "Listens on ADDR (default 127.0.0.1:8765; :0 picks a free port), prints its URL on\n" +
			"stdout and one line per connection on stderr. Lines on stdin go to every client.",
		Flags:  serveFlags(),
		Action: func(c *cli.Context) error { return runServe(c, env) },
	}
}

// serveOptions reads serve's flags and address.
func serveOptions(c *cli.Context) (serve.Options, string, error) {
	o := serve.Options{
		Mode:          serve.Mode(c.String("mode")),
		Protocols:     splitList(c.StringSlice("protocol")),
		ForceProtocol: c.String("force-protocol"),
		CloseAfter:    c.Int("close-after"),
		DropAfter:     c.Int("drop-after"),
		NoCloseEcho:   c.Bool("no-close-echo"),
		Reject:        c.Int("reject"),
	}
	switch o.Mode {
	case serve.Echo, serve.Broadcast, serve.Sink:
	default:
		return o, "", usageError("invalid --mode %q: want echo, broadcast or sink", o.Mode)
	}
	if o.Reject != 0 && (o.Reject < 100 || o.Reject > 599 || o.Reject == 101) {
		return o, "", usageError("invalid --reject %d: want an HTTP status 100-599 other than 101", o.Reject)
	}
	if err := readServeCloseCode(c.String("close-code"), &o); err != nil {
		return o, "", err
	}
	reason, err := messageArg(c.String("close-reason"))
	if err != nil {
		return o, "", err
	}
	o.CloseReason = string(reason)
	if s := c.String("max-size"); s != "" {
		if o.MaxSize, err = parseSize("max-size", s); err != nil {
			return o, "", err
		}
	}
	for _, m := range c.StringSlice("send") {
		data, err := messageArg(m)
		if err != nil {
			return o, "", err
		}
		o.Greet = append(o.Greet, serve.Message{Data: data, Binary: c.Bool("binary")})
	}
	if c.NArg() > 1 {
		return o, "", usageError("serve takes one address, got %s", quoteArgs(c.Args().Slice()))
	}
	return o, c.Args().First(), nil
}

// readServeCloseCode takes any code, even invalid ones, or "none" for an
// empty close frame.
func readServeCloseCode(s string, o *serve.Options) error {
	if s == "none" || s == "-1" {
		o.CloseCode = -1
		return nil
	}
	code, err := closecodes.Parse(s)
	if err != nil {
		return usageError("invalid --close-code: %v", err)
	}
	o.CloseCode = int(code)
	return nil
}

// messageArg reads a message argument: text, or @FILE for a file's contents.
func messageArg(arg string) ([]byte, error) {
	file, ok := strings.CutPrefix(arg, "@")
	if !ok {
		return []byte(arg), nil
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, usageError("cannot read message file: %v", err)
	}
	return data, nil
}

func runServe(c *cli.Context, env *Env) error {
	o, addr, err := serveOptions(c)
	if err != nil {
		return err
	}
	o.Log = env.Stderr
	srv := serve.New(o)
	url, err := srv.Listen(addr)
	if err != nil {
		return errorf(ExitError, "cannot listen: %v", err)
	}
	defer srv.Close()
	fmt.Fprintln(env.Stdout, url)
	fmt.Fprintf(env.Stderr, "serving %s on %s (Ctrl-C stops)\n", o.Mode, url)
	go relayStdin(env, srv, c.Bool("binary"))
	sig := <-env.Signals
	return interrupted(sig)
}

// relayStdin sends each stdin line to every client.
func relayStdin(env *Env, srv *serve.Server, binary bool) {
	sc := bufio.NewScanner(env.Stdin)
	sc.Buffer(make([]byte, 64<<10), 64<<20)
	for sc.Scan() {
		if line := sc.Bytes(); len(line) > 0 {
			srv.Broadcast(serve.Message{Data: append([]byte(nil), line...), Binary: binary})
		}
	}
}
