package send

import (
	"io"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/wsx-cli/wsx/serve"
)

const opPing = 9

// echo is a server that sends every message back and never closes first.
func echo() serve.Options {
	return serve.Options{Mode: serve.Echo, CloseAfter: -1, DropAfter: -1}
}

func mustArgs(t *testing.T, msgs []string) *Args {
	t.Helper()
	a, err := NewArgs("argument", msgs, nil, Check{}, 1)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// writesAfterUpgrade is how many Write calls reached the socket since the
// upgrade request.
func (c *recConn) writesAfterUpgrade() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.writes - 1
}

// TestCoalescerGathers: input that is all in hand goes out in a few
// writes, every message in order, the close frame last.
func TestCoalescerGathers(t *testing.T) {
	t.Parallel()
	const n = 1000
	s, url := startServer(t, sink())
	ws, rc, _ := dialCoalesced(t, url)
	w := NewWriter(ws)
	res := w.Run(NewLines(strings.NewReader(seq(n)), false))
	if !res.EOF || res.Messages != n || res.Unsent != 0 || res.Write != nil {
		t.Fatalf("Result = %+v, want EOF after %d messages", res, n)
	}
	closeAndWait(t, ws, NewCloser(ws, failsafe), 1000, "")
	if st := nextStats(t, s); st.Messages != n || !st.InOrder || st.CloseCode != 1000 {
		t.Errorf("server stats %+v, want %d messages in order and 1000", st, n)
	}
	checkWire(t, rc, opText, strings.Fields(seq(n)), []byte{0x03, 0xE8})
	// 3,893 bytes of lines: one write for the frames, one for the close
	if got := rc.writesAfterUpgrade(); got > 4 {
		t.Errorf("%d writes for %d messages, want them gathered", got, n)
	}
}

// TestCoalescerControlInOrder: a ping written while messages are gathered
// goes out after them, at once, and the messages after it follow it.
func TestCoalescerControlInOrder(t *testing.T) {
	t.Parallel()
	_, url := startServer(t, sink())
	ws, rc, co := dialCoalesced(t, url)
	w := NewWriter(ws)
	msgs := []string{"1", "2", "3", "4", "5", "6"}
	w.Sent = func(m Message) {
		if string(m.Data) != "3" {
			return
		}
		if co.Buffered() == 0 {
			t.Error("nothing gathered while all input was in hand")
		}
		if err := ws.WriteControl(websocket.PingMessage, []byte("p"), time.Now().Add(failsafe)); err != nil {
			t.Error(err)
		}
		if co.Buffered() != 0 {
			t.Error("the ping did not flush what was gathered before it")
		}
	}
	res := w.Run(mustArgs(t, msgs))
	if !res.EOF || res.Messages != len(msgs) {
		t.Fatalf("Result = %+v", res)
	}
	closeAndWait(t, ws, NewCloser(ws, failsafe), 1000, "")

	var got []string
	for _, f := range rc.frames(t) {
		switch f.op {
		case opPing:
			got = append(got, "ping:"+string(f.payload))
		case opClose:
			got = append(got, "close")
		default:
			got = append(got, string(f.payload))
		}
	}
	want := "1 2 3 ping:p 4 5 6 close"
	if strings.Join(got, " ") != want {
		t.Errorf("frames on the wire: %v, want %s", got, want)
	}
}

// TestCoalescerImmediate: a line written to a pipe that then waits goes out
// at once. Each echo must come back before the next line is written; if the
// writer held a message back, the read would fail at the failsafe deadline.
func TestCoalescerImmediate(t *testing.T) {
	t.Parallel()
	_, url := startServer(t, echo())
	ws, _, _ := dialCoalesced(t, url)
	pr, pw := io.Pipe()
	w := NewWriter(ws)
	done := make(chan Result, 1)
	go func() { done <- w.Run(NewLines(pr, false)) }()
	for _, line := range []string{"one", "two", "three"} {
		if _, err := io.WriteString(pw, line+"\n"); err != nil {
			t.Fatal(err)
		}
		_, got, err := ws.ReadMessage()
		if err != nil || string(got) != line {
			t.Fatalf("echo = %q, %v; want %q while the pipe waits", got, err, line)
		}
	}
	pw.Close()
	if res := <-done; !res.EOF || res.Messages != 3 {
		t.Errorf("Result = %+v", res)
	}
}

// TestCoalescerPaced: with --interval, each message goes out before the
// wait for the next, although the next is already in hand.
func TestCoalescerPaced(t *testing.T) {
	t.Parallel()
	_, url := startServer(t, echo())
	ws, _, _ := dialCoalesced(t, url)
	cancel := make(chan struct{})
	src := &Paced{Source: mustArgs(t, []string{"a", "b"}), Interval: time.Hour, Cancel: cancel}
	w := NewWriter(ws)
	done := make(chan Result, 1)
	go func() { done <- w.Run(src) }()
	if _, got, err := ws.ReadMessage(); err != nil || string(got) != "a" {
		t.Fatalf("echo = %q, %v; want %q during the interval", got, err, "a")
	}
	if !w.Stop() {
		t.Error("Stop() = false while the next message was in hand")
	}
	close(cancel)
	if res := <-done; res.Messages != 1 || res.Unsent != 1 {
		t.Errorf("Result = %+v, want 1 sent and 1 unsent", res)
	}
}

// TestCoalescerWriteFails: messages gathered but never written are counted
// as not sent.
func TestCoalescerWriteFails(t *testing.T) {
	t.Parallel()
	_, url := startServer(t, sink())
	ws, rc, _ := dialCoalesced(t, url)
	rc.Conn.Close() // the socket is gone; gorilla does not know yet
	w := NewWriter(ws)
	res := w.Run(mustArgs(t, []string{"a", "b", "c"}))
	if res.Write == nil || res.Messages != 0 || res.Unsent != 3 {
		t.Errorf("Result = %+v, want a write error and 3 unsent", res)
	}
	if n, b := w.Written(); n != 0 || b != 0 {
		t.Errorf("Written() = %d, %d; want nothing", n, b)
	}
	if err := ws.WriteMessage(websocket.TextMessage, []byte("d")); err == nil {
		t.Error("a write after a failed flush succeeded")
	}
}
