package cmd

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wsx-cli/wsx/internal/exit"
	"github.com/wsx-cli/wsx/internal/wstest"
)

// Servers that misbehave: each test runs wsx in-process against a raw
// server (wstest.RawServer) that breaks the protocol in one way, and checks
// the exit status, the stderr line, that nothing sent was lost, and that the
// run ends within its bound: wsx's own flags bound it, the failsafe waits
// (waitExit, waitExitWithin) catch a hang.

// waitExitWithin is waitExit with a failsafe bound of its own, for runs that
// a flag must end well before waitExit would give up.
func waitExitWithin(t *testing.T, done <-chan int, d time.Duration) int {
	t.Helper()
	select {
	case code := <-done:
		return code
	case <-time.After(d):
		t.Fatalf("wsx did not exit within %v", d)
		return -1
	}
}

// A server that accepts TCP and never answers the upgrade: exit 3 once
// --connect-timeout passes (the 8s failsafe is under the 10s default, so
// the flag is what ended the run), with a line that says what happened.
func TestMisbehaveNoUpgradeAnswer(t *testing.T) {
	addr := silentServer(t)
	stdout, stderr, done := startWsx(&Env{Stdin: strings.NewReader("hi\n")}, "connect", "--connect-timeout", "1s", "ws://"+addr+"/")
	code := waitExitWithin(t, done, 8*time.Second)
	want := "wsx: error: no upgrade response from " + addr + " within 1s\n" +
		"wsx: hint: the server accepted TCP but did not answer the WebSocket upgrade; is it a WebSocket server?\n"
	if code != exit.Connect || stderr.String() != want || stdout.String() != "" {
		t.Errorf("exit %d, want 3; stdout %q; stderr:\n%s\nwant:\n%s", code, stdout, stderr, want)
	}
}

// A server that answers the upgrade with something other than a 101: an
// HTTP 200 page, or bytes that are not HTTP at all. Exit 4, with the status
// and body, or the start of the garbage.
func TestMisbehaveNotWebSocket(t *testing.T) {
	for _, c := range []struct {
		name   string
		answer string
		want   string
	}{{
		"http 200",
		"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 12\r\n\r\n<h1>hi</h1>\n",
		"wsx: error: upgrade refused: HTTP 200 OK\n  body: <h1>hi</h1>\nwsx: hint: the server may not speak WebSocket at this URL\n",
	}, {
		"ssh banner",
		"SSH-2.0-OpenSSH_9.6\r\n",
		"wsx: error: upgrade failed: malformed HTTP response \"SSH-2.0-OpenSSH_9.6\"\nwsx: hint: the server did not answer with HTTP; is it a WebSocket server?\n",
	}, {
		"binary garbage",
		"\x00\xff\x16\x03garbage\r\n",
		"wsx: error: upgrade failed: malformed HTTP response \"\\x00\\xff\\x16\\x03garbage\"\nwsx: hint: the server did not answer with HTTP; is it a WebSocket server?\n",
	}} {
		t.Run(c.name, func(t *testing.T) {
			srv := wstest.StartRawServer(t, func(rc *wstest.RawConn) {
				if _, err := rc.ReadRequest(); err != nil {
					return
				}
				io.WriteString(rc, c.answer)
				rc.Wait() // the server stays: wsx must not wait for more
			})
			stdout, stderr, done := startWsx(&Env{Stdin: strings.NewReader("hi\n")}, "connect", "--connect-timeout", "5s", srv.URL())
			code := waitExit(t, done)
			if code != exit.Upgrade || stderr.String() != c.want || stdout.String() != "" {
				t.Errorf("exit %d, want 4; stdout %q; stderr:\n%s\nwant:\n%s", code, stdout, stderr, c.want)
			}
		})
	}
}

// A 101 whose Sec-WebSocket-Accept is wrong is not an upgrade (RFC 6455
// §4.1: the client must fail the connection): exit 4, and the line must say
// what was wrong, not "upgrade refused: HTTP 101 Switching Protocols".
func TestMisbehaveBadAcceptKey(t *testing.T) {
	srv := wstest.StartRawServer(t, func(rc *wstest.RawConn) {
		if _, err := rc.ReadRequest(); err != nil {
			return
		}
		io.WriteString(rc, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: bm90IHRoZSBrZXk=\r\n\r\n")
		rc.Wait()
	})
	stdout, stderr, done := startWsx(&Env{Stdin: strings.NewReader("hi\n")}, "connect", "--connect-timeout", "5s", srv.URL())
	code := waitExit(t, done)
	re := regexp.MustCompile(`\Awsx: error: upgrade failed: HTTP 101 Switching Protocols but the Sec-WebSocket-Accept header is wrong or missing\n`)
	if code != exit.Upgrade || !re.MatchString(stderr.String()) || stdout.String() != "" {
		t.Errorf("exit %d, want 4; stdout %q; stderr:\n%s", code, stdout, stderr)
	}
}

// A server that closes the connection before its answer to the upgrade is
// whole: after part of the headers, before any byte, or with a reset. There
// was no answer, so this is "could not connect" (exit 3), like a server that
// never answers: exit 4 means the server answered, and said no.
func TestMisbehaveDropDuringUpgrade(t *testing.T) {
	for _, c := range []struct {
		name   string
		answer string
		reset  bool
	}{
		{"after part of the headers", "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n", false},
		{"before any byte", "", false},
		{"reset after the status line", "HTTP/1.1 101 Switching Protocols\r\n", true}, // seen as a reset or an EOF, as the kernel has it
	} {
		t.Run(c.name, func(t *testing.T) {
			srv := wstest.StartRawServer(t, func(rc *wstest.RawConn) {
				if _, err := rc.ReadRequest(); err != nil {
					return
				}
				io.WriteString(rc, c.answer)
				if c.reset {
					rc.Conn.(*net.TCPConn).SetLinger(0)
				}
				rc.Close()
			})
			stdout, stderr, done := startWsx(&Env{Stdin: strings.NewReader("hi\n")}, "connect", "--connect-timeout", "5s", srv.URL())
			code := waitExit(t, done)
			re := regexp.MustCompile(`\Awsx: error: connection to 127\.0\.0\.1:\d+ lost during the upgrade: (unexpected EOF|.*connection reset by peer)\n`)
			if code != exit.Connect || !re.MatchString(stderr.String()) || stdout.String() != "" {
				t.Errorf("exit %d, want 3; stdout %q; stderr:\n%s", code, stdout, stderr)
			}
		})
	}
}

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

// A server that floods faster than stdout drains. wsx must push back, not
// buffer: while nobody reads its stdout it stops reading the socket, TCP's
// window closes, and the server's writes block. The assertion is on the
// server's side and is not about time: the bytes the server gets written
// while stdout is blocked are bounded by the kernel's socket buffers (wsx's
// receive buffer is at most tcp_rmem's maximum; the server's send buffer is
// set to 64 KiB) plus what wsx holds: a message or two and its 64 KiB
// buffers, for which 8 MiB is room to spare. A wsx that buffered instead
// would take the whole flood, 8 MiB over that bound, and no write would
// ever block.
// The server's write deadline only decides when to look: a write that has
// not finished after 250ms is taken as blocked. A slow machine may make it
// look early, which can only understate what wsx takes, never fail a wsx
// that pushes back. Then stdout drains: every message arrives, in order,
// and the server's close ends the run with exit 0.
func TestMisbehaveFloodBackpressure(t *testing.T) {
	const msgSize = 256 << 10
	bound := socketBufferMax() + 8<<20
	n := (bound + 8<<20) / msgSize
	stalled := make(chan int64, 1) // bytes written when a write blocked; -1: none did
	resume := make(chan struct{})
	got := make(chan []wstest.RawFrame, 1)
	srv := wstest.StartRawServer(t, func(rc *wstest.RawConn) {
		if rc.Upgrade() != nil {
			return
		}
		rc.Conn.(*net.TCPConn).SetWriteBuffer(64 << 10)
		var written int64
		blocked := false
		for i := 0; i < n; i++ {
			b := append(wstest.FrameHeader(true, wstest.OpBinary, msgSize), floodMessage(i, msgSize)...)
			for len(b) > 0 {
				if !blocked {
					rc.SetWriteDeadline(time.Now().Add(250 * time.Millisecond))
				}
				k, err := rc.Write(b)
				written += int64(k)
				b = b[k:]
				switch {
				case errors.Is(err, os.ErrDeadlineExceeded) && !blocked:
					blocked = true
					stalled <- written
					select {
					case <-resume:
					case <-rc.Done():
						return
					}
					rc.SetWriteDeadline(time.Time{})
				case err != nil:
					return
				}
			}
		}
		if !blocked {
			stalled <- -1
		}
		rc.WriteFrame(true, wstest.OpClose, wstest.CloseBody(1000, "flood over"))
		frames, _ := rc.ReadUntilClose()
		got <- frames
		rc.Wait()
	})
	stdoutR, stdoutW := io.Pipe()
	t.Cleanup(func() { stdoutR.Close() }) // if the test fails early, wsx's writes fail and it ends
	env := &Env{Stdout: stdoutW}
	stderr := wstest.NewSyncBuffer()
	done := make(chan int, 1)
	go func() { // startWsx would give wsx a buffer: here stdout is the pipe nobody reads yet
		env.Stderr = stderr
		done <- Main([]string{"listen", srv.URL()}, env)
	}()
	w := wstest.Receive(t, stalled)
	close(resume)
	if w < 0 {
		t.Fatalf("the server wrote all %d MiB while stdout was blocked: wsx buffers instead of pushing back", n*msgSize>>20)
	}
	if w > int64(bound) {
		t.Errorf("the server wrote %d MiB while stdout was blocked, more than the %d MiB of socket buffers", w>>20, bound>>20)
	}
	checked := make(chan error, 1)
	go func() { checked <- checkFlood(stdoutR, n, msgSize) }()
	code := waitExit(t, done)
	stdoutW.Close()
	if err := <-checked; err != nil {
		t.Errorf("stdout: %v", err)
	}
	const line = `closed by server: 1000 (normal closure) "flood over"`
	if code != 0 || !hasLine(stderr.String(), line) {
		t.Errorf("exit %d, want 0; stderr:\n%s\nwant the line %s", code, stderr, line)
	}
	if frames := wstest.Receive(t, got); len(frames) != 1 || frames[0].CloseCode() != 1000 {
		t.Errorf("the server received %v, want the close echo 1000", frames)
	}
}

// socketBufferMax is the most a TCP receive buffer may grow to: tcp_rmem's
// maximum on Linux, 32 MiB where that cannot be read.
func socketBufferMax() int {
	data, err := os.ReadFile("/proc/sys/net/ipv4/tcp_rmem")
	if f := strings.Fields(string(data)); err == nil && len(f) == 3 {
		if n, err := strconv.Atoi(f[2]); err == nil {
			return n
		}
	}
	return 32 << 20
}

// floodMessage is message i of the flood: its number, then a letter.
func floodMessage(i, size int) []byte {
	b := bytes.Repeat([]byte{byte('a' + i%26)}, size)
	copy(b, fmt.Sprintf("%08d ", i))
	return b
}

// checkFlood reads stdout to its end and checks that it is the n flood
// messages, in order (binary, printed raw: back to back).
func checkFlood(r io.Reader, n, size int) error {
	buf := make([]byte, size)
	for i := 0; i < n; i++ {
		if _, err := io.ReadFull(r, buf); err != nil {
			return fmt.Errorf("message %d of %d: %v", i, n, err)
		}
		if want := floodMessage(i, size); !bytes.Equal(buf, want) {
			return fmt.Errorf("message %d: got %.20q, want %.20q", i, buf, want)
		}
	}
	if extra, _ := io.Copy(io.Discard, r); extra > 0 {
		return fmt.Errorf("%d bytes after the last message", extra)
	}
	return nil
}

// A server that reads nothing after the upgrade: wsx blocks in write(2) in
// the middle of a 16 MiB message (more than Linux's 4 MiB send buffer).
// Ctrl-C still ends the run, exit 130: the
// message cannot be finished, so after --close-timeout wsx gives it up and
// closes the connection, and the close line says that it was not sent
// (stdin was read, so this is a loss, as when the server closes). The server
// signals once it has read the first MiB, so wsx is certain to be inside
// the write; it never reads the rest.
func TestMisbehaveSlowReaderInterrupt(t *testing.T) {
	reading := make(chan struct{})
	srv := wstest.StartRawServer(t, func(rc *wstest.RawConn) {
		rc.Conn.(*net.TCPConn).SetReadBuffer(64 << 10) // the kernel must not take the whole message in
		if rc.Upgrade() != nil {
			return
		}
		if _, err := io.CopyN(io.Discard, rc, 1<<20); err != nil {
			return
		}
		close(reading)
		<-rc.Done()
	})
	sig := make(chan os.Signal, 1)
	input := strings.Repeat("x", 16<<20) + "\n"
	stdout, stderr, done := startWsx(&Env{Stdin: strings.NewReader(input), Signals: sig}, "connect", "--close-timeout", "1s", srv.URL())
	wstest.Receive(t, reading)
	sig <- os.Interrupt
	code := waitExitWithin(t, done, 10*time.Second)
	if code != exit.Interrupt || stdout.String() != "" {
		t.Fatalf("exit %d, want 130; stdout %q; stderr:\n%s", code, stdout, stderr)
	}
	const line = "closed by client: 1000 (normal closure); no close echo from server; 1 message not sent"
	if !hasLine(stderr.String(), line) {
		t.Errorf("stderr:\n%s\nwant the line %s", stderr, line)
	}
}

// hasLine reports whether text holds line as a whole line.
func hasLine(text, line string) bool {
	return strings.Contains("\n"+text, "\n"+line+"\n")
}
