// A stdout that stops reading: closed early (| head -1), wsx ends cleanly; blocked, it pushes back on the server.

package cmd

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/wsx-cli/wsx/internal/wstest"
	"github.com/wsx-cli/wsx/serve"
)

// headStdout is stdout after `| head -1`: the first write goes through, then
// the reader is gone and every later write fails with EPIPE, as a pipe's
// does.
type headStdout struct {
	mu     sync.Mutex
	first  []byte
	closed bool
}

func (h *headStdout) Write(p []byte) (int, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return 0, &os.PathError{Op: "write", Path: "/dev/stdout", Err: syscall.EPIPE}
	}
	h.first, h.closed = append([]byte(nil), p...), true
	return len(p), nil
}

func (h *headStdout) String() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return string(h.first)
}

// stdout closed early (`wsx listen URL | head -1`): wsx stops, closes the
// socket with a close frame (1000) and exits 0 without an error line. This
// is what internal/session/finish.go means by "a normal end". In-process, stdout returns
// EPIPE as a pipe with no reader does.
func TestStdoutClosedEarly(t *testing.T) {
	flood, closes := startFloodServer(t)
	srv, echo, _ := startServer(t, serve.Options{})
	var noLine []string
	for _, c := range []struct {
		name  string
		stdin *endlessInput
		args  []string
	}{
		{"listen", nil, []string{"listen", flood}},
		{"connect", &endlessInput{width: 1024}, []string{"connect", echo}},
		{"send", &endlessInput{width: 1024}, []string{"send", echo}},
	} {
		out := &headStdout{}
		env := &Env{Stdout: out, Stderr: wstest.NewSyncBuffer(), Stdin: strings.NewReader("")}
		if c.stdin != nil {
			env.Stdin = c.stdin
		}
		stderr := env.Stderr.(*wstest.SyncBuffer)
		done := make(chan int, 1)
		go func() { done <- Main(c.args, env) }()
		if code := waitExit(t, done); code != 0 {
			t.Errorf("%s: exit %d, want 0; stderr:\n%s", c.name, code, stderr)
		}
		if c.name == "listen" {
			if code := floodClose(t, closes); code != 1000 {
				t.Errorf("%s: the server saw close code %d, want 1000", c.name, code)
			}
		} else if st := nextConnStats(t, srv); st.ClosedBy != "client" || st.CloseCode != 1000 || !st.InOrder {
			t.Errorf("%s: the server saw %+v, want a close 1000 by the client", c.name, st)
		}
		if first := strings.TrimLeft(out.String(), "0"); !strings.HasPrefix(first, "1\n") {
			t.Errorf("%s: first write %.40q, want the first message", c.name, out)
		}
		if strings.Contains(stderr.String(), "wsx: error") {
			t.Errorf("%s: stderr:\n%s", c.name, stderr)
		}
		if !cleanCloseLine.MatchString(stderr.String()) {
			noLine = append(noLine, c.name+":\n"+stderr.String())
		}
	}
	if noLine != nil && !t.Failed() {
		t.Errorf("the close wsx made is not reported on stderr (README: whoever closes, one stderr line):\n%s", strings.Join(noLine, "\n"))
	}
}

// The real process behind `| head -1`: a Go program that writes to a closed
// pipe on stdout is killed by SIGPIPE unless it asks for the signal, so it
// never gets the EPIPE that TestStdoutClosedEarly shows it handles. Right:
// exit 0 and a close frame, as in-process.
func TestStdoutClosedEarlyProcess(t *testing.T) {
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("needs sh")
	}
	flood, closes := startFloodServer(t)
	srv, echo, _ := startServer(t, serve.Options{})
	line := strings.Repeat("y", 1024) + "\n" // long lines: a short backlog to echo before the close
	var bugs []string
	for _, c := range []struct{ name, script, url string }{
		{"listen", `{ wsx listen "$0"; echo "wsx exit $?" >&2; } | head -1`, flood},
		{"connect", `{ yes "$1" | wsx connect "$0"; echo "wsx exit $?" >&2; } | head -1`, echo},
	} {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		var stdout, stderr bytes.Buffer
		cmd := exec.CommandContext(ctx, "sh", "-c", c.script, c.url, line[:len(line)-1])
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		cancel()
		if err != nil {
			t.Fatalf("%s: %v (the run is bounded by 20s); stderr:\n%s", c.name, err, stderr.String())
		}
		if want := map[string]string{"listen": "1\n", "connect": line}[c.name]; stdout.String() != want {
			t.Errorf("%s: stdout %.40q, want the first message", c.name, stdout.String())
		}
		code := 1006
		if c.name == "listen" {
			code = floodClose(t, closes)
		} else if st := nextConnStats(t, srv); st.ClosedBy == "client" {
			code = st.CloseCode
		}
		if code != 1000 || !strings.Contains(stderr.String(), "wsx exit 0\n") {
			bugs = append(bugs, fmt.Sprintf("%s: the server saw close code %d; stderr:\n%s", c.name, code, stderr.String()))
			continue
		}
		if !cleanCloseLine.MatchString(stderr.String()) || strings.Contains(stderr.String(), "wsx: error") {
			t.Errorf("%s: stderr:\n%s", c.name, stderr.String())
		}
	}
	if bugs != nil && !t.Failed() {
		t.Errorf("stdout closed early must not kill wsx by SIGPIPE (exit 141) without a close frame:\n%s", strings.Join(bugs, "\n"))
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
