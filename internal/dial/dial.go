// Package dial is wsx's one dialer: URL rules, the proxy, TCP, TLS, the
// timing of each phase, the upgrade under gorilla/websocket with the frame
// layer beneath it, the handshake report, and dial errors with their exit
// statuses.
package dial

import (
	"context"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/gorilla/websocket"
	"github.com/wsx-cli/wsx/format"
	"github.com/wsx-cli/wsx/internal/exit"
	"github.com/wsx-cli/wsx/internal/wire"
)

// Options are the shared dialer's flags as given, before they are checked.
type Options struct {
	URL            string   // as typed: ws://, wss://, http://, https:// or host:port/path
	Protocols      []string // --protocol values, each one name or a comma list
	Headers        []string // --header values: "Name: value", or @FILE with one a line
	Origin         string
	User           string // USER[:PASS]; the URL's credentials when empty
	UserAgent      string // unless a --header sets one
	ConnectTimeout time.Duration
	Insecure       bool
	CACert         string // files, PEM
	Cert, Key      string
	Proxy          string              // --proxy; "" means from the environment
	Getenv         func(string) string // for the proxy variables; nil: none
	Compress       bool
	MaxSize        int64 // 0: no limit
	ShowSecrets    bool
	Trace          bool // every frame and the handshake as on the wire
}

// Config is the dialer's options, read and checked.
type Config struct {
	Target         *Target
	Protocols      []string
	Header         http.Header
	ConnectTimeout time.Duration
	TLS            *tls.Config
	Insecure       bool
	Proxy          *url.URL // nil: direct
	Compress       bool
	MaxSize        int64
	ShowSecrets    bool
	Trace          bool
}

// New checks o. Its errors are usage errors (exit status 2).
func New(o Options) (*Config, error) {
	t, err := ParseTarget(o.URL)
	if err != nil {
		return nil, err
	}
	d := &Config{
		Target:         t,
		ConnectTimeout: o.ConnectTimeout,
		Insecure:       o.Insecure,
		Compress:       o.Compress,
		MaxSize:        o.MaxSize,
		ShowSecrets:    o.ShowSecrets,
		Trace:          o.Trace,
	}
	if d.Protocols, err = ParseProtocols(o.Protocols); err != nil {
		return nil, err
	}
	if d.Header, err = ParseHeaders(o.Headers); err != nil {
		return nil, err
	}
	if d.Header.Get("User-Agent") == "" && o.UserAgent != "" {
		d.Header.Set("User-Agent", o.UserAgent)
	}
	if err := d.readAuth(o.Origin, o.User); err != nil {
		return nil, err
	}
	if d.TLS, err = tlsConfig(o, t.URL.Hostname()); err != nil {
		return nil, err
	}
	getenv := o.Getenv
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	if d.Proxy, err = proxyFor(o.Proxy, t, getenv); err != nil {
		return nil, err
	}
	return d, nil
}

func (d *Config) readAuth(origin, user string) error {
	if origin != "" {
		d.Header.Set("Origin", origin)
	}
	t := d.Target
	if user != "" {
		t.user, t.password, _ = strings.Cut(user, ":")
		t.hasAuth = true
	}
	if t.hasAuth {
		cred := base64.StdEncoding.EncodeToString([]byte(t.user + ":" + t.password))
		d.Header.Set("Authorization", "Basic "+cred)
	}
	for name := range d.Header {
		if strings.HasPrefix(strings.ToLower(name), "sec-websocket-") {
			return exit.Usagef("header %s is set by wsx itself", name).Hint("use --protocol for Sec-WebSocket-Protocol and --compress for Sec-WebSocket-Extensions")
		}
	}
	return nil
}

// sendsCredentials reports whether the request carries something secret.
func (d *Config) sendsCredentials() bool {
	return d.Header.Get("Authorization") != "" || d.Header.Get("Cookie") != "" || d.Target.hasAuth
}

// Conn is an open connection and what the handshake said.
type Conn struct {
	WS        *websocket.Conn
	Tap       *wire.Tap
	Handshake format.Handshake
	Timings   Timings
}

// Attempt is what a dial saw, whether or not it succeeded: probe reports it.
type Attempt struct {
	Status  string // the HTTP status line's code and text, "" when none came
	Code    int
	Timings Timings
}

// Try connects, upgrades and checks the handshake, and returns what the
// attempt saw (probe reports it). Its errors carry exit statuses 3 (could
// not connect) or 4 (upgrade refused). A cancel of ctx (Ctrl-C) ends it at
// any phase.
func Try(ctx context.Context, d *Config, out *format.Printer) (*Conn, Attempt, error) {
	if d.Target.URL.Scheme == "ws" && d.sendsCredentials() && !IsLoopback(d.Target.URL.Hostname()) {
		out.Warn("credentials are sent in clear text over ws:// to %s; use wss://", d.Target.URL.Hostname())
	}
	if d.Insecure {
		out.Warn("TLS certificate verification is off (--insecure)")
	}
	nd := &netDialer{cfg: d, start: time.Now(), cancel: ctx, out: out}
	wd := websocket.Dialer{
		NetDialContext:    nd.dial,
		NetDialTLSContext: nd.dial,
		HandshakeTimeout:  d.ConnectTimeout,
		// big buffers: fewer frames and system calls for big messages and
		// fast streams (the Coalescer gathers short messages)
		ReadBufferSize:    64 << 10,
		WriteBufferSize:   64 << 10,
		Subprotocols:      d.Protocols,
		EnableCompression: d.Compress,
	}
	if d.ConnectTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, d.ConnectTimeout)
		defer cancel()
	}
	ws, resp, err := wd.DialContext(ctx, d.Target.URL.String(), d.Header)
	nd.timings.Upgrade = time.Since(nd.start)
	if nd.unwatch != nil {
		nd.unwatch() // the dial is over: a later cancel must not close the connection
	}
	a := Attempt{Timings: nd.timings}
	if nd.tap != nil && !d.Trace { // a trace showed them as they went
		showHead(out, format.Out, nd.tap.Request(), d.ShowSecrets)
		showHead(out, format.In, nd.tap.Response(), d.ShowSecrets)
	}
	if resp != nil {
		a.Status, a.Code = resp.Status, resp.StatusCode
	}
	if err != nil {
		if errors.Is(err, net.ErrClosed) && ctx.Err() != nil {
			err = ctx.Err() // the watch closed the connection: the deadline or a cancel ended the dial
		}
		return nil, a, dialError(err, resp, nd, d)
	}
	s := &Conn{WS: ws, Tap: nd.tap, Timings: nd.timings}
	s.Handshake = format.Handshake{
		URL:         d.Target.URL.String(),
		Subprotocol: ws.Subprotocol(),
		Offered:     d.Protocols,
		Extensions:  resp.Header.Get("Sec-WebSocket-Extensions"),
		Duration:    nd.timings.Upgrade,
		Status:      resp.StatusCode,
	}
	if co, ok := ws.NetConn().(*wire.Coalescer); ok && s.Handshake.Extensions == "" {
		co.FrameData() // no extension transforms data frames: wsx may frame them itself
	}
	if err := checkSubprotocol(s, d, out); err != nil {
		ws.NetConn().Close()
		return nil, a, err
	}
	if d.MaxSize > 0 {
		ws.SetReadLimit(d.MaxSize)
	}
	return s, a, nil
}

// checkSubprotocol applies RFC 6455 §4.1: a protocol the client never
// offered fails the connection.
func checkSubprotocol(s *Conn, d *Config, out *format.Printer) error {
	got := s.Handshake.Subprotocol
	offered := "none"
	if len(d.Protocols) > 0 {
		offered = strings.Join(d.Protocols, ", ")
	}
	switch {
	case got != "" && !slices.Contains(d.Protocols, got):
		return exit.Errorf(exit.Upgrade, "server chose subprotocol %q, which was not offered (offered: %s)", got, offered).
			Hint("RFC 6455 §4.1: a client must fail the connection; offer it with --protocol %s if it is right", got)
	case got == "" && len(d.Protocols) > 0:
		out.Warn("server chose no subprotocol (offered: %s); browsers fail such a connection", offered)
	}
	return nil
}
