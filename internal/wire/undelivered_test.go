package wire

import (
	"io"
	"net"
	"runtime"
	"testing"
	"time"

	"github.com/wsx-cli/wsx/internal/wstest"
)

// TestUndelivered: against a peer that does not read, what the kernel still
// holds is counted, in bytes and in messages, and the count falls to 0 once
// the peer reads everything.
func TestUndelivered(t *testing.T) {
	if runtime.GOOS != "linux" && runtime.GOOS != "darwin" {
		t.Skip("the kernel's send queue is read on Linux and macOS only")
	}
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	client, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	server, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer server.Close()

	co := NewCoalescer(client)
	co.Start()
	if u := co.Undelivered(); u.Bytes != 0 || u.Messages != 0 || !u.Known {
		t.Fatalf("before any write: %+v, want nothing undelivered, known", u)
	}
	msg := clientFrame(1, make([]byte, 1000)) // 1006 bytes a message
	const messages = 16 << 10                 // 16 MiB: more than the kernel buffers hold
	wrote := make(chan error, 1)
	go func() {
		co.SetWriteDeadline(time.Now().Add(wstest.Failsafe))
		for range messages {
			if _, err := co.Write(msg); err != nil {
				wrote <- err
				return
			}
		}
		wrote <- co.Flush()
	}()
	// The writer blocks once the buffers are full; the count says what waits.
	var u Undelivered
	for deadline := time.Now().Add(wstest.Failsafe); ; {
		if u = co.Undelivered(); u.Bytes > 1<<20 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the peer reads nothing, yet only %+v is undelivered", u)
		}
		runtime.Gosched()
	}
	// a blocked write's bytes may count twice, up to one buffer's worth
	slack := coalesceSize/len(msg) + 1
	if want := int(u.Bytes) / len(msg); u.Messages < want-slack || u.Messages > want+1 {
		t.Errorf("%+v: %d bytes undelivered hold %d messages (less up to %d)", u, u.Bytes, want, slack)
	}
	if _, err := io.CopyN(io.Discard, server, int64(messages*len(msg))); err != nil {
		t.Fatal(err)
	}
	if err := <-wrote; err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(wstest.Failsafe); ; runtime.Gosched() {
		if u = co.Undelivered(); u.Bytes == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the peer read everything, yet %+v is undelivered", u)
		}
	}
	if u.Messages != 0 || u.AtLeast {
		t.Errorf("all delivered: %+v, want no message", u)
	}
}

// TestUndeliveredMessageEnds: a message counts until its last frame is
// delivered; control frames are no messages.
func TestUndeliveredMessageEnds(t *testing.T) {
	t.Parallel()
	var c Coalescer
	c.Start()
	first := clientFrame(1, []byte("a"))
	first[0] &^= 0x80 // a fragment
	for _, f := range [][]byte{clientFrame(1, []byte("one")), first, clientFrame(9, nil), clientFrame(0, []byte("b")), clientFrame(2, []byte("two"))} {
		c.frames.scan(f)
	}
	if len(c.ends) != 0 {
		t.Fatalf("message ends %v published before their bytes were written", c.ends)
	}
	c.publish()
	want := []int64{9, 9 + 7 + 6 + 7, 9 + 7 + 6 + 7 + 9}
	if len(c.ends) != len(want) {
		t.Fatalf("message ends %v, want %v", c.ends, want)
	}
	for i := range want {
		if c.ends[i] != want[i] {
			t.Fatalf("message ends %v, want %v", c.ends, want)
		}
	}
}
