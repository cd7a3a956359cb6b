package dial

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"unicode"
	"unicode/utf8"

	"github.com/gorilla/websocket"
	"github.com/wsx-cli/wsx/internal/exit"
)

// dialError turns a failed dial into a failure with its exit status and hints.
func dialError(err error, resp *http.Response, nd *netDialer, d *Config) error {
	var e *exit.Error
	if errors.As(err, &e) {
		return e
	}
	timeout := errors.Is(err, context.DeadlineExceeded) || isTimeout(err)
	switch {
	case strings.Contains(err.Error(), "remote error: tls: "):
		return tlsAlertError(err, d)
	case resp != nil && resp.StatusCode == http.StatusSwitchingProtocols && errors.Is(err, websocket.ErrBadHandshake):
		return answered(badSwitchError(resp), resp, readBody(resp), nd, d)
	case resp != nil && errors.Is(err, websocket.ErrBadHandshake):
		body := readBody(resp)
		return answered(refusal(resp, body, d.Target), resp, body, nd, d)
	case resp != nil:
		return answered(exit.Errorf(exit.Upgrade, "upgrade failed: %v", trimPrefix(err)), resp, nil, nd, d)
	case timeout && nd.connected:
		return exit.Errorf(exit.Connect, "no upgrade response from %s within %v", d.Target.HostPort(), d.ConnectTimeout).
			Hint("the server accepted TCP but did not answer the WebSocket upgrade; is it a WebSocket server?")
	case timeout:
		return exit.Errorf(exit.Connect, "could not connect to %s within %v", d.Target.HostPort(), d.ConnectTimeout)
	case nd.connected && IsDrop(err):
		e := exit.Errorf(exit.Connect, "connection to %s lost during the upgrade: %v", d.Target.HostPort(), trimPrefix(err)).
			Hint("the server closed the connection before its answer was complete")
		if d.Target.URL.Scheme == "ws" && nd.tap != nil && nd.tap.BytesRead() == 0 {
			// not one byte came back: a TLS server drops a request that
			// is not a TLS handshake, and Go's says nothing first
			e.Hint("if the server speaks TLS on this port, try %s", wssURL(d.Target))
		}
		return e
	case nd.connected && d.Target.URL.Scheme == "ws" && tlsAlert(err):
		return exit.Errorf(exit.Upgrade, "upgrade failed: %v", trimPrefix(err)).
			Hint("the server answered with a TLS alert: it speaks TLS on this port; try %s", wssURL(d.Target))
	case nd.connected:
		return exit.Errorf(exit.Upgrade, "upgrade failed: %v", trimPrefix(err)).
			Hint("the server did not answer with HTTP; is it a WebSocket server?")
	}
	return connectError(err, d)
}

// Refusal is the HTTP answer to an upgrade that did not open the
// connection: the cause of the *exit.Error that reports it, for the jsonl
// error event.
type Refusal struct {
	Status  int
	Headers [][2]string // name and value as on the wire, in order; secrets redacted as -v does
	Body    []byte      // what gorilla/websocket kept of the body: at most 1 KiB
}

func (r *Refusal) Error() string { return "HTTP " + strconv.Itoa(r.Status) }

// answered gives e the HTTP answer as its cause: the header lines as the
// tap read them, in their order and case.
func answered(e *exit.Error, resp *http.Response, body []byte, nd *netDialer, d *Config) *exit.Error {
	r := &Refusal{Status: resp.StatusCode, Body: body, Headers: [][2]string{}}
	var head []byte
	if nd.tap != nil {
		head = nd.tap.Response()
	}
	for _, line := range headLines(head)[1:] {
		if name, value, ok := strings.Cut(line, ":"); ok {
			value = strings.TrimSpace(value)
			r.Headers = append(r.Headers, [2]string{name, redact(name, value, d.ShowSecrets)})
		}
	}
	e.Err = r
	return e
}

// readBody reads what gorilla kept of a refusal's body (1024 bytes at most).
func readBody(resp *http.Response) []byte {
	var buf bytes.Buffer
	buf.ReadFrom(http.MaxBytesReader(nil, resp.Body, 1024))
	return buf.Bytes()
}

// wssURL is the target's URL with wss://, on the same port: for the hint
// to a ws:// URL whose server speaks TLS. It has no credentials (Target's
// URL never has).
func wssURL(t *Target) string {
	u := *t.URL
	u.Scheme = "wss"
	if u.Port() == "" {
		u.Host = net.JoinHostPort(u.Hostname(), "80")
	}
	return RedactURL(u.String())
}

// tlsAlert reports whether the answer to the upgrade request was a TLS
// alert record (content type 21, version 3.x): what most TLS servers
// (OpenSSL's, nginx's) send to a client that does not start with a TLS
// handshake. net/http quotes the start of such an answer.
func tlsAlert(err error) bool {
	quoted, ok := strings.CutPrefix(err.Error(), "malformed HTTP response ")
	if !ok {
		return false
	}
	line, uerr := strconv.Unquote(quoted)
	return uerr == nil && strings.HasPrefix(line, "\x15\x03")
}

// plainToTLS lists what HTTPS servers answer a plain HTTP request with
// (400, with one of these in the body): Go's net/http, nginx, Apache.
var plainToTLS = []string{
	"Client sent an HTTP request to an HTTPS server",
	"The plain HTTP request was sent to HTTPS port",
	"speaking plain HTTP to an SSL-enabled server port",
}

// badSwitchError explains a 101 answer that does not complete the
// handshake (RFC 6455 §4.2.2): gorilla only says it was bad.
func badSwitchError(resp *http.Response) *exit.Error {
	what := "the Sec-WebSocket-Accept header is wrong or missing"
	switch {
	case !strings.EqualFold(resp.Header.Get("Upgrade"), "websocket"):
		what = fmt.Sprintf("its Upgrade header is %q, not websocket", resp.Header.Get("Upgrade"))
	case !headerHasToken(resp.Header, "Connection", "upgrade"):
		what = fmt.Sprintf("its Connection header is %q, without upgrade", resp.Header.Get("Connection"))
	}
	return exit.Errorf(exit.Upgrade, "upgrade failed: HTTP %s but %s", resp.Status, what).
		Hint("the server (or a proxy before it) does not complete the WebSocket handshake (RFC 6455 §4.2.2)")
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

// IsDrop tells a lost connection from a protocol error gorilla detected.
func IsDrop(err error) bool {
	var ce *websocket.CloseError
	var ne net.Error
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed) ||
		errors.As(err, &ne) || (errors.As(err, &ce) && ce.Code == websocket.CloseAbnormalClosure) ||
		errors.Is(err, syscall.ECONNRESET)
}

// connectError explains why TCP could not be set up.
func connectError(err error, d *Config) error {
	addr := d.Target.HostPort()
	var dns *net.DNSError
	switch {
	case d.Proxy != nil:
		return exit.Errorf(exit.Connect, "proxy %s: %v", d.Proxy.Redacted(), err)
	case errors.As(err, &dns):
		return exit.Errorf(exit.Connect, "cannot resolve %s: %s", dns.Name, dns.Err).Hint("check the host name in the URL")
	case errors.Is(err, syscall.ECONNREFUSED):
		return exit.Errorf(exit.Connect, "connection refused by %s", addr).Hint("is the server running? 'wsx serve' starts a local test server")
	}
	return exit.Errorf(exit.Connect, "cannot connect to %s: %v", addr, err)
}

// tlsError explains a failed TLS handshake, with the likely fix.
func tlsError(err error, d *Config) error {
	host := d.Target.URL.Hostname()
	var unknown x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var invalid x509.CertificateInvalidError
	var verify *tls.CertificateVerificationError
	switch {
	case errors.As(err, &unknown):
		return exit.Errorf(exit.Connect, "TLS: the certificate of %s is signed by an unknown authority", host).
			Hint("pass its CA certificate with --cacert FILE, or skip verification with -k (insecure)")
	case errors.As(err, &hostErr):
		return exit.Errorf(exit.Connect, "TLS: the certificate is not valid for %s: %v", host, hostErr).
			Hint("check the host name in the URL, or skip verification with -k (insecure)")
	case errors.As(err, &invalid):
		return exit.Errorf(exit.Connect, "TLS: the certificate of %s is not valid: %v", host, invalid).
			Hint("skip verification with -k (insecure) if you trust this server")
	case errors.As(err, &verify):
		return exit.Errorf(exit.Connect, "TLS: %v", verify.Err).Hint("pass its CA with --cacert FILE, or -k (insecure)")
	}
	return exit.Errorf(exit.Connect, "TLS handshake with %s failed: %v", host, err)
}

// tlsAlertError explains a TLS alert the server sent after the handshake
// (TLS 1.3 servers check client certificates then).
func tlsAlertError(err error, d *Config) error {
	e := exit.Errorf(exit.Connect, "TLS: the server refused the connection: %v", strings.TrimPrefix(err.Error(), "remote error: "))
	if strings.Contains(err.Error(), "certificate") { // certificate required, bad certificate, unknown certificate authority...
		if d.TLS.Certificates == nil {
			return e.Hint("the server wants a client certificate: --cert FILE --key FILE")
		}
		return e.Hint("the server did not accept the client certificate given with --cert")
	}
	return e
}

// refusedError shows why the server said no: status, the headers that
// explain it, the start of the body, and a hint.
func refusedError(resp *http.Response) error { return refusal(resp, readBody(resp), nil) }

// refusal is refusedError for a body already read; t, when not nil, is
// the target, for the hint to a ws:// URL whose server speaks TLS.
func refusal(resp *http.Response, rawBody []byte, t *Target) *exit.Error {
	var msg strings.Builder
	fmt.Fprintf(&msg, "upgrade refused: HTTP %s", printable(resp.Status))
	for _, name := range []string{"Location", "WWW-Authenticate", "Retry-After"} {
		if v := resp.Header.Get(name); v != "" {
			fmt.Fprintf(&msg, "\n  %s: %s", name, printable(v))
		}
	}
	if body := bodyStart(rawBody); body != "" {
		fmt.Fprintf(&msg, "\n  body: %s", body)
	}
	e := exit.Errorf(exit.Upgrade, "%s", msg.String())
	switch code := resp.StatusCode; {
	case code == 400 && t != nil && t.URL.Scheme == "ws" && slices.ContainsFunc(plainToTLS, func(s string) bool { return bytes.Contains(rawBody, []byte(s)) }):
		e.Hint("the server speaks TLS (HTTPS) on this port: try %s", wssURL(t))
	case code >= 300 && code < 400:
		e.Hint("wsx does not follow redirects; try the Location above")
	case code == 401:
		e.Hint("the server wants credentials: -u USER:PASS, or -H 'Authorization: Bearer TOKEN'")
	case code == 403:
		e.Hint("the server refuses this client: check the credentials, the Origin (--origin URL) and the path")
	case code == 404:
		e.Hint("check the path in the URL")
	case code == 429 || code == 503:
		e.Hint("the server is busy: retry later (see Retry-After)")
	case code == 200 || code == 400 || code == 426:
		e.Hint("the server may not speak WebSocket at this URL")
	}
	return e
}

// bodyStart is the first 200 bytes of the body (of the 1024 gorilla keeps),
// Go-quoted when it is not plain text on one line.
func bodyStart(body []byte) string {
	b := bytes.TrimSpace(body)
	if len(b) > 200 {
		b = append(b[:200:200], "..."...)
	}
	return printable(string(b))
}

// printable is s, or s Go-quoted when it holds anything but printable text
// and spaces (control characters, invalid UTF-8): bytes from a server or a
// proxy never reach the terminal as controls.
func printable(s string) string {
	if !utf8.ValidString(s) || strings.IndexFunc(s, func(r rune) bool { return r != ' ' && !unicode.IsPrint(r) }) >= 0 {
		return strconv.Quote(s)
	}
	return s
}
