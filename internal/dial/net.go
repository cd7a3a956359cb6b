package dial

import (
	"context"
	"crypto/tls"
	"net"
	"net/http/httptrace"
	"sync"
	"time"

	"github.com/wsx-cli/wsx/format"
	"github.com/wsx-cli/wsx/internal/wire"
)

// timings are the phases of a connect, each measured from the start.
type Timings struct {
	DNS, TCP, TLS, Upgrade time.Duration
	Addr                   string // the address connected to
	TLSState               *tls.ConnectionState
}

// netDialer opens the connection under gorilla/websocket itself: proxy, TCP
// and TLS, so that the tap sees plain WebSocket bytes and every phase is
// timed.
type netDialer struct {
	cfg       *Config
	start     time.Time
	timings   Timings
	tap       *wire.Tap
	connected bool            // TCP (and TLS) are up: later failures are the upgrade's
	cancel    context.Context // the caller's: done on Ctrl-C
	unwatch   func() bool
	out       *format.Printer // for the trace
}

func (n *netDialer) dial(ctx context.Context, _, addr string) (net.Conn, error) {
	c, err := n.dialTCP(ctx, addr)
	if err != nil {
		return nil, err
	}
	if n.cfg.Target.URL.Scheme == "wss" {
		tc := tls.Client(c, n.cfg.TLS)
		if err := tc.HandshakeContext(ctx); err != nil {
			c.Close()
			return nil, tlsError(err, n.cfg)
		}
		n.timings.TLS = time.Since(n.start)
		st := tc.ConnectionState()
		n.timings.TLSState = &st
		c = tc
	}
	n.connected = true
	n.tap = wire.NewTap(c)
	// gorilla reads the upgrade answer watching only the deadline: closing
	// the connection is what makes a cancel (Ctrl-C) end that read.
	// (n.cancel, not ctx: gorilla cancels ctx when the dial returns.)
	n.unwatch = context.AfterFunc(n.cancel, func() { c.Close() })
	// the writer gathers frames here once the upgrade is done
	co := wire.NewCoalescer(n.tap)
	if n.cfg.Trace {
		tr := &tracer{out: n.out, show: n.cfg.ShowSecrets}
		n.tap.Trace(tr)
		co.Trace(tr)
	}
	return co, nil
}

// dialTCP connects to addr, through the proxy if there is one. Direct, one
// net.Dialer tries every address of the name (Happy Eyeballs: IPv6 and IPv4
// in parallel), and its trace hooks time the phases: DNS when the look-up
// is done (none for an IP address), TCP when the connection is up.
func (n *netDialer) dialTCP(ctx context.Context, addr string) (net.Conn, error) {
	if n.cfg.Proxy != nil {
		c, err := dialProxy(ctx, n.cfg.Proxy, addr)
		n.timings.TCP = time.Since(n.start)
		return c, err
	}
	// The hooks run in the dialer's goroutines, the losing racer's maybe
	// after DialContext returns: they fill seen, which is copied once.
	var mu sync.Mutex
	var seen Timings
	done := false
	trace := &httptrace.ClientTrace{
		DNSDone: func(httptrace.DNSDoneInfo) {
			mu.Lock()
			defer mu.Unlock()
			if !done {
				seen.DNS = time.Since(n.start)
			}
		},
		ConnectStart: func(_, addr string) {
			mu.Lock()
			defer mu.Unlock()
			if !done {
				seen.Addr = addr // the last tried, when all fail
			}
		},
	}
	var d net.Dialer
	c, err := d.DialContext(httptrace.WithClientTrace(ctx, trace), "tcp", addr)
	mu.Lock()
	done = true
	n.timings.DNS, n.timings.Addr = seen.DNS, seen.Addr
	mu.Unlock()
	if err != nil {
		return nil, err
	}
	n.timings.TCP = time.Since(n.start)
	n.timings.Addr = c.RemoteAddr().String()
	return c, nil
}
