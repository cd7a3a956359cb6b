package send

import (
	"io"
	"strings"
	"testing"
	"time"
)

// TestWriterHeldAfterStop: a writer stopped while it waits for input keeps
// the line that comes next (it read it and did not write it), for another
// connection to send; the lines after it stay in the source.
func TestWriterHeldAfterStop(t *testing.T) {
	t.Parallel()
	_, url := startServer(t, sink())
	ws, _ := dial(t, url)
	pr, pw := io.Pipe()
	defer pr.Close()
	lines := NewLines(pr, false)
	src := nextSignal{lines, make(chan struct{})}
	w := NewWriter(ws)
	done := make(chan Result, 1)
	go func() { done <- w.Run(src) }()
	recv(t, src.calls, "the first Next")
	if w.Stop() {
		t.Fatal("Stop() = true while the writer waits for input")
	}
	if _, err := pw.Write([]byte("2\n3\n")); err != nil {
		t.Fatal(err)
	}
	var res Result
	select {
	case res = <-done:
	case <-time.After(failsafe):
		t.Fatal("Run did not return after Stop")
	}
	pw.Close()
	if res.Held == nil || string(res.Held.Data) != "2" || res.Messages != 0 {
		t.Fatalf("Result = %+v, want \"2\" held and nothing written", res)
	}
	if m, err := lines.Next(); err != nil || string(m.Data) != "3" {
		t.Errorf("the source's next line is %q, %v; want \"3\"", m.Data, err)
	}
}

// TestWriterHeldAfterWriteError: the message whose write failed is held.
func TestWriterHeldAfterWriteError(t *testing.T) {
	t.Parallel()
	_, url := startServer(t, sink())
	ws, _ := dial(t, url)
	ws.NetConn().Close()
	res := NewWriter(ws).Run(NewLines(strings.NewReader("a\nb\n"), false))
	if res.Write == nil || res.Held == nil || string(res.Held.Data) != "a" {
		t.Errorf("Result = %+v, want a write error with \"a\" held", res)
	}
	ok := NewWriter(ws)
	if res := ok.Run(NewLines(strings.NewReader(""), false)); res.Held != nil {
		t.Errorf("a clean end holds %+v", res.Held)
	}
}
