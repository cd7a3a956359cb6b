package cmd

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/urfave/cli/v3"
	"github.com/wsx-cli/wsx/closecodes"
	"github.com/wsx-cli/wsx/format"
	"github.com/wsx-cli/wsx/internal/dial"
	"github.com/wsx-cli/wsx/internal/exit"
	"github.com/wsx-cli/wsx/internal/session"
	"github.com/wsx-cli/wsx/send"
)

// A command's help lists its own flags first, under FLAGS, then those of
// each group here that it has, under a heading of its own, in this order
// (OUTPUT FLAGS, ...). A flag is filed in its group where it is declared.
const (
	outputGroup     = "output"     // what is printed, and how much of it
	sessionGroup    = "session"    // the goal, the close, timeouts and reconnecting
	connectionGroup = "connection" // the dialer's
)

var flagGroups = []string{outputGroup, sessionGroup, connectionGroup}

// inGroup files flags in group (their Category), and returns them.
func inGroup(group string, flags ...cli.Flag) []cli.Flag {
	for _, f := range flags {
		f.(cli.CategorizableFlag).SetCategory(group)
	}
	return flags
}

// dialFlags is the shared dialer, given to every command that connects,
// with how much of the connection is shown.
func dialFlags() []cli.Flag {
	return concat(inGroup(connectionGroup,
		listFlag("protocol", "offer subprotocol `NAME` (repeat it or give a comma list; order is preference)", "p"),
		listFlag("header", "add request header `'Name: value'` (repeatable; @FILE reads one header a line)", "H"),
		&cli.StringFlag{Name: "origin", Usage: "send Origin: `URL`"},
		&cli.StringFlag{Name: "user", Aliases: []string{"u"}, Usage: "HTTP basic auth `USER[:PASS]` (also taken from ws://user:pass@host)"},
		&cli.StringFlag{Name: "connect-timeout", Value: "10s", Usage: "limit DNS, TCP, TLS and upgrade to `DUR`"},
		&cli.BoolFlag{Name: "insecure", Aliases: []string{"k"}, Usage: "skip TLS certificate verification (always warns)"},
		&cli.StringFlag{Name: "cacert", Usage: "trust the CA certificates in `FILE` (PEM)"},
		&cli.StringFlag{Name: "cert", Usage: "client certificate `FILE` (PEM)"},
		&cli.StringFlag{Name: "key", Usage: "client private key `FILE` (PEM)"},
		&cli.StringFlag{Name: "proxy", Usage: "connect through `URL` (http://, socks5:// or socks5h://); default from HTTPS_PROXY, HTTP_PROXY, ALL_PROXY, NO_PROXY"},
		&cli.BoolFlag{Name: "compress", Usage: "offer permessage-deflate and report what the server accepted"},
		&cli.StringFlag{Name: "max-size", Value: "64MiB", Usage: "largest incoming message accepted, in `BYTES` (KiB, MiB, GiB, kB, MB, GB suffixes)"},
		&cli.StringFlag{Name: "ping-interval", Usage: "send a ping every `DUR`; -v or jsonl report each round trip"},
	), inGroup(outputGroup,
		&cli.BoolFlag{Name: "verbose", Aliases: []string{"v"}, Usage: "show the handshake as on the wire and pings and pongs on stderr"},
		&cli.BoolFlag{Name: "trace", Usage: "show every frame both ways, in wire order, and the handshake as sent and received, on stderr (jsonl: frame events)"},
		&cli.BoolFlag{Name: "show-secrets", Usage: "with -v or --trace, show Authorization, Proxy-Authorization and Cookie values"},
		&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "print no status lines (errors still print)"},
	))
}

// listFlag is a flag that may be repeated, its values kept in order, each
// without the spaces around it (as urfave/cli v2 kept them).
func listFlag(name, usage string, aliases ...string) cli.Flag {
	return &cli.StringSliceFlag{Name: name, Aliases: aliases, Usage: usage, Config: cli.StringConfig{TrimSpace: true}}
}

// sessionFlags control the goal and the close of a session.
func sessionFlags() []cli.Flag {
	return inGroup(sessionGroup,
		&cli.StringFlag{Name: "timeout", Usage: "fail with exit 6 unless the goal is met within `DUR`"},
		&cli.StringFlag{Name: "close-code", Value: "1000", Usage: "close with `CODE|NAME`"},
		&cli.StringFlag{Name: "close-reason", Usage: "close with reason `TEXT` (at most 123 bytes)"},
		&cli.StringFlag{Name: "close-timeout", Value: "3s", Usage: "wait for the server's close echo until it has sent nothing for `DUR` (at most 10 times DUR in all)"},
		&cli.StringFlag{Name: "expect-close", Value: "1000,1001", Usage: "server close `CODES` that count as normal (comma list of numbers or names)"},
		&cli.StringFlag{Name: "ping-timeout", Usage: "a ping with no pong within `DUR`, while nothing else moves, means the connection is dead: close with 1011, exit 5 (without --ping-interval: a ping every DUR)"},
	)
}

// reconnectFlags are --reconnect's, for the commands that hold a connection
// open (listen, connect).
func reconnectFlags() []cli.Flag {
	return inGroup(sessionGroup,
		&cli.BoolFlag{Name: "reconnect", Usage: "connect again after a drop, a close code outside --expect-close, a ping timeout, or an upgrade refused with 429, 502, 503 or 504"},
		&cli.StringFlag{Name: "reconnect-delay", Value: "1s", Usage: "wait `DUR` before the first new attempt, twice that before the next, and so on up to 30s (±20% jitter)"},
		&cli.IntFlag{Name: "reconnect-max", Usage: "give up after `N` attempts in a row (0: no limit; --timeout bounds the whole run)"},
	)
}

// defaultPingTimeout is --ping-timeout with --reconnect and --ping-interval
// when it is not given: the pings are there to find a dead connection.
const defaultPingTimeout = 30 * time.Second

// readReconnect reads --reconnect and its flags into so.
func readReconnect(c flagged, so *session.Options) error {
	if !c.Bool("reconnect") {
		for _, f := range []string{"reconnect-delay", "reconnect-max"} {
			if c.IsSet(f) {
				return exit.Usagef("--%s needs --reconnect", f).Hint("add --reconnect")
			}
		}
		return nil
	}
	rc := &session.Reconnect{Max: c.Int("reconnect-max")}
	var err error
	if rc.Delay, err = durationFlag(c, "reconnect-delay"); err != nil {
		return err
	}
	if rc.Delay == 0 {
		return exit.Usagef("invalid --reconnect-delay %q: must be more than 0", c.String("reconnect-delay"))
	}
	if rc.Max < 0 {
		return exit.Usagef("invalid --reconnect-max %d: must not be negative", rc.Max)
	}
	so.Reconnect = rc
	if so.PingInterval > 0 && !c.IsSet("ping-timeout") {
		so.PingTimeout = defaultPingTimeout
	}
	return nil
}

// outputFlags choose how messages are printed.
func outputFlags() []cli.Flag {
	return inGroup(outputGroup,
		&cli.StringFlag{Name: "format", Aliases: []string{"f"}, Value: "auto", Usage: "print messages as `auto|raw|pretty|compact|jsonl`"},
		&cli.StringFlag{Name: "color", Value: "auto", Usage: "colour: `auto|always|never` (NO_COLOR, CLICOLOR_FORCE, FORCE_COLOR and TERM=dumb honoured)"},
		&cli.StringFlag{Name: "binary-as", Value: "auto", Usage: "print binary messages as `auto|hex|base64|raw`"},
		&cli.BoolFlag{Name: "timestamps", Aliases: []string{"t"}, Usage: "prefix each message with the time it arrived"},
		&cli.BoolFlag{Name: "progress", Usage: "show a meter on stderr for transfers over 1 MiB even when stderr is not a terminal"},
		&cli.BoolFlag{Name: "no-progress", Usage: "never show the meter (shown by default when stderr is a terminal, unless -q)"},
	)
}

// progress decides the meter of big transfers: forced on or off by
// --progress and --no-progress, otherwise on when stderr is a terminal and
// -q is not given.
func progress(c flagged, env *Env) (bool, error) {
	switch on, off := c.Bool("progress"), c.Bool("no-progress"); {
	case on && off:
		return false, exit.Usagef("--progress and --no-progress cannot be used together")
	case on || off:
		return on, nil
	}
	return env.StderrTTY && !c.Bool("quiet"), nil
}

func concat(sets ...[]cli.Flag) []cli.Flag {
	var all []cli.Flag
	for _, s := range sets {
		all = append(all, s...)
	}
	return all
}

// durationFlag reads a duration flag; given empty, it is a mistake, not
// "no limit" (--connect-timeout= must not turn the timeout off).
func durationFlag(c flagged, flag string) (time.Duration, error) {
	s := c.String(flag)
	if s == "" && c.IsSet(flag) {
		return 0, exit.Usagef("invalid --%s \"\": want a duration like 500ms, 3s or 2m", flag)
	}
	return parseDuration(flag, s)
}

// parseDuration reads a flag's duration: Go syntax (1.5s, 200ms, 2m) or a
// bare number of seconds, as curl takes them.
func parseDuration(flag, s string) (time.Duration, error) {
	if s == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		f, ferr := strconv.ParseFloat(s, 64)
		if ferr != nil || f != f || f > 1e9 {
			return 0, exit.Usagef("invalid --%s %q: want a duration like 500ms, 3s or 2m", flag, s)
		}
		d = time.Duration(f * float64(time.Second))
	}
	if d < 0 {
		return 0, exit.Usagef("invalid --%s %q: must not be negative", flag, s)
	}
	return d, nil
}

var sizeUnits = []struct {
	suffix string
	mult   int64
}{
	{"kib", 1 << 10}, {"mib", 1 << 20}, {"gib", 1 << 30},
	{"kb", 1000}, {"mb", 1000 * 1000}, {"gb", 1000 * 1000 * 1000},
	{"k", 1 << 10}, {"m", 1 << 20}, {"g", 1 << 30}, {"b", 1},
}

// parseSize reads a byte count such as 65536, 64KiB, 64MiB or 1GB.
func parseSize(flag, s string) (int64, error) {
	num, mult := strings.ToLower(strings.TrimSpace(s)), int64(1)
	for _, u := range sizeUnits {
		if strings.HasSuffix(num, u.suffix) {
			num, mult = strings.TrimSpace(strings.TrimSuffix(num, u.suffix)), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n < 0 || n > (1<<62)/mult {
		return 0, exit.Usagef("invalid --%s %q: want a byte count like 65536, 64KiB or 1GiB", flag, s)
	}
	return n * mult, nil
}

// parseCloseCode reads a code wsx may send.
func parseCloseCode(flag, s string) (closecodes.Code, error) {
	c, err := closecodes.Parse(s)
	if err != nil {
		return 0, exit.Usagef("invalid --%s: %v", flag, err).Hint("'wsx codes' lists the close codes")
	}
	if !c.Sendable() {
		return 0, exit.Usagef("invalid --%s: %s may not be sent in a close frame", flag, c)
	}
	return c, nil
}

// parseCodeList reads --expect-close: codes or names, comma separated.
func parseCodeList(flag, s string) (map[closecodes.Code]bool, error) {
	codes := map[closecodes.Code]bool{}
	for _, part := range strings.Split(s, ",") {
		c, err := closecodes.Parse(strings.TrimSpace(part))
		if err != nil {
			return nil, exit.Usagef("invalid --%s: %v", flag, err).Hint("'wsx codes' lists the close codes")
		}
		codes[c] = true
	}
	return codes, nil
}

// splitList reads repeated, comma-separated flag values in order.
func splitList(values []string) []string {
	var out []string
	for _, v := range values {
		for _, p := range strings.Split(v, ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
	}
	return out
}

// readDialConfig reads the shared dialer's flags for rawURL.
func readDialConfig(c flagged, env *Env, rawURL string) (*dial.Config, error) {
	o := dial.Options{
		URL:         rawURL,
		Protocols:   c.StringSlice("protocol"),
		Headers:     c.StringSlice("header"),
		Origin:      c.String("origin"),
		User:        c.String("user"),
		UserAgent:   "wsx/" + thisBuild().version,
		Insecure:    c.Bool("insecure"),
		CACert:      c.String("cacert"),
		Cert:        c.String("cert"),
		Key:         c.String("key"),
		Proxy:       c.String("proxy"),
		Getenv:      env.Getenv,
		Compress:    c.Bool("compress"),
		ShowSecrets: c.Bool("show-secrets"),
		Trace:       c.Bool("trace"),
	}
	var err error
	if o.ConnectTimeout, err = durationFlag(c, "connect-timeout"); err != nil {
		return nil, err
	}
	if o.MaxSize, err = parseSize("max-size", c.String("max-size")); err != nil {
		return nil, err
	}
	if o.User, err = userFlag(o.User, env); err != nil { // asked last: a mistake above needs no password
		return nil, err
	}
	return dial.New(o)
}

// userFlag reads -u USER[:PASS]. A user without a password has it asked
// for on the terminal, without echo, as curl does; with no terminal to
// ask on, that is a usage error. An empty password is -u USER: .
func userFlag(user string, env *Env) (string, error) {
	if user == "" || strings.Contains(user, ":") {
		return user, nil
	}
	if !env.StdinTTY || env.ReadPassword == nil {
		return "", exit.Usagef("-u %s has no password, and stdin is not a terminal to ask for it on", user).
			Hint("give it as -u %s:PASSWORD (an empty one as -u %s:)", user, user)
	}
	env.awaitSignals() // Ctrl-C must not end wsx with the echo still off
	fmt.Fprintf(env.Stderr, "Enter host password for user '%s': ", user)
	pass, err := env.ReadPassword()
	fmt.Fprintln(env.Stderr) // the newline that was not echoed
	if err != nil {
		return "", exit.Usagef("reading the password for -u %s: %v", user, err)
	}
	return user + ":" + string(pass), nil
}

// readConfigs reads what every session command takes: the shared dialer's
// flags for rawURL, the session flags and --count.
func readConfigs(c flagged, env *Env, rawURL string) (*dial.Config, *session.Options, error) {
	dc, err := readDialConfig(c, env, rawURL)
	if err != nil {
		return nil, nil, err
	}
	so, err := readSessionOptions(c, env)
	if err != nil {
		return nil, nil, err
	}
	so.MaxSize = dc.MaxSize
	// big text streams only when asked for big messages: otherwise it is
	// held and checked whole, so no invalid text reaches stdout
	so.StreamText = c.IsSet("max-size") && (dc.MaxSize == 0 || dc.MaxSize > 1<<20)
	if so.Count = c.Int("count"); so.Count < 0 {
		return nil, nil, exit.Usagef("invalid --count %d: must not be negative", so.Count)
	}
	if c.Name != "listen" { // connect, send
		if so.Wait, err = durationFlag(c, "wait"); err != nil {
			return nil, nil, err
		}
		if !c.IsSet("wait") {
			so.Wait = session.WaitAuto
		}
	}
	return dc, so, nil
}

func readSessionOptions(c flagged, env *Env) (*session.Options, error) {
	so := &session.Options{CloseReason: c.String("close-reason"), Signals: env.Signals}
	var err error
	if so.Progress, err = progress(c, env); err != nil {
		return nil, err
	}
	if so.Timeout, err = durationFlag(c, "timeout"); err != nil {
		return nil, err
	}
	if so.CloseTimeout, err = durationFlag(c, "close-timeout"); err != nil {
		return nil, err
	}
	if so.PingInterval, err = durationFlag(c, "ping-interval"); err != nil {
		return nil, err
	}
	if so.PingTimeout, err = durationFlag(c, "ping-timeout"); err != nil {
		return nil, err
	}
	if so.CloseCode, err = parseCloseCode("close-code", c.String("close-code")); err != nil {
		return nil, err
	}
	if len(so.CloseReason) > 123 {
		return nil, exit.Usagef("invalid --close-reason: %d bytes, at most 123 fit in a close frame", len(so.CloseReason))
	}
	if !utf8.ValidString(so.CloseReason) {
		return nil, exit.Usagef("invalid --close-reason: not valid UTF-8")
	}
	if so.ExpectClose, err = parseCodeList("expect-close", c.String("expect-close")); err != nil {
		return nil, err
	}
	return so, nil
}

// runSession dials and runs a session, watching stdout for its reader's
// hang-up meanwhile.
func runSession(env *Env, dc *dial.Config, so *session.Options, out *format.Printer, src send.Source) error {
	env.awaitSignals()
	if env.WatchStdout != nil {
		stop := make(chan struct{})
		defer close(stop)
		so.StdoutGone = env.WatchStdout(stop)
	}
	return session.DialAndRun(dc, *so, out, src)
}
