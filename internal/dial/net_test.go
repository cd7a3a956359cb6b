package dial

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/wsx-cli/wsx/format"
)

// serveTCP accepts connections on 127.0.0.1 and hands each to handle, in
// its own goroutine; it returns the address. Cleanup closes the
// connections still open, then waits for the handlers.
func serveTCP(t *testing.T, handle func(net.Conn)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	open := map[net.Conn]bool{}
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			open[c] = true
			mu.Unlock()
			wg.Go(func() {
				defer func() {
					mu.Lock()
					delete(open, c)
					mu.Unlock()
					c.Close()
				}()
				handle(c)
			})
		}
	})
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for c := range open {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return ln.Addr().String()
}

// listen accepts TCP connections on 127.0.0.1 and closes them; it returns
// the port.
func listen(t *testing.T) string {
	_, port, _ := net.SplitHostPort(serveTCP(t, func(net.Conn) {}))
	return port
}

func testDialer(t *testing.T) *netDialer {
	t.Helper()
	return &netDialer{cfg: &Config{}, start: time.Now()}
}

// A name is looked up, and that phase is timed; an IP address is not, and
// has no DNS phase. Either way TCP comes after, and Addr is the address
// connected to.
func TestDialTCPTimings(t *testing.T) {
	port := listen(t)
	for _, c := range []struct {
		host    string
		wantDNS bool
	}{{"localhost", true}, {"127.0.0.1", false}} {
		n := testDialer(t)
		conn, err := n.dialTCP(t.Context(), net.JoinHostPort(c.host, port))
		if err != nil {
			t.Fatalf("%s: %v", c.host, err)
		}
		conn.Close()
		tm := n.timings
		if got := tm.DNS > 0; got != c.wantDNS {
			t.Errorf("%s: DNS %v, want a DNS phase: %v", c.host, tm.DNS, c.wantDNS)
		}
		if tm.TCP <= 0 || tm.TCP < tm.DNS {
			t.Errorf("%s: TCP %v after DNS %v", c.host, tm.TCP, tm.DNS)
		}
		if want := "127.0.0.1:" + port; tm.Addr != want {
			t.Errorf("%s: Addr %q, want %q", c.host, tm.Addr, want)
		}
	}
}

// A refused connection keeps the address tried, and the error says why.
func TestDialTCPRefused(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	n := testDialer(t)
	if _, err := n.dialTCP(t.Context(), addr); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("dial %s: %v, want connection refused", addr, err)
	}
	if n.timings.Addr != addr || n.timings.DNS != 0 || n.timings.TCP != 0 {
		t.Errorf("timings %+v, want Addr %s and no phase", n.timings, addr)
	}
}

// A cancelled context ends the dial (Ctrl-C) before any phase.
func TestDialTCPCancelled(t *testing.T) {
	port := listen(t)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	n := testDialer(t)
	if _, err := n.dialTCP(ctx, net.JoinHostPort("localhost", port)); !errors.Is(err, context.Canceled) {
		t.Fatalf("dial with a cancelled context: %v", err)
	}
}

// Try reports the phases in order, as probe reads them: a name has a DNS
// phase, an IP address none.
func TestTryTimings(t *testing.T) {
	var up websocket.Upgrader
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if c, err := up.Upgrade(w, r, nil); err == nil {
			c.Close()
		}
	}))
	t.Cleanup(srv.Close)
	port := srv.URL[strings.LastIndex(srv.URL, ":")+1:]
	out := format.New(io.Discard, io.Discard, format.Options{})
	for _, c := range []struct {
		host    string
		wantDNS bool
	}{{"localhost", true}, {"127.0.0.1", false}} {
		cfg, err := New(Options{URL: "ws://" + net.JoinHostPort(c.host, port) + "/", ConnectTimeout: 10 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		conn, a, err := Try(t.Context(), cfg, out)
		if err != nil {
			t.Fatalf("%s: %v", c.host, err)
		}
		conn.WS.Close()
		tm := a.Timings
		if got := tm.DNS > 0; got != c.wantDNS {
			t.Errorf("%s: DNS %v, want a DNS phase: %v", c.host, tm.DNS, c.wantDNS)
		}
		if !(tm.DNS <= tm.TCP && tm.TCP > 0 && tm.TCP <= tm.Upgrade) || tm.TLS != 0 {
			t.Errorf("%s: phases out of order: %+v", c.host, tm)
		}
		if want := "127.0.0.1:" + port; tm.Addr != want {
			t.Errorf("%s: Addr %q, want %q", c.host, tm.Addr, want)
		}
	}
}
