// The ends of a session that fails: a ws:// URL whose server speaks TLS,
// and the jsonl error event of every failure before the connection opens,
// then the close line after a message that is not UTF-8.

package cmd

import (
	"crypto/tls"
	"encoding/json"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/wsx-cli/wsx/internal/exit"
	"github.com/wsx-cli/wsx/internal/wstest"
)

// tlsHTTPServer is Go's HTTPS server (httptest): to a plain HTTP request it
// answers "HTTP/1.0 400 Bad Request" and "Client sent an HTTP request to
// an HTTPS server."; it returns host:port.
func tlsHTTPServer(t *testing.T) string {
	t.Helper()
	srv := httptest.NewUnstartedServer(http.NotFoundHandler())
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // it logs the plain request
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "https://")
}

// rawTLSServer is a bare tls.Listen with httptest's certificate: each
// connection's handshake is tried, fails on a plain HTTP request (Go's TLS
// server sends nothing then), and the connection is closed. It returns
// host:port; the cleanup stops it and waits for its goroutines.
func rawTLSServer(t *testing.T) string {
	t.Helper()
	certs := httptest.NewUnstartedServer(nil)
	certs.StartTLS() // only for its certificate
	cfg := certs.TLS.Clone()
	certs.Close()
	ln, err := tls.Listen("tcp", "127.0.0.1:0", cfg)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				c.SetDeadline(time.Now().Add(10 * time.Second))
				c.(*tls.Conn).Handshake() // "first record does not look like a TLS handshake"
			}()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		wg.Wait()
	})
	return ln.Addr().String()
}

// A ws:// URL whose server speaks TLS: the usual error and exit status,
// and a hint with the wss:// URL. Go's HTTPS server answers with a 400
// (exit 4); a bare TLS listener closes without a byte (exit 3: the
// connection was lost during the upgrade); OpenSSL and nginx answer with a
// TLS alert record, which is not HTTP (exit 4).
func TestEndsPlainToTLS(t *testing.T) {
	alert := wstest.StartRawServer(t, func(rc *wstest.RawConn) {
		if _, err := rc.ReadRequest(); err != nil {
			return
		}
		io.WriteString(rc, "\x15\x03\x01\x00\x02\x02\x46") // alert: fatal, protocol_version
	})
	for _, c := range []struct {
		name  string
		addr  string
		code  int
		first string // the error line
		hint  string // the hint with wss://, ADDR standing for the address
	}{
		{"go https server", tlsHTTPServer(t), exit.Upgrade,
			"wsx: error: upgrade refused: HTTP 400 Bad Request",
			"wsx: hint: the server speaks TLS (HTTPS) on this port: try wss://ADDR/path?q=1"},
		{"bare tls listener", rawTLSServer(t), exit.Connect,
			"wsx: error: connection to ADDR lost during the upgrade: unexpected EOF",
			"wsx: hint: if the server speaks TLS on this port, try wss://ADDR/path?q=1"},
		{"tls alert", alert.Addr(), exit.Upgrade,
			`wsx: error: upgrade failed: malformed HTTP response "\x15\x03\x01\x00\x02\x02F"`,
			"wsx: hint: the server answered with a TLS alert: it speaks TLS on this port; try wss://ADDR/path?q=1"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := runWsx(&Env{}, "send", "--connect-timeout", "5s", "ws://"+c.addr+"/path?q=1", "hi")
			first := strings.ReplaceAll(c.first, "ADDR", c.addr)
			hint := strings.ReplaceAll(c.hint, "ADDR", c.addr)
			if r.code != c.code || !strings.HasPrefix(r.stderr.String(), first+"\n") || !hasLine(r.stderr.String(), hint) || r.stdout.String() != "" {
				t.Errorf("exit %d, want %d; stdout %q; stderr:\n%s\nwant the line %q and the hint %q", r.code, c.code, r.stdout, r.stderr, first, hint)
			}
		})
	}
}

// The TLS hint is for ws:// only, and only when what came back says TLS: a
// server that drops the connection in the middle of its answer, or answers
// 400 for other reasons, gets none; neither does a wss:// URL.
func TestEndsNoTLSHint(t *testing.T) {
	partial := wstest.StartRawServer(t, func(rc *wstest.RawConn) {
		if _, err := rc.ReadRequest(); err != nil {
			return
		}
		io.WriteString(rc, "HTTP/1.1 101 Switching Protocols\r\n")
	})
	bad := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "no", http.StatusBadRequest)
	}))
	t.Cleanup(bad.Close)
	silent := rawTLSServer(t)
	for _, url := range []string{partial.URL(), "ws" + strings.TrimPrefix(bad.URL, "http") + "/", "wss://" + silent + "/"} {
		r := runWsx(&Env{}, "send", "--connect-timeout", "5s", url, "hi")
		if r.code == 0 || strings.Contains(r.stderr.String(), "TLS on this port") {
			t.Errorf("%s: exit %d; stderr:\n%s\nwant no TLS hint", url, r.code, r.stderr)
		}
	}
}

// errorEvent is the jsonl error event as a script reads it.
type errorEvent struct {
	Time    string      `json:"time"`
	Event   string      `json:"event"`
	Error   string      `json:"error"`
	Hints   []string    `json:"hints"`
	Exit    int         `json:"exit"`
	Status  int         `json:"status"`
	Headers [][2]string `json:"headers"`
	Body    *string     `json:"body"`
}

// jsonLines decodes stdout as jsonl: every line one JSON object, with no
// field the events do not have.
func jsonLines(t *testing.T, out string) []map[string]json.RawMessage {
	t.Helper()
	if !strings.HasSuffix(out, "\n") {
		t.Fatalf("stdout does not end in a newline: %q", out)
	}
	var lines []map[string]json.RawMessage
	for _, l := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		var m map[string]json.RawMessage
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("not a JSON object: %q: %v", l, err)
		}
		lines = append(lines, m)
	}
	return lines
}

// onlyError checks that stdout is one error event, and that it says what
// stderr says: the message, each hint, and the exit status.
func onlyError(t *testing.T, r result) errorEvent {
	t.Helper()
	lines := jsonLines(t, r.stdout.String())
	if len(lines) != 1 {
		t.Fatalf("stdout has %d events, want one error event:\n%s", len(lines), r.stdout)
	}
	var e errorEvent
	dec := json.NewDecoder(strings.NewReader(r.stdout.String()))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&e); err != nil {
		t.Fatalf("%s: %v", r.stdout, err)
	}
	if _, err := time.Parse("2006-01-02T15:04:05.000Z", e.Time); err != nil {
		t.Errorf("time %q: %v", e.Time, err)
	}
	if _, ok := lines[0]["hints"]; !ok || e.Hints == nil {
		t.Errorf("no hints array (want [] when there is none): %s", r.stdout)
	}
	var want strings.Builder
	want.WriteString("wsx: error: " + e.Error + "\n")
	for _, h := range e.Hints {
		want.WriteString("wsx: hint: " + h + "\n")
	}
	if e.Event != "error" || e.Exit != r.code || r.stderr.String() != want.String() {
		t.Errorf("event %q, exit %d (wsx exited %d); stderr:\n%s\nwant what the event says:\n%s", e.Event, e.Exit, r.code, r.stderr, want.String())
	}
	return e
}

// Every failure before the connection opens writes one error event on
// stdout with --format jsonl: the message, the hints and the exit status,
// as on stderr, which keeps its usual lines.
func TestEndsJSONLBeforeOpen(t *testing.T) {
	tlsURL, _ := startTLS(t, nil)
	refused := wstest.ClosedAddr(t)
	silent := silentServer(t)
	for _, c := range []struct {
		name    string
		url     string
		timeout string
		error   string // the start of the message
	}{
		{"refused", "ws://" + refused + "/", "5s", "connection refused by " + refused},
		{"dns", "ws://nonexistent.invalid/", "5s", "cannot resolve nonexistent.invalid"},
		{"tls", tlsURL, "5s", "TLS: the certificate of 127.0.0.1 is signed by an unknown authority"},
		{"connect timeout", "ws://" + silent + "/", "300ms", "no upgrade response from " + silent + " within 300ms"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := runWsx(&Env{}, "send", "-f", "jsonl", "--connect-timeout", c.timeout, c.url, "hi")
			if r.code != exit.Connect {
				t.Fatalf("exit %d, want 3; stderr:\n%s", r.code, r.stderr)
			}
			e := onlyError(t, r)
			if !strings.HasPrefix(e.Error, c.error) || len(e.Hints) == 0 {
				t.Errorf("error %q, hints %q; want it to start %q, with a hint", e.Error, e.Hints, c.error)
			}
			if e.Status != 0 || e.Headers != nil || e.Body != nil {
				t.Errorf("no HTTP answer came, but the event has one: %s", r.stdout)
			}
		})
	}
}

// A refused upgrade's error event also carries the HTTP answer: the status,
// every header line (sorted by name: Go keeps no order), and the body as a
// string, cut at 1 KiB.
func TestEndsJSONLRefused(t *testing.T) {
	long := strings.Repeat("0123456789abcdef", 200) // 3200 bytes
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h["X-Trace"] = []string{"a", "b"}
		h.Set("Content-Type", "text/plain")
		h.Set("Set-Cookie", "session=secret")
		switch r.URL.Path {
		case "/401":
			h.Set("WWW-Authenticate", `Bearer realm="wsx"`)
			w.WriteHeader(http.StatusUnauthorized)
			io.WriteString(w, "token, please\n")
		case "/403":
			w.WriteHeader(http.StatusForbidden)
			io.WriteString(w, "caf\xe9") // not UTF-8
		default:
			w.WriteHeader(http.StatusInternalServerError)
			io.WriteString(w, long)
		}
	}))
	t.Cleanup(srv.Close)
	base := "ws" + strings.TrimPrefix(srv.URL, "http")
	for _, c := range []struct {
		path   string
		status int
		extra  [][2]string // headers besides Content-Type, Date, Set-Cookie and X-Trace
		body   string
		hint   string
	}{
		{"/401", 401, [][2]string{{"Www-Authenticate", `Bearer realm="wsx"`}}, "token, please\n", "the server wants credentials"},
		{"/403", 403, nil, "caf\ufffd", "the server refuses this client"},
		{"/500", 500, nil, long[:1024], ""},
	} {
		t.Run(c.path, func(t *testing.T) {
			r := runWsx(&Env{}, "send", "-f", "jsonl", "--connect-timeout", "5s", base+c.path, "hi")
			if r.code != exit.Upgrade {
				t.Fatalf("exit %d, want 4; stderr:\n%s", r.code, r.stderr)
			}
			e := onlyError(t, r)
			if !strings.HasPrefix(e.Error, "upgrade refused: HTTP "+strings.TrimPrefix(c.path, "/")) {
				t.Errorf("error %q", e.Error)
			}
			if c.hint != "" && (len(e.Hints) != 1 || !strings.HasPrefix(e.Hints[0], c.hint)) {
				t.Errorf("hints %q, want one starting %q", e.Hints, c.hint)
			}
			if e.Status != c.status || e.Body == nil || *e.Body != c.body {
				t.Errorf("status %d, body %v; want %d, %q", e.Status, e.Body, c.status, c.body)
			}
			var got [][2]string
			for _, h := range e.Headers {
				if h[0] != "Date" && h[0] != "Content-Length" && h[0] != "Transfer-Encoding" {
					got = append(got, h)
				}
			}
			want := [][2]string{{"Content-Type", "text/plain"}, {"Set-Cookie", "[redacted]"}}
			want = append(want, c.extra...)
			want = append(want, [2]string{"X-Trace", "a"}, [2]string{"X-Trace", "b"})
			if !reflect.DeepEqual(got, want) {
				t.Errorf("headers %q, want %q (and Date, Content-Length, Transfer-Encoding), as Go's server wrote them", got, want)
			}
		})
	}
}

// A message that is not UTF-8 is an error, and wsx closes with 1007: the
// error event comes first, then the close event, as on stderr the error
// line comes before the close line. One that arrives while wsx waits for
// its close echo is reported the same way, and the close line still says
// how the close ended.
func TestEndsJSONLInvalidUTF8(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := (&websocket.Upgrader{}).Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer c.Close()
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		if r.URL.Path == "/during-close" {
			c.SetCloseHandler(func(code int, _ string) error { // bad text first, then the echo
				c.WriteMessage(websocket.TextMessage, []byte("x\xffy"))
				return c.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, ""), time.Now().Add(time.Second))
			})
		} else {
			c.WriteMessage(websocket.TextMessage, []byte("ok"))
			c.WriteMessage(websocket.TextMessage, []byte("ab\xffc"))
		}
		for {
			if _, _, err := c.ReadMessage(); err != nil {
				return
			}
		}
	}))
	t.Cleanup(srv.Close)
	base := "ws" + strings.TrimPrefix(srv.URL, "http")
	for _, c := range []struct {
		name, path string
		args       []string
		error      string
		close      string // the close line on stderr, and the close event's code
		code       int
	}{
		{"in the session", "/", []string{"--wait", "10s"},
			"message 2 is text but not valid UTF-8 (byte 2); closed with 1007",
			`closed by client: 1007 (invalid payload data) "invalid UTF-8"; server echoed 1007`, 1007},
		{"during the close", "/during-close", []string{"--wait", "0"},
			"message 1, which arrived during the close, is text but not valid UTF-8 (byte 1)",
			`closed by client: 1000 (normal closure); server echoed 1000`, 1000},
	} {
		t.Run(c.name, func(t *testing.T) {
			args := append([]string{"send", "-f", "jsonl", base + c.path, "hi"}, c.args...)
			stdout, stderr, done := startWsx(&Env{}, args...)
			code := waitExit(t, done)
			if code != exit.Closed {
				t.Fatalf("exit %d, want 5; stderr:\n%s", code, stderr)
			}
			var kinds []string
			var e errorEvent
			var cl struct {
				By       string `json:"by"`
				Code     int    `json:"code"`
				Echo     bool   `json:"echo"`
				EchoCode int    `json:"echo_code"`
			}
			for i, l := range jsonLines(t, stdout.String()) {
				var k string
				json.Unmarshal(l["event"], &k)
				line := strings.Split(stdout.String(), "\n")[i]
				switch k {
				case "message": // in and out, in an order that is not fixed
					continue
				case "error":
					json.Unmarshal([]byte(line), &e)
				case "close":
					json.Unmarshal([]byte(line), &cl)
				}
				kinds = append(kinds, k)
			}
			if want := []string{"open", "error", "close"}; !reflect.DeepEqual(kinds, want) {
				t.Fatalf("events %v (messages aside), want %v:\n%s", kinds, want, stdout)
			}
			if e.Error != c.error || e.Exit != 5 || e.Hints == nil {
				t.Errorf("error event %+v, want %q, exit 5", e, c.error)
			}
			if cl.By != "client" || cl.Code != c.code || !cl.Echo || cl.EchoCode != c.code {
				t.Errorf("close event %+v, want by client, %d, echoed", cl, c.code)
			}
			errLine := strings.Index(stderr.String(), "wsx: error: "+c.error+"\n")
			closeLine := strings.Index(stderr.String(), "\n"+c.close+"\n")
			if errLine < 0 || closeLine < errLine || strings.Count(stderr.String(), "wsx: error:") != 1 || strings.Count(stderr.String(), "closed by") != 1 {
				t.Errorf("stderr:\n%s\nwant the error line %q, then the close line %q", stderr, c.error, c.close)
			}
		})
	}
}
