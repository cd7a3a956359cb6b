package dial

import (
	"context"
	"crypto/tls"
	"net"
	"time"

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
	return wire.NewCoalescer(n.tap), nil
}

func (n *netDialer) dialTCP(ctx context.Context, addr string) (net.Conn, error) {
	if n.cfg.Proxy != nil {
		c, err := dialProxy(ctx, n.cfg.Proxy, addr)
		n.timings.TCP = time.Since(n.start)
		return c, err
	}
	host, port, _ := net.SplitHostPort(addr)
	ips := []net.IPAddr{{IP: net.ParseIP(host)}}
	if ips[0].IP == nil { // a name: resolve it, and time that
		var err error
		ips, err = net.DefaultResolver.LookupIPAddr(ctx, host)
		n.timings.DNS = time.Since(n.start)
		if err != nil {
			return nil, err
		}
	}
	var d net.Dialer
	var firstErr error
	for _, ip := range ips {
		n.timings.Addr = net.JoinHostPort(ip.String(), port)
		c, err := d.DialContext(ctx, "tcp", n.timings.Addr)
		if err == nil {
			n.timings.TCP = time.Since(n.start)
			n.timings.Addr = c.RemoteAddr().String()
			return c, nil
		}
		if firstErr == nil {
			firstErr = err
		}
	}
	return nil, firstErr
}
