package serve

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// startTLS serves o over wss on a loopback port; it returns the server, its URL and
// a pool that trusts its certificate.
func startTLS(t *testing.T, o Options) (*Server, string, *x509.CertPool) {
	t.Helper()
	o.TLS = true
	s, url, _ := start(t, o)
	if !strings.HasPrefix(url, "wss://127.0.0.1:") {
		t.Fatalf("got %q, want wss://127.0.0.1:PORT/", url)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(s.CertificatePEM()) {
		t.Fatalf("CertificatePEM %q holds no certificate", s.CertificatePEM())
	}
	return s, url, pool
}

// dialTLS connects to the server at addr under the name host (as if host resolved to
// it), trusting roots (nil: the system's).
func dialTLS(host, addr string, roots *x509.CertPool) (*websocket.Conn, error) {
	d := websocket.Dialer{
		HandshakeTimeout: failsafe,
		TLSClientConfig:  &tls.Config{RootCAs: roots},
		NetDialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			var nd net.Dialer
			return nd.DialContext(ctx, network, addr)
		},
	}
	_, port, _ := net.SplitHostPort(addr)
	c, _, err := d.Dial("wss://"+net.JoinHostPort(host, port)+"/", nil)
	return c, err
}

// TestTLS checks that a client trusting CertificatePEM verifies the server under each
// loopback name, and that echo works over wss.
func TestTLS(t *testing.T) {
	t.Parallel()
	s, url, pool := startTLS(t, defaults())
	addr := strings.TrimSuffix(strings.TrimPrefix(url, "wss://"), "/")
	for i, host := range []string{"127.0.0.1", "localhost", "::1"} {
		c, err := dialTLS(host, addr, pool)
		if err != nil {
			t.Fatalf("%s: %v", host, err)
		}
		t.Cleanup(func() { c.Close() })
		c.SetReadDeadline(time.Now().Add(failsafe))
		if st := c.NetConn().(*tls.Conn).ConnectionState(); st.NegotiatedProtocol != "" && st.NegotiatedProtocol != "http/1.1" {
			t.Errorf("%s: negotiated %q, want http/1.1 or none", host, st.NegotiatedProtocol)
		}
		send(t, c, websocket.TextMessage, "over wss to "+host)
		expect(t, c, websocket.TextMessage, "over wss to "+host)
		send(t, c, websocket.BinaryMessage, "\x00\xff")
		expect(t, c, websocket.BinaryMessage, "\x00\xff")
		closeClient(t, c)
		st := next(t, s)
		want := Stats{ID: i + 1, Messages: 2, Bytes: int64(len("over wss to "+host)) + 2,
			CloseCode: 1000, CloseReason: "bye", ClosedBy: "client", InOrder: true}
		if st != want {
			t.Errorf("%s: stats:\n got %+v\nwant %+v", host, st, want)
		}
	}
}

// TestTLSUntrusted: without the certificate as a root the client fails with an
// unknown authority, and under a name the certificate does not hold with a host name
// error. Neither reaches the WebSocket handler.
func TestTLSUntrusted(t *testing.T) {
	t.Parallel()
	s, url, pool := startTLS(t, defaults())
	addr := strings.TrimSuffix(strings.TrimPrefix(url, "wss://"), "/")

	_, err := dialTLS("127.0.0.1", addr, x509.NewCertPool())
	if unknown := (x509.UnknownAuthorityError{}); !errors.As(err, &unknown) {
		t.Errorf("no root: got %v, want an unknown authority", err)
	}
	_, err = dialTLS("example.com", addr, pool)
	if hostErr := (x509.HostnameError{}); !errors.As(err, &hostErr) {
		t.Errorf("example.com: got %v, want a host name error", err)
	}

	c, err := dialTLS("127.0.0.1", addr, pool)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetReadDeadline(time.Now().Add(failsafe))
	closeClient(t, c)
	if st := next(t, s); st.ID != 1 {
		t.Errorf("got conn %d, want 1: failed TLS handshakes are no connections", st.ID)
	}
}

// TestSelfSigned pins the throwaway certificate down, field by field.
func TestSelfSigned(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	tc, certPEM, err := selfSigned(now)
	if err != nil {
		t.Fatal(err)
	}
	block, rest := pem.Decode(certPEM)
	if block == nil || block.Type != "CERTIFICATE" || len(rest) != 0 {
		t.Fatalf("PEM %q: want exactly one CERTIFICATE block", certPEM)
	}
	if !bytes.Equal(block.Bytes, tc.Certificate[0]) {
		t.Error("the PEM is not the certificate served")
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	if cert.Subject.CommonName != "wsx serve" {
		t.Errorf("CN %q, want wsx serve", cert.Subject.CommonName)
	}
	if want := now.Add(-time.Hour); !cert.NotBefore.Equal(want) {
		t.Errorf("NotBefore %v, want %v", cert.NotBefore, want)
	}
	if want := now.Add(-time.Hour + 30*24*time.Hour); !cert.NotAfter.Equal(want) {
		t.Errorf("NotAfter %v, want %v", cert.NotAfter, want)
	}
	if !cert.IsCA || !cert.BasicConstraintsValid || cert.KeyUsage != x509.KeyUsageCertSign|x509.KeyUsageDigitalSignature {
		t.Errorf("IsCA %v, KeyUsage %b: want a CA that signs certificates and handshakes", cert.IsCA, cert.KeyUsage)
	}
	if !slices.Equal(cert.ExtKeyUsage, []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}) {
		t.Errorf("ExtKeyUsage %v, want server auth", cert.ExtKeyUsage)
	}
	if key, ok := cert.PublicKey.(*ecdsa.PublicKey); !ok || key.Curve != elliptic.P256() {
		t.Errorf("public key %T, want ECDSA P-256", cert.PublicKey)
	}
	if cert.SerialNumber.Sign() <= 0 {
		t.Errorf("serial %v, want a positive random one", cert.SerialNumber)
	}

	roots := x509.NewCertPool()
	roots.AddCert(cert)
	for _, host := range []string{"127.0.0.1", "::1", "localhost"} {
		_, err := cert.Verify(x509.VerifyOptions{DNSName: host, Roots: roots, CurrentTime: now,
			KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}})
		if err != nil {
			t.Errorf("%s: %v", host, err)
		}
	}
	for _, host := range []string{"127.0.0.2", "0.0.0.0", "example.com"} {
		if cert.VerifyHostname(host) == nil {
			t.Errorf("valid for %s, want the loopback names only", host)
		}
	}
}

// TestCertificatePEM: nil without TLS; with TLS one certificate per Server, the same
// on every call, and a copy.
func TestCertificatePEM(t *testing.T) {
	t.Parallel()
	if p := New(defaults()).CertificatePEM(); p != nil {
		t.Errorf("without TLS: got %q, want nil", p)
	}
	o := defaults()
	o.TLS = true
	a, b := New(o), New(o)
	defer a.Close()
	defer b.Close()
	first := a.CertificatePEM()
	if len(first) == 0 || !bytes.Equal(first, a.CertificatePEM()) {
		t.Fatal("CertificatePEM changed between calls")
	}
	if bytes.Equal(first, b.CertificatePEM()) {
		t.Error("two servers share a certificate, want one each")
	}
	first[0] = 'x'
	if a.CertificatePEM()[0] == 'x' {
		t.Error("CertificatePEM returned the server's own slice")
	}
}
