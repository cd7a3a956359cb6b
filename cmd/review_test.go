package cmd

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/wsx-cli/wsx/internal/exit"
	"github.com/wsx-cli/wsx/serve"
)

// A ping in the middle of a streamed message (over 1 MiB, raw output) is
// answered and reported while the message is printed: the printer's lock is
// not held while the reader waits for the network.
func TestPingInsideStreamedMessage(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := (&websocket.Upgrader{}).Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer c.Close()
		mw, _ := c.NextWriter(websocket.TextMessage)
		chunk := []byte(strings.Repeat("y", 512<<10))
		for i := 0; i < 4; i++ {
			mw.Write(chunk)
			if i == 2 {
				c.WriteControl(websocket.PingMessage, []byte("mid"), time.Now().Add(time.Second))
			}
		}
		mw.Close()
		c.ReadMessage() // until wsx closes
	}))
	defer srv.Close()
	stdout, stderr, done := startWsx(&Env{}, "listen", "-v", "-n", "1", "--timeout", "10s", "ws"+strings.TrimPrefix(srv.URL, "http"))
	if code := waitExit(t, done); code != 0 {
		t.Fatalf("exit %d; stderr:\n%s", code, stderr)
	}
	if n := len(stdout.String()); n != 2<<20+1 {
		t.Errorf("printed %d bytes, want %d", n, 2<<20+1)
	}
	if !strings.Contains(stderr.String(), `< ping "mid"`) {
		t.Errorf("no ping line; stderr:\n%s", stderr)
	}
}

// Ctrl-C while connecting ends wsx at once, exit 130, instead of waiting for
// --connect-timeout.
func TestInterruptWhileConnecting(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan struct{})
	go func() { // accept, and never answer the upgrade
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		close(accepted)
		io.Copy(io.Discard, c) // until wsx hangs up
	}()
	sig := make(chan os.Signal, 1)
	_, stderr, done := startWsx(&Env{Signals: sig}, "connect", "--connect-timeout", "1m", "ws://"+ln.Addr().String()+"/")
	<-accepted // wsx now waits for the upgrade answer
	sig <- os.Interrupt
	if code := waitExit(t, done); code != exit.Interrupt {
		t.Fatalf("exit %d, want 130; stderr:\n%s", code, stderr)
	}
}

// Ctrl-C stops a probe too.
func TestInterruptProbe(t *testing.T) {
	_, url, _ := startServer(t, serve.Options{})
	sig := make(chan os.Signal, 1)
	_, stderr, done := startWsx(&Env{Signals: sig}, "probe", "--repeat", "1000", "--interval", "1m", url)
	stderr.Wait(t, "run 1/1000")
	sig <- os.Interrupt
	if code := waitExit(t, done); code != exit.Interrupt {
		t.Fatalf("exit %d, want 130; stderr:\n%s", code, stderr)
	}
}

// probe --send @FILE streams a file over 1 MiB like send does.
func TestProbeSendsBigFile(t *testing.T) {
	_, url, log := startServer(t, serve.Options{})
	file := writeFile(t, "big.txt", []byte(strings.Repeat("x", 2<<20)+"MARK"))
	r := runWsx(&Env{}, "probe", "--send", "@"+file, "--expect", "MARK", "--timeout", "10s", url)
	if r.code != 0 {
		t.Fatalf("exit %d; stdout:\n%.2000s", r.code, r.stdout)
	}
	log.Wait(t, "received 1 message, 2097156 bytes")
}

// A refused proxy is named as the proxy, not as the target.
func TestProxyConnectionRefused(t *testing.T) {
	r := runWsx(&Env{}, "connect", "--proxy", "http://127.0.0.1:1", "ws://127.0.0.1:9/")
	want := "wsx: error: proxy http://127.0.0.1:1: dial tcp 127.0.0.1:1: connect: connection refused\n"
	if r.code != exit.Connect || r.stderr.String() != want {
		t.Errorf("exit %d; stderr %q, want %q", r.code, r.stderr, want)
	}
}

// Filters and --select apply to messages over 1 MiB too (they are read
// whole, not streamed).
func TestFilterBigMessage(t *testing.T) {
	big := []byte(`{"type":"big","pad":"` + strings.Repeat("x", 2<<20) + `"}`)
	_, url, _ := startServer(t, serve.Options{Greet: []serve.Message{{Data: big}, {Data: []byte(`{"type":"small"}`)}}})
	r := runWsx(&Env{}, "listen", "--filter", "type==small", "--select", "type", "-n", "1", url)
	if r.code != 0 || r.stdout.String() != "small\n" {
		t.Errorf("exit %d, stdout %.100q; stderr:\n%s", r.code, r.stdout, r.stderr)
	}
}
