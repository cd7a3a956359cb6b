package dial

import (
	"crypto/tls"
	"errors"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wsx-cli/wsx/format"
	"github.com/wsx-cli/wsx/internal/exit"
	"github.com/wsx-cli/wsx/internal/wire"
	"github.com/wsx-cli/wsx/internal/wstest"
)

// try dials url with Try and returns its error as an *exit.Error.
func try(t *testing.T, url string) *exit.Error {
	t.Helper()
	cfg, err := New(Options{URL: url, ConnectTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	c, _, err := Try(t.Context(), cfg, format.New(io.Discard, io.Discard, format.Options{}))
	if err == nil {
		c.WS.Close()
		t.Fatalf("%s: the dial succeeded", url)
	}
	var e *exit.Error
	if !errors.As(err, &e) {
		t.Fatalf("%s: %v is not an *exit.Error", url, err)
	}
	return e
}

// A ws:// URL to Go's HTTPS server: the 400 it answers with, exit 4 as
// before, and the hint with the wss:// URL instead of "may not speak
// WebSocket".
func TestUpgradeToTLSServer(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.NotFoundHandler())
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	host := strings.TrimPrefix(srv.URL, "https://")
	e := try(t, "ws://"+host+"/feed?x=1")
	want := []string{"the server speaks TLS (HTTPS) on this port: try wss://" + host + "/feed?x=1"}
	if e.Code != exit.Upgrade || !strings.HasPrefix(e.Msg, "upgrade refused: HTTP 400 Bad Request") || !reflect.DeepEqual(e.Hints, want) {
		t.Errorf("exit %d, %q, hints %q; want 4, a 400, hints %q", e.Code, e.Msg, e.Hints, want)
	}
	var r *Refusal
	if !errors.As(e, &r) || r.Status != 400 || !strings.Contains(string(r.Body), "HTTP request to an HTTPS server") {
		t.Errorf("the refusal is not the cause: %#v", e.Err)
	}
}

// A ws:// URL to a bare TLS listener, which closes without a byte: exit 3
// as before, and the hint that it may speak TLS.
func TestUpgradeToTLSListener(t *testing.T) {
	certs := httptest.NewUnstartedServer(nil)
	certs.StartTLS()
	cfg := certs.TLS.Clone()
	certs.Close()
	ln, err := tls.Listen("tcp", "127.0.0.1:0", cfg)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.SetDeadline(time.Now().Add(5 * time.Second))
			c.(*tls.Conn).Handshake()
			c.Close()
		}
	})
	t.Cleanup(func() {
		ln.Close()
		wg.Wait()
	})
	host := ln.Addr().String()
	e := try(t, "ws://"+host+"/")
	if e.Code != exit.Connect || !strings.Contains(e.Msg, "lost during the upgrade") ||
		len(e.Hints) != 2 || e.Hints[1] != "if the server speaks TLS on this port, try wss://"+host+"/" {
		t.Errorf("exit %d, %q, hints %q", e.Code, e.Msg, e.Hints)
	}
}

func TestWSSURL(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"ws://127.0.0.1:8443/", "wss://127.0.0.1:8443/"},
		{"ws://example.org/ws?token=x", "wss://example.org:80/ws?token=x"}, // the same port: 80
		{"ws://user:secret@example.org:9000/", "wss://example.org:9000/"},
		{"ws://[::1]:8443/a", "wss://[::1]:8443/a"},
		{"example.org:8443", "wss://example.org:8443/"},
	} {
		tg, err := ParseTarget(c.in)
		if err != nil {
			t.Fatal(err)
		}
		if got := wssURL(tg); got != c.want {
			t.Errorf("wssURL(%s) = %s, want %s", c.in, got, c.want)
		}
	}
}

func TestTLSAlert(t *testing.T) {
	for _, c := range []struct {
		err  string
		want bool
	}{
		{`malformed HTTP response "\x15\x03\x01\x00\x02\x02F"`, true},
		{`malformed HTTP response "\x15\x03\x03\x00\x02\x02("`, true},
		{`malformed HTTP response "SSH-2.0-OpenSSH_9.6"`, false},
		{`malformed HTTP response "\x00\xff\x16\x03garbage"`, false},
		{`unexpected EOF`, false},
	} {
		if got := tlsAlert(errors.New(c.err)); got != c.want {
			t.Errorf("tlsAlert(%s) = %v, want %v", c.err, got, c.want)
		}
	}
}

// The 400s that HTTPS servers answer a plain request with get the TLS hint
// for a ws:// URL; another 400, or a wss:// URL, gets the usual one.
func TestRefusalTLSHint(t *testing.T) {
	ws, _ := ParseTarget("ws://127.0.0.1:8443/")
	wss, _ := ParseTarget("wss://127.0.0.1:8443/")
	for _, c := range []struct {
		body string
		t    *Target
		tls  bool
	}{
		{"Client sent an HTTP request to an HTTPS server.\n", ws, true},
		{"<html><center>The plain HTTP request was sent to HTTPS port</center></html>", ws, true},
		{"Reason: You're speaking plain HTTP to an SSL-enabled server port.", ws, true},
		{"Client sent an HTTP request to an HTTPS server.\n", wss, false},
		{"Client sent an HTTP request to an HTTPS server.\n", nil, false},
		{"bad request", ws, false},
	} {
		resp := &http.Response{StatusCode: 400, Status: "400 Bad Request", Header: http.Header{}}
		e := refusal(resp, []byte(c.body), c.t)
		got := len(e.Hints) == 1 && strings.Contains(e.Hints[0], "try wss://127.0.0.1:8443/")
		if got != c.tls || len(e.Hints) != 1 {
			t.Errorf("%q (%v): hints %q, want the TLS hint: %v", c.body, c.t != nil, e.Hints, c.tls)
		}
	}
}

// The refusal carries every header line as the tap read it, in order and
// case, secrets redacted as -v redacts them unless --show-secrets.
func TestAnsweredHeaders(t *testing.T) {
	head := "HTTP/1.1 401 Unauthorized\r\nx-b: 2\r\nSet-Cookie: s=secret\r\nWWW-Authenticate:  Basic realm=\"x\"\r\nx-b: 1\r\n\r\nbody"
	tap := wire.NewTap(wstest.NewScriptConn([]byte(head)))
	wstest.ReadAll(t, tap, 4096)
	resp := &http.Response{StatusCode: 401, Header: http.Header{}}
	for _, show := range []bool{false, true} {
		e := answered(exit.Errorf(exit.Upgrade, "refused"), resp, []byte("body"), &netDialer{tap: tap}, &Config{ShowSecrets: show})
		var r *Refusal
		if !errors.As(e, &r) {
			t.Fatalf("no Refusal in %#v", e)
		}
		cookie := "[redacted]"
		if show {
			cookie = "s=secret"
		}
		want := [][2]string{{"x-b", "2"}, {"Set-Cookie", cookie}, {"WWW-Authenticate", `Basic realm="x"`}, {"x-b", "1"}}
		if r.Status != 401 || string(r.Body) != "body" || !reflect.DeepEqual(r.Headers, want) {
			t.Errorf("show %v: %+v, want headers %q", show, r, want)
		}
	}
}
