package listen

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/wsx-cli/wsx/internal/wire"
	"github.com/wsx-cli/wsx/internal/wstest"

	"github.com/gorilla/websocket"

	"github.com/wsx-cli/wsx/format"
	"github.com/wsx-cli/wsx/serve"
)

// pipeStdout is a printer whose stdout is a pipe, as with `wsx listen | jq`:
// the printer batches messages (format.Printer.Queue). The test reads the
// other end.
func pipeStdout(t *testing.T, mode format.Mode) (*format.Printer, *os.File, *os.File) {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close(); w.Close() })
	return format.New(w, io.Discard, format.Options{Mode: mode}), r, w
}

// readLines reads from r until it has n lines; the deadline is only a
// failure guard.
func readLines(t *testing.T, r *os.File, n int) string {
	t.Helper()
	r.SetReadDeadline(time.Now().Add(wstest.Failsafe))
	var got []byte
	buf := make([]byte, 64<<10)
	for bytes.Count(got, []byte("\n")) < n {
		k, err := r.Read(buf)
		got = append(got, buf[:k]...)
		if err != nil {
			t.Fatalf("after %q: %v (the lines were not flushed before the reader waited)", got, err)
		}
	}
	return string(got)
}

// TestReaderFlushesBeforeWaiting has the server send messages, then
// nothing: every message must reach stdout while the reader waits for the
// next frame, though the printer batches writes to a pipe.
func TestReaderFlushesBeforeWaiting(t *testing.T) {
	t.Parallel()
	for _, n := range []int{1, 2, 3000} {
		t.Run(strconv.Itoa(n), func(t *testing.T) {
			t.Parallel()
			var greet []serve.Message
			var want strings.Builder
			for i := range n {
				greet = append(greet, text(strconv.Itoa(i)))
				want.WriteString(strconv.Itoa(i) + "\n")
			}
			_, url := startServer(t, serve.Options{Greet: greet, CloseAfter: -1, DropAfter: -1})
			ws, tap := dialTap(t, url)
			p, stdout, _ := pipeStdout(t, format.Raw)
			r := NewReader(ws, tap, p, Options{})
			done := make(chan Result, 1)
			go func() { done <- r.Run() }()

			if got := readLines(t, stdout, n); got != want.String() {
				t.Errorf("stdout = %.60q..., want %d lines in order", got, n)
			}
			select {
			case res := <-done:
				t.Fatalf("Run ended (%+v): the server holds the connection open", res)
			default: // still waiting for a frame, its output all out
			}
			if err := ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(1000, ""), time.Now().Add(wstest.Failsafe)); err != nil {
				t.Fatal(err)
			}
			select {
			case res := <-done:
				if res.Messages != n || res.Output != nil {
					t.Errorf("Messages = %d, Output = %v; want %d, nil", res.Messages, res.Output, n)
				}
			case <-time.After(wstest.Failsafe):
				t.Fatal("Run did not end after the close handshake")
			}
		})
	}
}

// TestReaderFlushesWhenItEnds checks that messages held in the batch are
// written before Run returns, whatever ends it, so that they come before
// anything the caller prints next (the close line, an error). The frames
// come in one read, so the messages are batched.
func TestReaderFlushesWhenItEnds(t *testing.T) {
	t.Parallel()
	ab := wstest.Cat(wstest.Frame(wstest.OpText, []byte("a"), wstest.LenAuto, nil), wstest.Frame(wstest.OpText, []byte("b"), wstest.LenAuto, nil))
	cases := []struct {
		name   string
		frames []byte
		hangUp bool
		check  func(Result) bool
	}{
		{"server close", wstest.Cat(ab, wstest.CloseFrame(1000, "")), false, func(res Result) bool { return res.Frame != nil }},
		{"invalid text", wstest.Cat(ab, wstest.Frame(wstest.OpText, []byte("\xff"), wstest.LenAuto, nil)), false, func(res Result) bool { return res.Invalid != nil }},
		{"too big", wstest.Cat(ab, wstest.Frame(wstest.OpText, bytes.Repeat([]byte("x"), 200), wstest.LenAuto, nil)), false, func(res Result) bool { return res.TooBig }},
		{"bad frame", wstest.Cat(ab, []byte{0x83, 0}), false, func(res Result) bool { return res.Err != nil && res.Frame == nil }},
		{"drop", ab, true, func(res Result) bool { return res.Frame == nil && res.Err != nil }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ws, tap := dialScript(t, tc.frames, tc.hangUp)
			ws.SetReadLimit(100)
			p, stdout, w := pipeStdout(t, format.Raw)
			res := NewReader(ws, tap, p, Options{}).Run()
			if !tc.check(res) || res.Output != nil {
				t.Fatalf("Result = %+v", res)
			}
			w.Close()
			got, err := io.ReadAll(stdout)
			if err != nil || string(got) != "a\nb\n" {
				t.Errorf("stdout = %q (%v), want %q when Run returns", got, err, "a\nb\n")
			}
		})
	}
}

// TestReaderBrokenPipe checks that a failed flush stops the reader at once,
// with the write error, rather than leaving it waiting for a frame.
func TestReaderBrokenPipe(t *testing.T) {
	t.Parallel()
	_, url := startServer(t, serve.Options{Greet: []serve.Message{text("a"), text("b")}, CloseAfter: -1, DropAfter: -1})
	ws, tap := dialTap(t, url)
	p, stdout, _ := pipeStdout(t, format.Raw)
	stdout.Close() // nobody reads: writes fail with EPIPE
	res := NewReader(ws, tap, p, Options{}).Run()
	if !errors.Is(res.Output, syscall.EPIPE) {
		t.Errorf("Output = %v (Result %+v), want EPIPE", res.Output, res)
	}
	if res.Messages == 0 || res.Messages > 2 {
		t.Errorf("Messages = %d, want 1 or 2: the loop stops at the first failed write", res.Messages)
	}
}

// TestReaderJSONLBatchOrder checks that events printed from inside a read
// (a ping the server sends between messages) keep their place among the
// batched messages.
func TestReaderJSONLBatchOrder(t *testing.T) {
	t.Parallel()
	frames := wstest.Cat(
		wstest.Frame(wstest.OpText, []byte(`{"n":1}`), wstest.LenAuto, nil),
		wstest.Frame(wstest.OpPing, []byte("p"), wstest.LenAuto, nil),
		wstest.Frame(wstest.OpText, []byte(`{"n":2}`), wstest.LenAuto, nil),
		wstest.CloseFrame(1000, ""),
	)
	ws, tap := dialScript(t, frames, false)
	p, stdout, w := pipeStdout(t, format.JSONL)
	res := NewReader(ws, tap, p, Options{}).Run()
	checkClose(t, res.Frame, &wire.CloseFrame{HasCode: true, Code: 1000, Reason: []byte{}})
	w.Close()
	out, _ := io.ReadAll(stdout)
	var got []string
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		_, rest, _ := strings.Cut(line, `"event":"`)
		ev, _, _ := strings.Cut(rest, `"`)
		_, rest, _ = strings.Cut(line, `"dir":"`)
		dir, _, _ := strings.Cut(rest, `"`)
		got = append(got, ev+" "+dir)
	}
	want := "message in,ping in,pong out,message in"
	if strings.Join(got, ",") != want {
		t.Errorf("events %q, want %q", strings.Join(got, ","), want)
	}
}

// TestReaderOnMessageOwnsData checks that OnMessage gets data it may keep:
// the reader reuses its buffer for the next message.
func TestReaderOnMessageOwnsData(t *testing.T) {
	t.Parallel()
	_, url := startServer(t, greeter(1000, "", text("first"), text("other"), text("third")))
	ws, tap := dialTap(t, url)
	p, _, _ := rawPrinter()
	var kept [][]byte
	NewReader(ws, tap, p, Options{OnMessage: func(_ bool, data []byte) { kept = append(kept, data) }}).Run()
	if got := string(bytes.Join(kept, []byte(","))); got != "first,other,third" {
		t.Errorf("kept %q, want first,other,third", got)
	}
}

// dialScript connects gorilla, through a Tap, to a scripted server over a
// synchronous pipe: it answers the upgrade, then sends frames in one write
// (which the reader loop gets in one read, as from a fast server), and
// reads what the client writes until the client hangs up. With hangUp it
// hangs up after the frames, with no close frame.
func dialScript(t *testing.T, frames []byte, hangUp bool) (*websocket.Conn, *wire.Tap) {
	t.Helper()
	client, server := net.Pipe()
	wrote, read := make(chan error, 1), make(chan error, 1)
	go func() {
		req, err := http.ReadRequest(bufio.NewReader(server))
		if err != nil {
			wrote <- err
			read <- nil
			return
		}
		go func() {
			_, err := io.Copy(io.Discard, server) // pongs and the close answer
			read <- err
		}()
		sum := sha1.Sum([]byte(req.Header.Get("Sec-WebSocket-Key") + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"))
		resp := "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
			"Sec-WebSocket-Accept: " + base64.StdEncoding.EncodeToString(sum[:]) + "\r\n\r\n"
		if _, err = server.Write([]byte(resp)); err == nil {
			_, err = server.Write(frames) // read after the upgrade: in the reader loop
		}
		if hangUp {
			server.Close()
		}
		wrote <- err
	}()
	t.Cleanup(func() {
		client.Close()
		for _, ch := range []chan error{wrote, read} {
			select {
			case err := <-ch:
				if err != nil && !errors.Is(err, io.ErrClosedPipe) {
					t.Errorf("scripted server: %v", err)
				}
			case <-time.After(wstest.Failsafe):
				t.Error("the scripted server did not end")
			}
		}
		server.Close()
	})
	var tap *wire.Tap
	d := websocket.Dialer{
		HandshakeTimeout: wstest.Failsafe,
		NetDialContext: func(context.Context, string, string) (net.Conn, error) {
			tap = wire.NewTap(client)
			return tap, nil
		},
	}
	ws, _, err := d.Dial("ws://pipe.test/", nil)
	if err != nil {
		t.Fatal(err)
	}
	ws.SetReadDeadline(time.Now().Add(wstest.Failsafe))
	return ws, tap
}

// TestAhead checks the reader's reckoning of messages whole in memory,
// when gorilla held messages before Run (they came with the upgrade
// answer) and when it held none.
func TestAhead(t *testing.T) {
	t.Parallel()
	type step struct {
		handed int64 // the tap's count
		read   int   // messages the loop has read
		whole  bool
	}
	cases := []struct {
		name  string
		start int64 // the tap's count when Run starts
		steps []step
	}{
		{"nothing held at the start", 0, []step{
			{0, 0, false}, {3, 1, true}, {3, 2, true}, {3, 3, false}, {4, 3, true}, {4, 4, false},
		}},
		// Three messages came with the upgrade answer, unread: ahead cannot
		// know, so it says "not whole" (a flush too many, never too few)
		// until reading them shows how many were held.
		{"three held at the start", 3, []step{
			{3, 0, false}, {3, 1, false}, {3, 2, false}, {3, 3, false}, {10, 4, true}, {10, 9, true}, {10, 10, false},
		}},
		// Three messages came with the answer and gorilla had read them
		// before Run: the count is right from the start.
		{"three read before Run", 3, []step{{3, 0, false}, {5, 1, true}, {5, 2, false}}},
	}
	for _, tc := range cases {
		a := newAhead(tc.start)
		for i, s := range tc.steps {
			if got := a.whole(s.handed, s.read); got != s.whole {
				t.Errorf("%s, step %d (handed %d, read %d): whole = %v, want %v", tc.name, i, s.handed, s.read, got, s.whole)
			}
		}
	}
}

// TestReaderMixedSizes has big messages, printed as they arrive, come
// between small ones, held in the batch: stdout (a file) has them all, in
// order, and the reused read buffer never mixes one message into another.
func TestReaderMixedSizes(t *testing.T) {
	t.Parallel()
	big := strings.Repeat("x", streamAbove+streamAbove/2)
	bigger := strings.Repeat("y", 2*streamAbove+1)
	medium := strings.Repeat("z", streamAbove/2)
	greet := []serve.Message{text("a"), text(big), text("b"), text(medium), text("c"), text(bigger), text("d"), text(medium[:10])}
	_, url := startServer(t, greeter(1000, "", greet...))
	ws, tap := dialTap(t, url)
	f, err := os.Create(t.TempDir() + "/stdout")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	p := format.New(f, io.Discard, format.Options{Mode: format.Raw})
	res := NewReader(ws, tap, p, Options{}).Run()
	if res.Frame == nil || res.Output != nil || res.Messages != len(greet) {
		t.Fatalf("Result = %+v", res)
	}
	got, err := os.ReadFile(f.Name())
	if err != nil {
		t.Fatal(err)
	}
	var want strings.Builder
	for _, m := range greet {
		want.Write(m.Data)
		want.WriteByte('\n')
	}
	if string(got) != want.String() {
		t.Errorf("stdout has %d bytes, want %d: the messages in order", len(got), want.Len())
	}
}

// TestReaderCountNeedsOutput checks that the message that meets --count is
// on stdout before CountReached fires: when it cannot be written, the
// reader stops with the write error and the count is not reached (wsx
// reports the error instead of ending as if the goal were met).
func TestReaderCountNeedsOutput(t *testing.T) {
	t.Parallel()
	_, url := startServer(t, serve.Options{Greet: []serve.Message{text("a"), text("b")}, CloseAfter: -1, DropAfter: -1})
	ws, tap := dialTap(t, url)
	p, stdout, _ := pipeStdout(t, format.Raw)
	stdout.Close() // writes fail with EPIPE
	r := NewReader(ws, tap, p, Options{Count: 1})
	res := r.Run()
	if !errors.Is(res.Output, syscall.EPIPE) {
		t.Errorf("Output = %v (Result %+v), want EPIPE", res.Output, res)
	}
	select {
	case <-r.CountReached():
		t.Error("CountReached fired though the message was not written")
	default:
	}
}

// TestReaderLastMessage checks the time of the last message, which the
// idle timeout counts from: zero before the first, then within the run.
func TestReaderLastMessage(t *testing.T) {
	t.Parallel()
	_, url := startServer(t, greeter(1000, "", text("a"), text("b")))
	ws, tap := dialTap(t, url)
	p, _, _ := rawPrinter()
	before := time.Now()
	r := NewReader(ws, tap, p, Options{})
	if last := r.LastMessage(); !last.IsZero() {
		t.Errorf("LastMessage() = %v before any message, want zero", last)
	}
	r.Run()
	after := time.Now()
	if last := r.LastMessage(); last.Before(before) || last.After(after) {
		t.Errorf("LastMessage() = %v, want between %v and %v", last, before, after)
	}
}
