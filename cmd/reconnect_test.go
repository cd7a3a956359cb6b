// --reconnect against servers that drop, stop reading, and come back: stdin carried over in order and once each, --count across connections.

package cmd

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/wsx-cli/wsx/internal/wstest"
)

// scriptedServer runs, for its k-th connection (from 0), handlers[k], or
// the last handler once they run out.
func scriptedServer(t *testing.T, handlers ...func(k int, c *websocket.Conn)) string {
	t.Helper()
	var n atomic.Int32
	var wg sync.WaitGroup
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := (&websocket.Upgrader{}).Upgrade(w, r, nil)
		if err != nil {
			return
		}
		wg.Add(1)
		defer wg.Done()
		defer c.Close()
		k := int(n.Add(1)) - 1
		handlers[min(k, len(handlers)-1)](k, c)
	}))
	t.Cleanup(func() {
		srv.CloseClientConnections()
		srv.Close()
		wg.Wait()
	})
	return "ws" + strings.TrimPrefix(srv.URL, "http") + "/"
}

// readAll reads messages until the connection ends, answering the close.
func readAll(c *websocket.Conn, got chan<- string) {
	for {
		_, m, err := c.ReadMessage()
		if err != nil {
			return
		}
		got <- string(m)
	}
}

// Lines that come after a drop go on the next connection, once each and in
// order, the one the stopped writer had read first.
func TestReconnectStdinCarriedOver(t *testing.T) {
	first, later := make(chan string, 8), make(chan string, 8)
	url := scriptedServer(t,
		func(_ int, c *websocket.Conn) {
			_, m, err := c.ReadMessage()
			if err != nil {
				return
			}
			first <- string(m)
			c.NetConn().Close() // a drop: no close frame
		},
		func(_ int, c *websocket.Conn) { readAll(c, later) },
	)
	pr, pw := io.Pipe()
	defer pr.Close()
	env := &Env{Stdin: pr}
	_, stderr, done := startWsx(env, "connect", "--reconnect", "--reconnect-delay", "10ms", url)
	io.WriteString(pw, "1\n")
	if m := wstest.Receive(t, first); m != "1" {
		t.Fatalf("connection 1 got %q", m)
	}
	// the writer is stopped, waiting for input: what comes now it reads and
	// cannot write; the next connection sends it
	stderr.Wait(t, "; reconnecting in ")
	io.WriteString(pw, "2\n3\n")
	stderr.Wait(t, "reconnected to ")
	io.WriteString(pw, "4\n")
	pw.Close()
	if code := waitExit(t, done); code != 0 {
		t.Fatalf("exit %d; stderr:\n%s", code, stderr)
	}
	var got []string
	for range 3 {
		got = append(got, wstest.Receive(t, later))
	}
	if strings.Join(got, " ") != "2 3 4" {
		t.Errorf("connection 2 got %v, want 2 3 4", got)
	}
	select {
	case m := <-later:
		t.Errorf("connection 2 got %q more", m)
	case m := <-first:
		t.Errorf("connection 1 got %q more", m)
	default:
	}
	if !strings.Contains(stderr.String(), "connection dropped: 1006 (abnormal closure), no close frame; reconnecting in ") ||
		!cleanCloseLine.MatchString(stderr.String()) {
		t.Errorf("stderr:\n%s", stderr)
	}
}

// A server that stops reading, then a new one: the ping timeout finds the
// first dead, the messages it may not have got are counted, and the input
// goes on from where it stopped. What the first server's kernel had taken
// it reads afterwards: with what the second got, nothing is there twice,
// both are in order, and the gap between them is no more than the count.
func TestReconnectStalledServer(t *testing.T) {
	const lines, width = 160000, 100 // 16 MB: more than loopback's buffers hold
	var n atomic.Int32
	secondDone := make(chan struct{})
	reports := make(chan []int, 2)
	readText := func(c *wstest.RawConn, answer bool) []int {
		var got []int
		for {
			f, err := c.ReadFrame()
			if err != nil {
				return got
			}
			switch f.Op {
			case 1:
				num, _ := strconv.Atoi(strings.TrimLeft(string(f.Payload[:8]), "0"))
				got = append(got, num)
			case 9:
				if answer {
					c.WriteFrame(true, 10, f.Payload)
				}
			case 8:
				if answer {
					c.WriteFrame(true, 8, f.Payload)
					return got
				}
			}
		}
	}
	srv := wstest.StartRawServer(t, func(c *wstest.RawConn) {
		if c.Upgrade() != nil {
			return
		}
		if n.Add(1) == 1 {
			select { // reads nothing until the second connection is over
			case <-secondDone:
			case <-c.Done():
				return
			}
			reports <- readText(c, false)
			return
		}
		got := readText(c, true)
		close(secondDone)
		reports <- got
	})
	var in strings.Builder
	for i := 1; i <= lines; i++ {
		fmt.Fprintf(&in, "%08d%s\n", i, strings.Repeat("x", width-9))
	}
	env := &Env{Stdin: strings.NewReader(in.String())}
	_, stderr, done := startWsx(env, "connect", "-q", "--reconnect", "--reconnect-delay", "10ms", "--reconnect-max", "1",
		"--ping-timeout", "300ms", "--close-timeout", "200ms", srv.URL())
	if code := waitExit(t, done); code != 0 {
		t.Fatalf("exit %d; stderr:\n%s", code, stderr)
	}
	second := wstest.Receive(t, reports)
	firstGot := wstest.Receive(t, reports)
	m := regexp.MustCompile(`(?m)^no pong within --ping-timeout 300ms: the connection is dead; closed with 1011; (\d+) messages? may not have arrived; reconnecting in [0-9.]+ms \(attempt 1 of 1\)$`).
		FindStringSubmatch(stderr.String())
	if m == nil {
		t.Fatalf("no reconnect line with a count; stderr:\n%s", stderr)
	}
	maybeLost, _ := strconv.Atoi(m[1])
	inOrder := func(got []int, from int) bool {
		for i, v := range got {
			if v != from+i {
				return false
			}
		}
		return true
	}
	if len(second) == 0 || !inOrder(second, second[0]) || second[len(second)-1] != lines {
		t.Fatalf("connection 2 got %d lines, not in order to the last", len(second))
	}
	if !inOrder(firstGot, 1) {
		t.Fatalf("connection 1's server read %d lines, not 1, 2, 3...", len(firstGot))
	}
	a, b := len(firstGot), second[0]
	if b <= a || b-a-1 > maybeLost {
		t.Errorf("connection 1 had lines 1-%d, connection 2 from %d on: %d missing, %d said to be in doubt", a, b, b-a-1, maybeLost)
	}
	if maybeLost == 0 {
		t.Error("nothing counted as in doubt on a server that stopped reading")
	}
}

// --count counts the messages kept on every connection; the --send list goes
// again on each.
func TestReconnectCountAcross(t *testing.T) {
	subs := make(chan string, 4)
	sub := func(c *websocket.Conn) bool {
		_, m, err := c.ReadMessage()
		if err != nil {
			return false
		}
		subs <- string(m)
		return true
	}
	url := scriptedServer(t,
		func(_ int, c *websocket.Conn) {
			if sub(c) {
				c.WriteMessage(websocket.TextMessage, []byte("m1"))
				c.WriteMessage(websocket.TextMessage, []byte("m2"))
				c.NetConn().Close()
			}
		},
		func(_ int, c *websocket.Conn) {
			if sub(c) {
				for _, m := range []string{"m3", "m4", "m5"} {
					c.WriteMessage(websocket.TextMessage, []byte(m))
				}
				readAll(c, make(chan string, 8))
			}
		},
	)
	r := runWsx(&Env{}, "listen", "--reconnect", "--reconnect-delay", "10ms", "--send", "sub", "--count", "3", url)
	if r.code != 0 || r.stdout.String() != "m1\nm2\nm3\n" {
		t.Fatalf("exit %d, stdout %q; stderr:\n%s", r.code, r.stdout, r.stderr)
	}
	if a, b := wstest.Receive(t, subs), wstest.Receive(t, subs); a != "sub" || b != "sub" {
		t.Errorf("subscriptions %q, %q", a, b)
	}
	if !cleanCloseLine.MatchString(r.stderr.String()) || !strings.Contains(r.stderr.String(), "(attempt 1)\n") {
		t.Errorf("stderr:\n%s", r.stderr)
	}
}

// Once the input has ended and every line went out, a drop is the end, as
// without --reconnect: there is nothing left to send.
func TestReconnectNotAfterTheInput(t *testing.T) {
	drop := make(chan struct{})
	got := make(chan string, 8)
	url := scriptedServer(t, func(k int, c *websocket.Conn) {
		for range 2 {
			_, m, err := c.ReadMessage()
			if err != nil {
				return
			}
			got <- string(m)
		}
		select {
		case <-drop:
		case <-time.After(wstest.Failsafe):
		}
		c.NetConn().Close()
	})
	_, stderr, done := startWsx(&Env{Stdin: strings.NewReader("one\ntwo\n")}, "connect", "-v", "--reconnect", "--reconnect-delay", "10ms", url)
	stderr.Wait(t, "input ended: waiting for the server")
	close(drop)
	if code := waitExit(t, done); code != 5 {
		t.Fatalf("exit %d, want 5; stderr:\n%s", code, stderr)
	}
	if a, b := wstest.Receive(t, got), wstest.Receive(t, got); a != "one" || b != "two" {
		t.Errorf("the server got %q, %q", a, b)
	}
	if strings.Contains(stderr.String(), "reconnecting") || !hasLine(stderr.String(), "connection dropped: 1006 (abnormal closure), no close frame") {
		t.Errorf("stderr:\n%s", stderr)
	}
}
