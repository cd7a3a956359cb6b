package outwatch

import (
	"bytes"
	"io"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// Watch on pipes and sockets whose reader goes away or stays, and on files
// it has nothing to watch on.

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// failsafe bounds every wait; the tests pass in far less.
const failsafe = 10 * time.Second

func skipUnsupported(t *testing.T) {
	t.Helper()
	if runtime.GOOS != "linux" && runtime.GOOS != "darwin" {
		t.Skipf("outwatch has no poll(2) to ask on %s", runtime.GOOS)
	}
}

// checkHangUp watches w, sees data written to it reach r untouched, closes
// r and waits for the watch to fire, logging how long that took.
func checkHangUp(t *testing.T, r io.ReadCloser, w *os.File) {
	t.Helper()
	stop := make(chan struct{})
	defer close(stop)
	gone := Watch(w, stop)
	if gone == nil {
		t.Fatal("Watch = nil; want a channel")
	}
	if _, err := w.Write([]byte("x")); err != nil {
		t.Fatal(err)
	}
	if b, err := io.ReadAll(io.LimitReader(r, 1)); err != nil || string(b) != "x" {
		t.Fatalf("the reader read %q, %v; want \"x\"", b, err)
	}
	select {
	case <-gone:
		t.Fatal("the watch fired while the reader was open")
	default:
	}
	closed := time.Now()
	r.Close()
	select {
	case <-gone:
		t.Logf("the hang-up was noticed %v after the reader closed", time.Since(closed))
	case <-time.After(failsafe):
		t.Fatalf("no hang-up noticed %v after the reader closed", failsafe)
	}
}

func TestHangUp(t *testing.T) {
	skipUnsupported(t)
	t.Run("os.Pipe", func(t *testing.T) {
		r, w, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		defer w.Close()
		checkHangUp(t, r, w)
		// os.Pipe's ends are non-blocking, in the runtime's poller; had
		// Watch gone through Fd, w would be blocking now and refuse
		// deadlines.
		if err := w.SetWriteDeadline(time.Now().Add(failsafe)); err != nil {
			t.Errorf("after Watch the pipe takes no deadline (%v): its mode was changed", err)
		}
	})
	t.Run("blocking pipe", func(t *testing.T) {
		// Fd makes w blocking, as a shell's pipe to stdout is.
		r, w, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		defer w.Close()
		w.Fd()
		checkHangUp(t, r, w)
	})
	t.Run("unix socket", func(t *testing.T) {
		ln, err := net.Listen("unix", filepath.Join(t.TempDir(), "s"))
		if err != nil {
			t.Skipf("no unix sockets: %v", err)
		}
		defer ln.Close()
		c, err := net.Dial("unix", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		peer, err := ln.Accept()
		if err != nil {
			t.Fatal(err)
		}
		defer peer.Close()
		w, err := c.(*net.UnixConn).File() // a descriptor of its own
		c.Close()
		if err != nil {
			t.Fatal(err)
		}
		defer w.Close()
		checkHangUp(t, peer, w)
	})
}

// TestStop: with the reader still open, closing stop ends the watch (goleak
// sees to it) and does not close the channel.
func TestStop(t *testing.T) {
	skipUnsupported(t)
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	stop := make(chan struct{})
	gone := Watch(w, stop)
	if gone == nil {
		t.Fatal("Watch = nil; want a channel")
	}
	waitPolling(t)
	stopped := time.Now()
	close(stop)
	// The reader stays open until the goroutine is seen gone: closing it
	// first would end the watch by a hang-up instead.
	goleak.VerifyNone(t)
	t.Logf("the watch ended within %v of stop", time.Since(stopped))
	select {
	case <-gone:
		t.Fatal("the channel closed on stop, with the reader still open")
	default:
	}
}

// waitPolling waits until the watch's goroutine is inside poll(2), so that
// stop closes under a poll and not before the first one.
func waitPolling(t *testing.T) {
	t.Helper()
	buf := make([]byte, 1<<20)
	for deadline := time.Now().Add(failsafe); !bytes.Contains(buf[:runtime.Stack(buf, true)], []byte("outwatch.pollOnce")); {
		if time.Now().After(deadline) {
			t.Fatalf("after %v the watch is not polling", failsafe)
		}
		time.Sleep(time.Millisecond)
	}
}

// TestNothingToWatch: no pipe or socket, no channel.
func TestNothingToWatch(t *testing.T) {
	regular, err := os.Create(filepath.Join(t.TempDir(), "out"))
	if err != nil {
		t.Fatal(err)
	}
	defer regular.Close()
	null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer null.Close()
	closed, _, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	closed.Close()
	stop := make(chan struct{})
	defer close(stop)
	for name, f := range map[string]*os.File{"a regular file": regular, os.DevNull: null, "a closed pipe": closed, "nil": nil} {
		if gone := Watch(f, stop); gone != nil {
			t.Errorf("Watch(%s) = %v; want nil", name, gone)
		}
	}
}
