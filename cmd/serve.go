package cmd

import (
	"bufio"
	"context"
	"fmt"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/urfave/cli/v3"
	"github.com/wsx-cli/wsx/closecodes"
	"github.com/wsx-cli/wsx/internal/atomicfile"
	"github.com/wsx-cli/wsx/internal/dial"
	"github.com/wsx-cli/wsx/internal/exit"
	"github.com/wsx-cli/wsx/serve"
)

func serveFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "mode", Value: "echo", Usage: "`echo|broadcast|sink|stall|order`: echo each message back, relay it to every client, count only, never read, or play graphql-transport-ws's connection_init, then subscribe"},
		&cli.StringFlag{Name: "ack-delay", Value: "100ms", Usage: "with --mode order, answer connection_init with connection_ack after `DUR`"},
		listFlag("protocol", "accept subprotocol `NAME` (repeat or comma list); the client's first accepted one wins", "p"),
		&cli.StringFlag{Name: "force-protocol", Usage: "answer with subprotocol `NAME` whatever the client offered (to test clients)"},
		listFlag("send", "greet each client with `MSG` (repeatable; @FILE sends a file)"),
		&cli.BoolFlag{Name: "binary", Aliases: []string{"b"}, Usage: "send greetings and stdin lines as binary frames"},
		&cli.IntFlag{Name: "close-after", Value: -1, Usage: "close after receiving `N` messages (0: right after the greeting)"},
		&cli.StringFlag{Name: "close-code", Value: "1000", Usage: "close with `CODE|NAME`; any number, even invalid ones, is sent as is; none sends an empty close frame"},
		&cli.StringFlag{Name: "close-reason", Usage: "close with reason `TEXT` (@FILE reads it, bytes as they are)"},
		&cli.IntFlag{Name: "drop-after", Value: -1, Usage: "drop TCP without a close frame after `N` messages"},
		&cli.BoolFlag{Name: "no-close-echo", Usage: "never answer a client's close frame"},
		&cli.StringFlag{Name: "reply-delay", Usage: "send each echo or relay `DUR` after its message was read, reading on meanwhile"},
		&cli.BoolFlag{Name: "stop-at-close", Usage: "send no data once the client's close frame is read, dropping queued replies (as Python websockets and websocketd do)"},
		&cli.StringFlag{Name: "read-rate", Usage: "read at most `N` messages a second (fractions allowed; 0: no limit)"},
		&cli.StringFlag{Name: "stream-every", Usage: "send \"tick N\" to each client every `DUR` until its connection ends"},
		&cli.IntFlag{Name: "reject", Usage: "refuse every upgrade with HTTP `STATUS`"},
		&cli.StringFlag{Name: "retry-after", Usage: "with --reject, send Retry-After: `SECS` (whatever the status)"},
		&cli.StringFlag{Name: "max-size", Usage: "largest message accepted, in `BYTES`"},
		&cli.BoolFlag{Name: "tls", Usage: "serve wss:// with a throwaway self-signed certificate"},
		&cli.StringFlag{Name: "cert-out", Usage: "write the certificate (PEM) to `FILE`, for clients' --cacert"},
	}
}

func serveCommand(env *Env) *cli.Command {
	return &cli.Command{
		Name:      "serve",
		Usage:     "run a local WebSocket test server (echo by default)",
		ArgsUsage: "[ADDR]",
		Description: "Listens on ADDR (default 127.0.0.1:8765; :0 picks a free port), prints its URL on\n" +
			"stdout and one line per connection on stderr. Lines on stdin go to every client.\n" +
			"--reply-delay, --stop-at-close, --read-rate, --mode stall and --stream-every play\n" +
			"the servers a client meets at the end of a session. --mode order answers connection_init\n" +
			"with connection_ack after --ack-delay, and closes with 4401 on a subscribe that came first.",
		Flags:  serveFlags(),
		Action: func(_ context.Context, c *cli.Command) error { return runServe(indexed(c), env) },
	}
}

// serveConfig is what serve's flags and address ask for.
type serveConfig struct {
	serve.Options
	addr    string
	certOut string // --cert-out: where to write the certificate; "" for nowhere
}

// serveOptions reads serve's flags and address.
func serveOptions(c flagged) (serveConfig, error) {
	o := serve.Options{
		Mode:          serve.Mode(c.String("mode")),
		Protocols:     splitList(c.StringSlice("protocol")),
		ForceProtocol: c.String("force-protocol"),
		CloseAfter:    c.Int("close-after"),
		DropAfter:     c.Int("drop-after"),
		NoCloseEcho:   c.Bool("no-close-echo"),
		Reject:        c.Int("reject"),
		TLS:           c.Bool("tls"),
	}
	if !slices.Contains(serve.Modes, o.Mode) {
		return serveConfig{}, exit.Usagef("invalid --mode %q: want %s", o.Mode, serve.ModeList("or"))
	}
	if err := readBehaviours(c, &o); err != nil {
		return serveConfig{}, err
	}
	for _, n := range []struct {
		flag  string
		value int
	}{{"close-after", o.CloseAfter}, {"drop-after", o.DropAfter}} {
		if n.value < -1 {
			return serveConfig{}, exit.Usagef("invalid --%s %d: want a number of messages (0 or more)", n.flag, n.value)
		}
	}
	if o.Reject != 0 && (o.Reject < 200 || o.Reject > 599) {
		return serveConfig{}, exit.Usagef("invalid --reject %d: want an HTTP status from 200 to 599", o.Reject)
	}
	if err := readRetryAfter(c, &o); err != nil {
		return serveConfig{}, err
	}
	certOut := c.String("cert-out")
	if certOut != "" && !o.TLS {
		return serveConfig{}, exit.Usagef("--cert-out needs --tls")
	}
	if err := readServeCloseCode(c.String("close-code"), &o); err != nil {
		return serveConfig{}, err
	}
	reason, err := messageArg(c.String("close-reason"))
	if err != nil {
		return serveConfig{}, err
	}
	o.CloseReason = string(reason)
	if s := c.String("max-size"); s != "" {
		if o.MaxSize, err = parseSize("max-size", s); err != nil {
			return serveConfig{}, err
		}
	}
	for _, m := range c.StringSlice("send") {
		data, err := messageArg(m)
		if err != nil {
			return serveConfig{}, err
		}
		o.Greet = append(o.Greet, serve.Message{Data: data, Binary: c.Bool("binary")})
	}
	if c.NArg() > 1 {
		return serveConfig{}, exit.Usagef("serve takes one address, got %s", dial.QuoteArgs(c.Args().Slice()))
	}
	return serveConfig{Options: o, addr: c.Args().First(), certOut: certOut}, nil
}

// readBehaviours reads the flags that shape the end of a session: late replies,
// the stop at the close, the read rate and the ticks. A flag that can never act in
// the chosen mode is refused rather than ignored.
func readBehaviours(c flagged, o *serve.Options) error {
	var err error
	if o.ReplyDelay, err = durationFlag(c, "reply-delay"); err != nil {
		return err
	}
	if o.StreamEvery, err = durationFlag(c, "stream-every"); err != nil {
		return err
	}
	if c.IsSet("stream-every") && o.StreamEvery == 0 {
		return exit.Usagef("invalid --stream-every %q: want a duration above 0", c.String("stream-every"))
	}
	o.StopAtClose = c.Bool("stop-at-close")
	if s := c.String("read-rate"); s != "" || c.IsSet("read-rate") {
		o.ReadRate, err = strconv.ParseFloat(s, 64)
		if err != nil || !(o.ReadRate >= 0) || math.IsInf(o.ReadRate, 1) {
			return exit.Usagef("invalid --read-rate %q: want a number of messages a second, 0 for no limit", s)
		}
	}
	if o.ReplyDelay > 0 && o.Mode != serve.Echo && o.Mode != serve.Broadcast {
		why := fmt.Sprintf("%s sends no replies", o.Mode)
		if o.Mode == serve.Order {
			why = "order answers when its protocol says"
		}
		return exit.Usagef("--reply-delay needs --mode echo or broadcast: %s", why)
	}
	if o.AckDelay, err = durationFlag(c, "ack-delay"); err != nil {
		return err
	}
	if c.IsSet("ack-delay") && o.Mode != serve.Order {
		return exit.Usagef("--ack-delay needs --mode order: %s sends no connection_ack", o.Mode)
	}
	if o.Mode == serve.Stall {
		for _, f := range []struct {
			flag string
			set  bool
		}{
			{"--stop-at-close", o.StopAtClose},
			{"--read-rate " + c.String("read-rate"), o.ReadRate > 0},
			{fmt.Sprintf("--close-after %d", o.CloseAfter), o.CloseAfter > 0},
			{fmt.Sprintf("--drop-after %d", o.DropAfter), o.DropAfter > 0},
		} {
			if f.set {
				return exit.Usagef("%s has no effect with --mode stall, which reads nothing", f.flag)
			}
		}
	}
	return nil
}

// readRetryAfter reads --retry-after: a number of seconds, the one form of
// Retry-After a client can act on without a clock; it only makes sense with
// a refusal.
func readRetryAfter(c flagged, o *serve.Options) error {
	if !c.IsSet("retry-after") {
		return nil
	}
	s := c.String("retry-after")
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || strings.Trim(s, "0123456789") != "" {
		return exit.Usagef("invalid --retry-after %q: want a number of seconds (0 or more)", s)
	}
	if o.Reject == 0 {
		return exit.Usagef("--retry-after needs --reject: it is a header of the refusal")
	}
	o.RetryAfter = strconv.Itoa(n)
	return nil
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
		return exit.Usagef("invalid --close-code: %v", err)
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
		return nil, exit.Usagef("cannot read message file: %v", err)
	}
	return data, nil
}

func runServe(c flagged, env *Env) error {
	cfg, err := serveOptions(c)
	if err != nil {
		return err
	}
	cfg.Log = env.Stderr
	srv := serve.New(cfg.Options)
	env.awaitSignals()
	url, err := srv.Listen(cfg.addr)
	if err != nil {
		return exit.Errorf(exit.Runtime, "cannot listen: %v", err)
	}
	defer srv.Close()
	if cfg.certOut != "" {
		if err := atomicfile.WriteFile(cfg.certOut, srv.CertificatePEM()); err != nil {
			return exit.Usagef("cannot write --cert-out: %v", err)
		}
		fmt.Fprintf(env.Stderr, "certificate written to %s\n", cfg.certOut)
	}
	fmt.Fprintln(env.Stdout, url)
	fmt.Fprintf(env.Stderr, "serving %s on %s (Ctrl-C stops)\n", cfg.Mode, url)
	go relayStdin(env, srv, c.Bool("binary"))
	sig := <-env.Signals
	return exit.BySignal(sig)
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
