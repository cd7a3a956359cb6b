package cmd

import (
	"context"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/gorilla/websocket"
	"github.com/urfave/cli/v2"
	"github.com/wsx-cli/wsx/format"
	"github.com/wsx-cli/wsx/listen"
)

// dialConfig is the shared dialer's flags, read and checked.
type dialConfig struct {
	target         *target
	protocols      []string
	header         http.Header
	connectTimeout time.Duration
	tls            *tls.Config
	insecure       bool
	proxy          *url.URL // nil: direct
	compress       bool
	maxSize        int64
	pingInterval   time.Duration
	verbose        bool
	showSecrets    bool
}

// readDialConfig reads the shared dialer's flags for rawURL.
func readDialConfig(c *cli.Context, env *Env, rawURL string) (*dialConfig, error) {
	t, err := parseTarget(rawURL)
	if err != nil {
		return nil, err
	}
	d := &dialConfig{
		target:      t,
		compress:    c.Bool("compress"),
		verbose:     c.Bool("verbose"),
		showSecrets: c.Bool("show-secrets"),
		insecure:    c.Bool("insecure"),
	}
	if d.protocols, err = parseProtocols(c.StringSlice("protocol")); err != nil {
		return nil, err
	}
	if d.header, err = parseHeaders(c.StringSlice("header")); err != nil {
		return nil, err
	}
	if d.header.Get("User-Agent") == "" {
		d.header.Set("User-Agent", "wsx/"+version)
	}
	if err := d.readAuth(c); err != nil {
		return nil, err
	}
	if d.connectTimeout, err = durationFlag(c, "connect-timeout"); err != nil {
		return nil, err
	}
	if d.pingInterval, err = durationFlag(c, "ping-interval"); err != nil {
		return nil, err
	}
	if d.maxSize, err = parseSize("max-size", c.String("max-size")); err != nil {
		return nil, err
	}
	if d.tls, err = tlsConfig(c, t.url.Hostname()); err != nil {
		return nil, err
	}
	if d.proxy, err = proxyFor(c.String("proxy"), t, env.Getenv); err != nil {
		return nil, err
	}
	return d, nil
}

func (d *dialConfig) readAuth(c *cli.Context) error {
	if o := c.String("origin"); o != "" {
		d.header.Set("Origin", o)
	}
	t := d.target
	if u := c.String("user"); u != "" {
		t.user, t.password, _ = strings.Cut(u, ":")
		t.hasAuth = true
	}
	if t.hasAuth {
		cred := base64.StdEncoding.EncodeToString([]byte(t.user + ":" + t.password))
		d.header.Set("Authorization", "Basic "+cred)
	}
	for name := range d.header {
		if strings.HasPrefix(strings.ToLower(name), "sec-websocket-") {
			return usageError("header %s is set by wsx itself", name).hint("use --protocol for Sec-WebSocket-Protocol and --compress for Sec-WebSocket-Extensions")
		}
	}
	return nil
}

// sendsCredentials reports whether the request carries something secret.
func (d *dialConfig) sendsCredentials() bool {
	return d.header.Get("Authorization") != "" || d.header.Get("Cookie") != "" || d.target.hasAuth
}

// session is an open connection and what the handshake said.
type session struct {
	ws        *websocket.Conn
	tap       *listen.Tap
	handshake format.Handshake
	timings   timings
}

// attempt is what a dial saw, whether or not it succeeded: probe reports it.
type attempt struct {
	status  string // the HTTP status line's code and text, "" when none came
	code    int
	timings timings
}

// dial connects, upgrades and checks the handshake. Its errors carry exit
// statuses 3 (could not connect) or 4 (upgrade refused).
func dial(ctx context.Context, d *dialConfig, out *format.Printer) (*session, error) {
	s, _, err := dialAttempt(ctx, d, out)
	return s, err
}

// dialAttempt is dial, also returning what the attempt saw.
func dialAttempt(ctx context.Context, d *dialConfig, out *format.Printer) (*session, attempt, error) {
	if d.target.url.Scheme == "ws" && d.sendsCredentials() && !isLoopback(d.target.url.Hostname()) {
		out.Warn("credentials are sent in clear text over ws:// to %s; use wss://", d.target.url.Hostname())
	}
	if d.insecure {
		out.Warn("TLS certificate verification is off (--insecure)")
	}
	nd := &netDialer{cfg: d, start: time.Now(), cancel: ctx}
	wd := websocket.Dialer{
		NetDialContext:    nd.dial,
		NetDialTLSContext: nd.dial,
		HandshakeTimeout:  d.connectTimeout,
		// big buffers: fewer frames and system calls for big messages and
		// fast streams (the Coalescer gathers short messages)
		ReadBufferSize:    64 << 10,
		WriteBufferSize:   64 << 10,
		Subprotocols:      d.protocols,
		EnableCompression: d.compress,
	}
	if d.connectTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, d.connectTimeout)
		defer cancel()
	}
	ws, resp, err := wd.DialContext(ctx, d.target.url.String(), d.header)
	nd.timings.upgrade = time.Since(nd.start)
	if nd.unwatch != nil {
		nd.unwatch() // the dial is over: a later cancel must not close the connection
	}
	a := attempt{timings: nd.timings}
	if nd.tap != nil {
		d.showRequest(out, nd.tap.Request())
	}
	if resp != nil {
		a.status, a.code = resp.Status, resp.StatusCode
		showResponse(out, resp, d.showSecrets)
	}
	if err != nil {
		if errors.Is(err, net.ErrClosed) && ctx.Err() != nil {
			err = ctx.Err() // the watch closed the connection: the deadline or a cancel ended the dial
		}
		return nil, a, dialError(err, resp, nd, d)
	}
	s := &session{ws: ws, tap: nd.tap, timings: nd.timings}
	s.handshake = format.Handshake{
		URL:         d.target.url.String(),
		Subprotocol: ws.Subprotocol(),
		Offered:     d.protocols,
		Extensions:  resp.Header.Get("Sec-WebSocket-Extensions"),
		Duration:    nd.timings.upgrade,
		Status:      resp.StatusCode,
	}
	if err := checkSubprotocol(s, d, out); err != nil {
		ws.NetConn().Close()
		return nil, a, err
	}
	if d.maxSize > 0 {
		ws.SetReadLimit(d.maxSize)
	}
	return s, a, nil
}

// checkSubprotocol applies RFC 6455 §4.1: a protocol the client never
// offered fails the connection.
func checkSubprotocol(s *session, d *dialConfig, out *format.Printer) error {
	got := s.handshake.Subprotocol
	offered := "none"
	if len(d.protocols) > 0 {
		offered = strings.Join(d.protocols, ", ")
	}
	switch {
	case got != "" && !slices.Contains(d.protocols, got):
		return errorf(ExitUpgrade, "server chose subprotocol %q, which was not offered (offered: %s)", got, offered).
			hint("RFC 6455 §4.1: a client must fail the connection; offer it with --protocol %s if it is right", got)
	case got == "" && len(d.protocols) > 0:
		out.Warn("server chose no subprotocol (offered: %s); browsers fail such a connection", offered)
	}
	return nil
}

// dialError turns a failed dial into a failure with its exit status and hints.
func dialError(err error, resp *http.Response, nd *netDialer, d *dialConfig) error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	timeout := errors.Is(err, context.DeadlineExceeded) || isTimeout(err)
	switch {
	case strings.Contains(err.Error(), "remote error: tls: "):
		return tlsAlertError(err, d)
	case resp != nil && resp.StatusCode == http.StatusSwitchingProtocols && errors.Is(err, websocket.ErrBadHandshake):
		return badSwitchError(resp)
	case resp != nil && errors.Is(err, websocket.ErrBadHandshake):
		return refusedError(resp)
	case resp != nil:
		return errorf(ExitUpgrade, "upgrade failed: %v", trimPrefix(err))
	case timeout && nd.connected:
		return errorf(ExitConnect, "no upgrade response from %s within %v", d.target.hostPort(), d.connectTimeout).
			hint("the server accepted TCP but did not answer the WebSocket upgrade; is it a WebSocket server?")
	case timeout:
		return errorf(ExitConnect, "could not connect to %s within %v", d.target.hostPort(), d.connectTimeout)
	case nd.connected && isDrop(err):
		return errorf(ExitConnect, "connection to %s lost during the upgrade: %v", d.target.hostPort(), trimPrefix(err)).
			hint("the server closed the connection before its answer was complete")
	case nd.connected:
		return errorf(ExitUpgrade, "upgrade failed: %v", trimPrefix(err)).
			hint("the server did not answer with HTTP; is it a WebSocket server?")
	}
	return connectError(err, d)
}

// badSwitchError explains a 101 answer that does not complete the
// handshake (RFC 6455 §4.2.2): gorilla only says it was bad.
func badSwitchError(resp *http.Response) error {
	what := "the Sec-WebSocket-Accept header is wrong or missing"
	switch {
	case !strings.EqualFold(resp.Header.Get("Upgrade"), "websocket"):
		what = fmt.Sprintf("its Upgrade header is %q, not websocket", resp.Header.Get("Upgrade"))
	case !headerHasToken(resp.Header, "Connection", "upgrade"):
		what = fmt.Sprintf("its Connection header is %q, without upgrade", resp.Header.Get("Connection"))
	}
	return errorf(ExitUpgrade, "upgrade failed: HTTP %s but %s", resp.Status, what).
		hint("the server (or a proxy before it) does not complete the WebSocket handshake (RFC 6455 §4.2.2)")
}

// headerHasToken reports whether a comma-separated header holds token.
func headerHasToken(h http.Header, name, token string) bool {
	for _, v := range h.Values(name) {
		for _, t := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(t), token) {
				return true
			}
		}
	}
	return false
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func trimPrefix(err error) string {
	return strings.TrimPrefix(err.Error(), "websocket: ")
}
