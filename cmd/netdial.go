package cmd

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"os"
	"strings"
	"syscall"
	"time"

	"github.com/urfave/cli/v2"
	"github.com/wsx-cli/wsx/listen"
	"github.com/wsx-cli/wsx/send"
)

// timings are the phases of a connect, each measured from the start.
type timings struct {
	dns, tcp, tls, upgrade time.Duration
	addr                   string
	tlsState               *tls.ConnectionState
}

// netDialer opens the connection under gorilla/websocket itself: proxy, TCP
// and TLS, so that the tap sees plain WebSocket bytes and every phase is
// timed.
type netDialer struct {
	cfg       *dialConfig
	start     time.Time
	timings   timings
	tap       *listen.Tap
	connected bool            // TCP (and TLS) are up: later failures are the upgrade's
	cancel    context.Context // the caller's: done on Ctrl-C
	unwatch   func() bool
}

func (n *netDialer) dial(ctx context.Context, _, addr string) (net.Conn, error) {
	c, err := n.dialTCP(ctx, addr)
	if err != nil {
		return nil, err
	}
	if n.cfg.target.url.Scheme == "wss" {
		tc := tls.Client(c, n.cfg.tls)
		if err := tc.HandshakeContext(ctx); err != nil {
			c.Close()
			return nil, tlsError(err, n.cfg)
		}
		n.timings.tls = time.Since(n.start)
		st := tc.ConnectionState()
		n.timings.tlsState = &st
		c = tc
	}
	n.connected = true
	n.tap = listen.NewTap(c)
	// gorilla reads the upgrade answer watching only the deadline: closing
	// the connection is what makes a cancel (Ctrl-C) end that read.
	// (n.cancel, not ctx: gorilla cancels ctx when the dial returns.)
	n.unwatch = context.AfterFunc(n.cancel, func() { c.Close() })
	// the writer gathers frames here once the upgrade is done
	return send.NewCoalescer(n.tap), nil
}

func (n *netDialer) dialTCP(ctx context.Context, addr string) (net.Conn, error) {
	if n.cfg.proxy != nil {
		c, err := dialProxy(ctx, n.cfg.proxy, addr)
		n.timings.tcp = time.Since(n.start)
		return c, err
	}
	host, port, _ := net.SplitHostPort(addr)
	ips := []net.IPAddr{{IP: net.ParseIP(host)}}
	if ips[0].IP == nil { // a name: resolve it, and time that
		var err error
		ips, err = net.DefaultResolver.LookupIPAddr(ctx, host)
		n.timings.dns = time.Since(n.start)
		if err != nil {
			return nil, err
		}
	}
	var d net.Dialer
	var firstErr error
	for _, ip := range ips {
		n.timings.addr = net.JoinHostPort(ip.String(), port)
		c, err := d.DialContext(ctx, "tcp", n.timings.addr)
		if err == nil {
			n.timings.tcp = time.Since(n.start)
			n.timings.addr = c.RemoteAddr().String()
			return c, nil
		}
		if firstErr == nil {
			firstErr = err
		}
	}
	return nil, firstErr
}

// connectError explains why TCP could not be set up.
func connectError(err error, d *dialConfig) error {
	addr := d.target.hostPort()
	var dns *net.DNSError
	switch {
	case d.proxy != nil:
		return errorf(ExitConnect, "proxy %s: %v", d.proxy.Redacted(), err)
	case errors.As(err, &dns):
		return errorf(ExitConnect, "cannot resolve %s: %s", dns.Name, dns.Err).hint("check the host name in the URL")
	case errors.Is(err, syscall.ECONNREFUSED):
		return errorf(ExitConnect, "connection refused by %s", addr).hint("is the server running? 'wsx serve' starts a local test server")
	}
	return errorf(ExitConnect, "cannot connect to %s: %v", addr, err)
}

// tlsError explains a failed TLS handshake, with the likely fix.
func tlsError(err error, d *dialConfig) error {
	host := d.target.url.Hostname()
	var unknown x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var invalid x509.CertificateInvalidError
	var verify *tls.CertificateVerificationError
	switch {
	case errors.As(err, &unknown):
		return errorf(ExitConnect, "TLS: the certificate of %s is signed by an unknown authority", host).
			hint("pass its CA certificate with --cacert FILE, or skip verification with -k (insecure)")
	case errors.As(err, &hostErr):
		return errorf(ExitConnect, "TLS: the certificate is not valid for %s: %v", host, hostErr).
			hint("check the host name in the URL, or skip verification with -k (insecure)")
	case errors.As(err, &invalid):
		return errorf(ExitConnect, "TLS: the certificate of %s is not valid: %v", host, invalid).
			hint("skip verification with -k (insecure) if you trust this server")
	case errors.As(err, &verify):
		return errorf(ExitConnect, "TLS: %v", verify.Err).hint("pass its CA with --cacert FILE, or -k (insecure)")
	}
	return errorf(ExitConnect, "TLS handshake with %s failed: %v", host, err)
}

// tlsAlertError explains a TLS alert the server sent after the handshake
// (TLS 1.3 servers check client certificates then).
func tlsAlertError(err error, d *dialConfig) error {
	e := errorf(ExitConnect, "TLS: the server refused the connection: %v", strings.TrimPrefix(err.Error(), "remote error: "))
	if strings.Contains(err.Error(), "certificate") { // certificate required, bad certificate, unknown certificate authority...
		if d.tls.Certificates == nil {
			return e.hint("the server wants a client certificate: --cert FILE --key FILE")
		}
		return e.hint("the server did not accept the client certificate given with --cert")
	}
	return e
}

// tlsConfig reads --cacert, --cert, --key and --insecure.
func tlsConfig(c *cli.Context, host string) (*tls.Config, error) {
	cfg := &tls.Config{ServerName: host, NextProtos: []string{"http/1.1"}, InsecureSkipVerify: c.Bool("insecure")}
	if file := c.String("cacert"); file != "" {
		pem, err := os.ReadFile(file)
		if err != nil {
			return nil, usageError("cannot read --cacert: %v", err)
		}
		cfg.RootCAs = x509.NewCertPool()
		if !cfg.RootCAs.AppendCertsFromPEM(pem) {
			return nil, usageError("--cacert %s holds no PEM certificate", file)
		}
	}
	cert, key := c.String("cert"), c.String("key")
	switch {
	case cert == "" && key == "":
	case cert == "" || key == "":
		return nil, usageError("--cert and --key go together")
	default:
		pair, err := tls.LoadX509KeyPair(cert, key)
		if err != nil {
			return nil, usageError("cannot load client certificate: %v", err)
		}
		cfg.Certificates = []tls.Certificate{pair}
	}
	return cfg, nil
}
