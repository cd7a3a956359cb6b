package cmd

import (
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"time"

	"io"
	"os"
	"strings"
	"syscall"
	"testing"

	"github.com/gorilla/websocket"

	"github.com/wsx-cli/wsx/internal/exit"
	"github.com/wsx-cli/wsx/serve"
)

// Ctrl-C closes with 1000 and exits 130, SIGTERM the same with 143; the
// server sees the close.
func TestSignalClosesCleanly(t *testing.T) {
	for _, c := range []struct {
		sig  os.Signal
		code int
	}{{os.Interrupt, exit.Interrupt}, {syscall.SIGTERM, 143}} {
		_, url, log := startServer(t, serve.Options{})
		stdin, feed := io.Pipe()
		sig := make(chan os.Signal, 2)
		_, stderr, done := startWsx(&Env{Stdin: stdin, Signals: sig}, "connect", url)
		stderr.Wait(t, "connected to")
		sig <- c.sig
		if code := waitExit(t, done); code != c.code {
			t.Fatalf("%v: exit %d, want %d; stderr:\n%s", c.sig, code, c.code, stderr)
		}
		log.Wait(t, "closed by client: 1000")
		if !strings.Contains(stderr.String(), "closed by client: 1000 (normal closure); server echoed 1000") {
			t.Errorf("%v: stderr:\n%s", c.sig, stderr)
		}
		feed.Close()
	}
}

// A second Ctrl-C while waiting for the close echo exits at once.
func TestSecondInterruptExitsAtOnce(t *testing.T) {
	_, url, _ := startServer(t, serve.Options{NoCloseEcho: true})
	stdin, feed := io.Pipe()
	defer feed.Close()
	sig := make(chan os.Signal, 2)
	_, stderr, done := startWsx(&Env{Stdin: stdin, Signals: sig}, "connect", "--close-timeout", "1m", url)
	stderr.Wait(t, "connected to")
	sig <- os.Interrupt
	sig <- os.Interrupt
	if code := waitExit(t, done); code != exit.Interrupt {
		t.Fatalf("exit %d, want 130", code)
	}
}

// A server that never answers our close: a warning after --close-timeout.
func TestMissingCloseEcho(t *testing.T) {
	_, url, _ := startServer(t, serve.Options{NoCloseEcho: true})
	r := runWsx(&Env{Stdin: strings.NewReader("hi\n")}, "connect", "--close-timeout", "100ms", url)
	if r.code != 0 {
		t.Fatalf("exit %d; stderr:\n%s", r.code, r.stderr)
	}
	if !strings.Contains(r.stderr.String(), "closed by client: 1000 (normal closure); no close echo from server") {
		t.Errorf("stderr:\n%s", r.stderr)
	}
	// It is a warning: -q does not hide it.
	r = runWsx(&Env{Stdin: strings.NewReader("hi\n")}, "connect", "-q", "--close-timeout", "100ms", url)
	if r.code != 0 || r.stderr.String() != "closed by client: 1000 (normal closure); no close echo from server\n" {
		t.Errorf("-q: exit %d; stderr:\n%s", r.code, r.stderr)
	}
}

// When the server closes while wsx still holds input, the close line says
// how many messages were not sent, and the exit status is 5. This server
// reads the first message, waits until the second (32 MiB) has begun to
// arrive, closes with 4001 and stops reading: wsx is then certain to be in
// the middle of writing it.
func TestServerCloseCountsUnsent(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := (&websocket.Upgrader{}).Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer c.Close()
		c.ReadMessage()
		c.NextReader()
		c.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(4001, "go away"), time.Now().Add(time.Second))
		<-release
	}))
	// A small receive buffer: the kernel may otherwise take in the whole
	// message (Linux grows it up to tcp_rmem's maximum, 32 MiB here).
	srv.Listener = smallBufferListener{srv.Listener}
	srv.Start()
	defer srv.Close()
	defer close(release)
	input := "first\n" + strings.Repeat("x", 32<<20) + "\nthird\n"
	r := runWsx(&Env{Stdin: strings.NewReader(input)}, "connect", "--close-timeout", "200ms", "ws"+strings.TrimPrefix(srv.URL, "http"))
	if r.code != exit.Closed {
		t.Fatalf("exit %d, want 5; stderr:\n%s", r.code, r.stderr)
	}
	if !regexp.MustCompile(`(?m)^closed by server: 4001 \(private use\) "go away"; 2 messages not sent$`).MatchString(r.stderr.String()) {
		t.Errorf("stderr:\n%s", r.stderr)
	}
}

// smallBufferListener accepts connections with a 64 KiB receive buffer.
type smallBufferListener struct{ net.Listener }

func (l smallBufferListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if tc, ok := c.(*net.TCPConn); ok {
		tc.SetReadBuffer(64 << 10)
	}
	return c, err
}
