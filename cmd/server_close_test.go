// The server ends the session: a close frame that breaks the protocol, a dropped connection, a close while input is unsent.

package cmd

import (
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/wsx-cli/wsx/internal/exit"
	"github.com/wsx-cli/wsx/internal/wstest"
)

// A close frame whose payload is over 125 bytes breaks the protocol twice: a
// control frame carries at most 125, so its reason is over 123. wsx reports
// the code, the reason and the violation, answers with 1002 (protocol
// error), and exits 5.
func TestMisbehaveCloseReasonTooLong(t *testing.T) {
	reason := strings.Repeat("r", 198)
	got := make(chan []wstest.RawFrame, 1)
	srv := wstest.StartRawServer(t, func(rc *wstest.RawConn) {
		if rc.Upgrade() != nil {
			return
		}
		rc.WriteFrame(true, wstest.OpClose, wstest.CloseBody(4000, reason)) // one write: the whole frame arrives at once
		frames, _ := rc.ReadUntilClose()
		got <- frames
	})
	stdout, stderr, done := startWsx(&Env{}, "listen", "--timeout", "10s", srv.URL())
	code := waitExit(t, done)
	line := `closed by server: 4000 (private use) "` + reason + `": protocol violation: the close reason is 198 bytes; at most 123 fit`
	if code != exit.Closed || !hasLine(stderr.String(), line) || stdout.String() != "" {
		t.Errorf("exit %d, want 5; stdout %q; stderr:\n%s\nwant the line %s", code, stdout, stderr, line)
	}
	frames := wstest.Receive(t, got)
	if len(frames) != 1 || frames[0].CloseCode() != 1002 {
		t.Errorf("the server received %v, want one close frame with 1002", frames)
	}
}

// A server that drops TCP in the middle of a message: in a frame, between
// the frames of a fragmented message, or in a message big enough to be
// streamed to stdout. The messages before it are printed whole; everything
// wsx sent arrived; the drop is 1006, exit 5.
func TestMisbehaveDropMidMessage(t *testing.T) {
	big := strings.Repeat("b", 2<<20)
	for _, c := range []struct {
		name string
		cut  []byte // what the server sends before it drops
	}{
		{"in a frame", append(wstest.FrameHeader(true, wstest.OpText, 1000), strings.Repeat("x", 100)...)},
		{"between fragments", append(wstest.FrameHeader(false, wstest.OpText, 100), strings.Repeat("x", 100)...)},
		{"in a streamed message", append(wstest.FrameHeader(true, wstest.OpText, len(big)), big[:len(big)*3/4]...)}, // over 1 MiB: printed as it arrives
	} {
		t.Run(c.name, func(t *testing.T) {
			got := make(chan []wstest.RawFrame, 1)
			srv := wstest.StartRawServer(t, func(rc *wstest.RawConn) {
				if rc.Upgrade() != nil {
					return
				}
				var frames []wstest.RawFrame
				for len(frames) < 2 { // a and b, then the server misbehaves
					f, err := rc.ReadFrame()
					if err != nil {
						break
					}
					frames = append(frames, f)
				}
				got <- frames
				rc.WriteFrame(true, wstest.OpText, []byte("one"))
				rc.Write(c.cut)
				rc.Close()
			})
			stdout, stderr, done := startWsx(&Env{Stdin: strings.NewReader("a\nb\n")}, "connect", "--wait", "10s", srv.URL())
			code := waitExit(t, done)
			const line = "connection dropped: 1006 (abnormal closure), no close frame"
			if code != exit.Closed || !hasLine(stderr.String(), line) {
				t.Errorf("exit %d, want 5; stderr:\n%s\nwant the line %s", code, stderr, line)
			}
			if !strings.HasPrefix(stdout.String(), "one\n") {
				t.Errorf("stdout %.100q, want it to start with \"one\\n\"", stdout)
			}
			if frames := wstest.Receive(t, got); !wstest.SameFrames(frames, []wstest.RawFrame{{Fin: true, Op: wstest.OpText, Payload: []byte("a")}, {Fin: true, Op: wstest.OpText, Payload: []byte("b")}}) {
				t.Errorf("the server received %v, want a and b", frames)
			}
		})
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
