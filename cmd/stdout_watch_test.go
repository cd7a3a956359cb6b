package cmd

// stdout's reader going away (| head) ends the session at once, even when
// nothing more arrives to write, and then what arrives no longer extends the
// wait for the close echo.

import (
	"bytes"
	"context"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wsx-cli/wsx/internal/wstest"
	"github.com/wsx-cli/wsx/serve"
)

// hangUp plays the stdout watch: its channel closes when hang is called.
type hangUp struct {
	once sync.Once
	ch   chan struct{}
}

func newHangUp() *hangUp { return &hangUp{ch: make(chan struct{})} }

func (h *hangUp) watch(<-chan struct{}) <-chan struct{} { return h.ch }
func (h *hangUp) hang()                                 { h.once.Do(func() { close(h.ch) }) }

// TestStdoutHangUpWhileQuiet: `wsx listen URL | head -2` against a server
// that sends two messages and then goes quiet: head exits after the second,
// and wsx closes with 1000 and exits 0, with no write to notice it by.
func TestStdoutHangUpWhileQuiet(t *testing.T) {
	srv, url, _ := startServer(t, serve.Options{Greet: []serve.Message{{Data: []byte("one")}, {Data: []byte("two")}}})
	h := newHangUp()
	stdout, stderr, done := startWsx(&Env{WatchStdout: h.watch}, "listen", url)
	stdout.Wait(t, "one\ntwo\n")
	h.hang()
	if code := waitExit(t, done); code != 0 {
		t.Fatalf("exit %d, want 0; stderr:\n%s", code, stderr.String())
	}
	if !cleanCloseLine.MatchString(stderr.String()) {
		t.Errorf("stderr:\n%s\nwant a clean close by wsx", stderr.String())
	}
	if st := nextConnStats(t, srv); st.ClosedBy != "client" || st.CloseCode != 1000 {
		t.Errorf("the server saw %+v, want a close by the client with 1000", st)
	}
}

// TestStdoutHangUpFeed: `wsx listen URL | head -1` against a server that
// streams and never echoes the close ends after one --close-timeout: the
// ticks that keep coming no longer extend the wait (which, while stdout is
// read, may last ten times --close-timeout).
func TestStdoutHangUpFeed(t *testing.T) {
	_, url, _ := startServer(t, serve.Options{StreamEvery: 10 * time.Millisecond, NoCloseEcho: true})
	h := newHangUp()
	// 2s: ten times that would outlast waitExit's 15 s bound
	stdout, stderr, done := startWsx(&Env{WatchStdout: h.watch}, "listen", "--close-timeout", "2s", url)
	stdout.Wait(t, "tick 1\n")
	h.hang()
	if code := waitExit(t, done); code != 0 {
		t.Fatalf("exit %d, want 0; stderr:\n%s", code, stderr.String())
	}
	if !strings.Contains(stderr.String(), "closed by client: 1000 (normal closure); no close echo from server") {
		t.Errorf("stderr:\n%s\nwant the missing echo reported", stderr.String())
	}
}

// TestStdoutHangUpProcess: the same as a real pipeline, `wsx listen URL |
// head -2`, with the real watch on the pipe: wsx exits 0 after head, with a
// clean close, though the server sends nothing more.
func TestStdoutHangUpProcess(t *testing.T) {
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("needs sh")
	}
	if runtime.GOOS != "linux" && runtime.GOOS != "darwin" {
		t.Skip("the pipe is watched on Linux and macOS only")
	}
	srv, url, _ := startServer(t, serve.Options{Greet: []serve.Message{{Data: []byte("one")}, {Data: []byte("two")}}})
	ctx, cancel := context.WithTimeout(context.Background(), wstest.Failsafe)
	defer cancel()
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, "sh", "-c", `{ wsx listen "$0"; echo "wsx exit $?" >&2; } | head -2`, url)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%v (bounded by %v); stderr:\n%s", err, wstest.Failsafe, stderr.String())
	}
	if stdout.String() != "one\ntwo\n" || !strings.Contains(stderr.String(), "wsx exit 0\n") || !cleanCloseLine.MatchString(stderr.String()) {
		t.Errorf("stdout %q, stderr:\n%s\nwant both messages, a clean close and exit 0", stdout.String(), stderr.String())
	}
	if st := nextConnStats(t, srv); st.ClosedBy != "client" || st.CloseCode != 1000 {
		t.Errorf("the server saw %+v, want a close by the client with 1000", st)
	}
}
