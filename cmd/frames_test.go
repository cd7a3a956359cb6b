// Incoming frames: fragments with pings between them, a ping inside a streamed message, messages over 1 MiB or --max-size.

package cmd

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/wsx-cli/wsx/internal/exit"
	"github.com/wsx-cli/wsx/internal/wstest"
	"github.com/wsx-cli/wsx/serve"
)

// A fragmented message with pings between its fragments arrives whole, each
// ping is answered with its pong, in order, and the session ends cleanly.
func TestMisbehaveFragmentsWithPings(t *testing.T) {
	got := make(chan []wstest.RawFrame, 1)
	srv := wstest.StartRawServer(t, func(rc *wstest.RawConn) {
		if rc.Upgrade() != nil {
			return
		}
		var frames []wstest.RawFrame
		for len(frames) < 2 { // wsx's input first, so all of it is sent before --count ends the run
			f, err := rc.ReadFrame()
			if err != nil {
				got <- frames
				return
			}
			frames = append(frames, f)
		}
		rc.WriteFrame(false, wstest.OpText, []byte("hel"))
		rc.WriteFrame(true, wstest.OpPing, []byte("p1"))
		rc.WriteFrame(false, wstest.OpCont, []byte("lo "))
		rc.WriteFrame(true, wstest.OpPing, []byte("p2"))
		rc.WriteFrame(true, wstest.OpPing, []byte("p3"))
		rc.WriteFrame(true, wstest.OpCont, []byte("world"))
		rest, _ := rc.ReadUntilClose()
		frames = append(frames, rest...)
		if n := len(frames); n > 0 && frames[n-1].Op == wstest.OpClose {
			rc.WriteFrame(true, wstest.OpClose, frames[n-1].Payload)
		}
		got <- frames
		rc.Wait()
	})
	stdout, stderr, done := startWsx(&Env{Stdin: strings.NewReader("a\nb\n")}, "connect", "-v", "--count", "1", "--timeout", "10s", srv.URL())
	code := waitExit(t, done)
	if code != 0 || stdout.String() != "hello world\n" {
		t.Errorf("exit %d, stdout %q, want 0 and \"hello world\\n\"; stderr:\n%s", code, stdout, stderr)
	}
	for _, line := range []string{`< ping "p1"`, `> pong "p1"`, `< ping "p2"`, `> pong "p2"`, `< ping "p3"`, `> pong "p3"`,
		"closed by client: 1000 (normal closure); server echoed 1000"} {
		if !hasLine(stderr.String(), line) {
			t.Errorf("no line %s in stderr:\n%s", line, stderr)
		}
	}
	want := []wstest.RawFrame{
		{Fin: true, Op: wstest.OpText, Payload: []byte("a")}, {Fin: true, Op: wstest.OpText, Payload: []byte("b")},
		{Fin: true, Op: wstest.OpPong, Payload: []byte("p1")}, {Fin: true, Op: wstest.OpPong, Payload: []byte("p2")}, {Fin: true, Op: wstest.OpPong, Payload: []byte("p3")},
		{Fin: true, Op: wstest.OpClose, Payload: wstest.CloseBody(1000, "")},
	}
	if frames := wstest.Receive(t, got); !wstest.SameFrames(frames, want) {
		t.Errorf("the server received %v, want %v", frames, want)
	}
}

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

// A message over --max-size: exit 5 with the limit named, and wsx closes
// with 1009 (message too big); the message before it is printed.
func TestMisbehaveMaxSizeSends1009(t *testing.T) {
	got := make(chan []wstest.RawFrame, 1)
	srv := wstest.StartRawServer(t, func(rc *wstest.RawConn) {
		if rc.Upgrade() != nil {
			return
		}
		rc.WriteFrame(true, wstest.OpText, []byte("ok"))
		rc.WriteFrame(true, wstest.OpText, []byte("0123456789abcdef"))
		frames, _ := rc.ReadUntilClose()
		got <- frames
		if len(frames) > 0 {
			rc.WriteFrame(true, wstest.OpClose, frames[len(frames)-1].Payload)
		}
		rc.Wait()
	})
	stdout, stderr, done := startWsx(&Env{}, "listen", "--max-size", "10", "--timeout", "10s", srv.URL())
	code := waitExit(t, done)
	const line = "wsx: error: a message was larger than --max-size 10 bytes; closed with 1009 (message too big)"
	if code != exit.Closed || !hasLine(stderr.String(), line) || stdout.String() != "ok\n" {
		t.Errorf("exit %d, want 5; stdout %q; stderr:\n%s\nwant the line %s", code, stdout, stderr, line)
	}
	if frames := wstest.Receive(t, got); len(frames) != 1 || frames[0].CloseCode() != 1009 {
		t.Errorf("the server received %v, want one close frame with 1009", frames)
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
