package send

import (
	"bytes"
	"encoding/binary"
	"io"
	"net"
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

// countConn counts and keeps the writes that reach it.
type countConn struct {
	net.Conn
	writes    [][]byte
	deadlines []time.Time // write deadlines set, by either method
}

func (c *countConn) SetWriteDeadline(t time.Time) error {
	c.deadlines = append(c.deadlines, t)
	return nil
}

func (c *countConn) SetDeadline(t time.Time) error { return c.SetWriteDeadline(t) }

// TestCoalescerDeadlines: gorilla sets a write deadline before every frame;
// only a change reaches the connection.
func TestCoalescerDeadlines(t *testing.T) {
	t.Parallel()
	cc := &countConn{}
	co := NewCoalescer(cc)
	later := time.Now().Add(time.Hour)
	for _, d := range []time.Time{{}, {}, {}, later, later, {}} {
		co.SetWriteDeadline(d)
	}
	co.SetDeadline(later) // the handshake's: the next zero is a change
	co.SetWriteDeadline(time.Time{})
	want := []time.Time{{}, later, {}, later, {}}
	if len(cc.deadlines) != len(want) {
		t.Fatalf("deadlines set %v, want %v", cc.deadlines, want)
	}
	for i := range want {
		if !cc.deadlines[i].Equal(want[i]) {
			t.Errorf("deadline %d = %v, want %v", i, cc.deadlines[i], want[i])
		}
	}
}

func (c *countConn) Write(b []byte) (int, error) {
	c.writes = append(c.writes, bytes.Clone(b))
	return len(b), nil
}

// TestCoalescerBigWrite: a frame bigger than the buffer is not copied: it
// goes out in the same write, after what was gathered.
func TestCoalescerBigWrite(t *testing.T) {
	t.Parallel()
	cc := &countConn{}
	co := NewCoalescer(cc)
	if _, err := co.Write([]byte("before the upgrade")); err != nil || len(cc.writes) != 1 {
		t.Fatalf("a write before Start was not passed through: %v", err)
	}
	co.Start()
	small := clientFrame(opText, []byte("hi"))
	big := clientFrame(opBinary, make([]byte, coalesceSize))
	for _, f := range [][]byte{small, big} {
		if _, err := co.Write(f); err != nil {
			t.Fatal(err)
		}
	}
	if len(cc.writes) != 3 || !bytes.Equal(cc.writes[1], small) || !bytes.Equal(cc.writes[2], big) {
		t.Errorf("%d writes, want the small frame flushed, then the big one alone", len(cc.writes))
	}
	if co.Buffered() != 0 {
		t.Errorf("Buffered() = %d after a big write", co.Buffered())
	}
}

// clientFrame builds a masked frame with FIN set (mask key zero).
func clientFrame(op byte, payload []byte) []byte {
	b := []byte{0x80 | op}
	switch n := len(payload); {
	case n < 126:
		b = append(b, 0x80|byte(n))
	case n <= 0xffff:
		b = append(b, 0x80|126)
		b = binary.BigEndian.AppendUint16(b, uint16(n))
	default:
		b = append(b, 0x80|127)
		b = binary.BigEndian.AppendUint64(b, uint64(n))
	}
	b = append(b, 0, 0, 0, 0)
	return append(b, payload...)
}

// stream is frames of every header size, with control frames among them.
func stream() (b []byte, controlEnds []int) {
	for _, f := range []struct {
		op   byte
		size int
	}{{opText, 5}, {opPing, 0}, {opBinary, 126}, {opText, 0}, {opPing, 125}, {opBinary, 70000}, {opClose, 2}, {opText, 1}} {
		b = append(b, clientFrame(f.op, bytes.Repeat([]byte{'x'}, f.size))...)
		if f.op >= 8 {
			controlEnds = append(controlEnds, len(b)-1)
		}
	}
	return b, controlEnds
}

// TestFrameScanner: the end of each control frame is found whatever the
// chunks the stream is written in.
func TestFrameScanner(t *testing.T) {
	t.Parallel()
	b, ends := stream()
	var s frameScanner
	var got []int
	for i := range b {
		if s.scan(b[i : i+1]) {
			got = append(got, i)
		}
	}
	if !equalInts(got, ends) {
		t.Errorf("byte by byte: control frames end at %v, want %v", got, ends)
	}
	for _, size := range []int{2, 3, 7, 100, 4096, len(b)} {
		var s frameScanner
		n := 0
		for i := 0; i < len(b); i += size {
			if s.scan(b[i:min(i+size, len(b))]) {
				n++
			}
		}
		// each control frame lies in a different chunk at these sizes,
		// except when a chunk is big enough to hold several
		if size < 126 && n != len(ends) {
			t.Errorf("chunks of %d: %d chunks end a control frame, want %d", size, n, len(ends))
		}
		if size == len(b) && n != 1 {
			t.Errorf("one chunk: scan reported %d, want 1", n)
		}
		if s.n != 0 || s.left != 0 {
			t.Errorf("chunks of %d: the scanner ended inside a frame (%d, %d)", size, s.n, s.left)
		}
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// FuzzFrameScanner: whatever the bytes, scanning them in one piece or in
// two reports the same, and the scanner never panics.
func FuzzFrameScanner(f *testing.F) {
	b, _ := stream()
	f.Add(b[:200], 7)
	f.Add([]byte{0x89, 0x80, 0, 0, 0, 0, 0x81, 0xfe, 0, 1}, 3)
	f.Add([]byte{0x82, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, 1)
	f.Fuzz(func(t *testing.T, b []byte, cut int) {
		if cut < 0 || cut > len(b) {
			cut = len(b) / 2
		}
		var whole, parts frameScanner
		one := whole.scan(b)
		a := parts.scan(b[:cut])
		c := parts.scan(b[cut:])
		if whole != parts {
			t.Fatalf("state after one piece %+v, after two %+v", whole, parts)
		}
		if one != (a || c) {
			t.Fatalf("one piece: %v; two: %v, %v", one, a, c)
		}
	})
}
