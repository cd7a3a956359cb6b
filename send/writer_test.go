package send

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

const (
	opText   = 1
	opBinary = 2
	opClose  = 8
)

// seq is `seq 1 n`.
func seq(n int) string {
	var b strings.Builder
	for i := 1; i <= n; i++ {
		b.WriteString(strconv.Itoa(i))
		b.WriteByte('\n')
	}
	return b.String()
}

// checkWire checks the frames wsx wrote: data frames of type op with the
// given payloads, then exactly one close frame with closePayload.
func checkWire(t *testing.T, rc *recConn, op byte, data []string, closePayload []byte) {
	t.Helper()
	fs := rc.frames(t)
	if len(fs) != len(data)+1 {
		t.Fatalf("%d frames on the wire, want %d messages and one close frame", len(fs), len(data))
	}
	for i, d := range data {
		f := fs[i]
		if f.op != op || !f.fin || string(f.payload) != d {
			t.Fatalf("frame %d = op %d fin %v %q, want op %d fin %q", i, f.op, f.fin, f.payload, op, d)
		}
	}
	last := fs[len(fs)-1]
	if last.op != opClose || !bytes.Equal(last.payload, closePayload) {
		t.Fatalf("last frame = op %d %q, want a close frame %q", last.op, last.payload, closePayload)
	}
}

func TestWriterInOrder(t *testing.T) {
	t.Parallel()
	for _, bin := range []bool{false, true} {
		name := "text"
		op := byte(opText)
		if bin {
			name, op = "binary", opBinary
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			const n = 1000
			s, url := startServer(t, sink())
			ws, rc := dial(t, url)
			w := NewWriter(ws)
			var sent []string
			w.Sent = func(m Message) { sent = append(sent, string(m.Data)) }
			res := w.Run(NewLines(strings.NewReader(seq(n)), bin))

			want := strings.Fields(seq(n))
			if !res.EOF || res.Messages != n || res.Bytes != int64(len(strings.Join(want, ""))) {
				t.Errorf("Result = %+v, want EOF, %d messages", res, n)
			}
			if res.Input != nil || res.Write != nil || res.Unsent != 0 || res.Quit != nil || res.Interrupted {
				t.Errorf("Result = %+v, want a clean end", res)
			}
			if strings.Join(sent, ",") != strings.Join(want, ",") {
				t.Error("Sent was not called once per message, in order")
			}
			c := NewCloser(ws, failsafe)
			closeAndWait(t, ws, c, 1000, "")
			if !c.Started() {
				t.Error("Started() = false after Close")
			}

			st := nextStats(t, s)
			if st.Messages != n || !st.InOrder || st.ClosedBy != "client" || st.CloseCode != 1000 {
				t.Errorf("server stats %+v, want %d messages in order, closed by client with 1000", st, n)
			}
			// The server checks the order of text messages only; the wire
			// shows both kinds in order, and the close frame after them.
			checkWire(t, rc, op, want, []byte{0x03, 0xE8})
		})
	}
}

// TestWriterLongLine sends a 10 MiB line as one message.
func TestWriterLongLine(t *testing.T) {
	t.Parallel()
	s, url := startServer(t, sink())
	ws, _ := dial(t, url)
	long := strings.Repeat("0123456789", 1<<20)
	res := NewWriter(ws).Run(NewLines(strings.NewReader(long+"\r\nend\n"), false))
	if !res.EOF || res.Messages != 2 || res.Bytes != int64(len(long)+3) {
		t.Errorf("Result = %+v, want 2 messages, %d bytes", res, len(long)+3)
	}
	closeAndWait(t, ws, NewCloser(ws, failsafe), 1000, "")
	if st := nextStats(t, s); st.Messages != 2 || st.Bytes != int64(len(long)+3) {
		t.Errorf("server received %d messages, %d bytes; want 2, %d", st.Messages, st.Bytes, len(long)+3)
	}
}

// nextSignal is a Source that reports each call of Next before making it.
type nextSignal struct {
	Source
	calls chan struct{}
}

func (n nextSignal) Next() (Message, error) {
	n.calls <- struct{}{}
	return n.Source.Next()
}

func recv(t *testing.T, c <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-c:
	case <-time.After(failsafe):
		t.Fatalf("timed out waiting for %s", what)
	}
}

// TestWriterStopIdle stops a writer that waits for input: Stop says no write
// is in progress, and the lines that come afterwards are not written but
// counted as unsent; the one it read is held (for another connection to
// send), the ones after it stay in the source.
func TestWriterStopIdle(t *testing.T) {
	t.Parallel()
	s, url := startServer(t, sink())
	ws, rc := dial(t, url)
	pr, pw := io.Pipe()
	defer pr.Close()
	lines := NewLines(pr, false)
	src := nextSignal{lines, make(chan struct{})}
	w := NewWriter(ws)
	done := make(chan Result, 1)
	go func() { done <- w.Run(src) }()

	recv(t, src.calls, "the first Next")
	if _, err := pw.Write([]byte("1\n")); err != nil {
		t.Fatal(err)
	}
	recv(t, src.calls, "the second Next") // "1" is written; the writer waits for input
	if w.Stop() {
		t.Fatal("Stop() = true while the writer waits for input")
	}
	if _, err := pw.Write([]byte("2\n3\n\n")); err != nil {
		t.Fatal(err)
	}
	var res Result
	select {
	case res = <-done:
	case <-time.After(failsafe):
		t.Fatal("Run did not return after Stop")
	}
	pw.Close()
	if res.Messages != 1 || res.Unsent != 2 || res.EOF || res.Write != nil || res.Input != nil {
		t.Errorf("Result = %+v, want 1 message written and 2 unsent (\"2\" and the buffered \"3\")", res)
	}
	if len(res.Held) != 1 || string(res.Held[0].Data) != "2" {
		t.Errorf("held %+v, want \"2\"", res.Held)
	}
	if m, err := lines.Next(); err != nil || string(m.Data) != "3" {
		t.Errorf("the source's next line is %q, %v; want \"3\"", m.Data, err)
	}
	closeAndWait(t, ws, NewCloser(ws, failsafe), 1000, "")
	if st := nextStats(t, s); st.Messages != 1 {
		t.Errorf("server received %d messages, want 1", st.Messages)
	}
	checkWire(t, rc, opText, []string{"1"}, []byte{0x03, 0xE8})
}

// TestWriterStopWriting stops a writer in the middle of a write: Stop says
// so, the write completes, and nothing more is written.
func TestWriterStopWriting(t *testing.T) {
	t.Parallel()
	s, url := startServer(t, sink())
	ws, rc := dial(t, url)
	rc.gate()
	w := NewWriter(ws)
	done := make(chan Result, 1)
	go func() { done <- w.Run(NewLines(strings.NewReader("a\nb\nc"), false)) }()

	recv(t, rc.entered, "the first write")
	if !w.Stop() {
		t.Error("Stop() = false during a write")
	}
	rc.ungate()
	var res Result
	select {
	case res = <-done:
	case <-time.After(failsafe):
		t.Fatal("Run did not return after Stop")
	}
	if res.Messages != 1 || res.Unsent != 1 || res.Write != nil {
		t.Errorf("Result = %+v, want \"a\" written and \"b\" unsent (\"c\" has no newline: not counted)", res)
	}
	if w.Stop() {
		t.Error("Stop() = true after Run returned")
	}
	closeAndWait(t, ws, NewCloser(ws, failsafe), 1000, "")
	if st := nextStats(t, s); st.Messages != 1 {
		t.Errorf("server received %d messages, want 1", st.Messages)
	}
	checkWire(t, rc, opText, []string{"a"}, []byte{0x03, 0xE8})
}

func TestWriterWriteError(t *testing.T) {
	t.Parallel()
	_, url := startServer(t, sink())
	ws, _ := dial(t, url)
	ws.NetConn().Close()
	res := NewWriter(ws).Run(NewLines(strings.NewReader("a\nb\n\nc\n"), false))
	if res.Write == nil || res.Messages != 0 || res.Unsent != 3 {
		t.Errorf("Result = %+v, want a write error and 3 unsent", res)
	}
}

func TestWriterInputError(t *testing.T) {
	t.Parallel()
	s, url := startServer(t, sink())
	ws, rc := dial(t, url)
	res := NewWriter(ws).Run(NewLines(strings.NewReader("ok\n\nbad\xff\nnever\n"), false))
	var ie *InputError
	if !errors.As(res.Input, &ie) || ie.Error() != "line 3: not valid UTF-8 at byte 3" {
		t.Fatalf("Input = %v, want line 3 refused", res.Input)
	}
	if res.Messages != 1 || res.EOF {
		t.Errorf("Result = %+v, want 1 message before the error", res)
	}
	closeAndWait(t, ws, NewCloser(ws, failsafe), 1000, "")
	if st := nextStats(t, s); st.Messages != 1 {
		t.Errorf("server received %d messages, want 1", st.Messages)
	}
	checkWire(t, rc, opText, []string{"ok"}, []byte{0x03, 0xE8})
}

// TestWriterCommands runs slash commands from the prompt on the writer's
// goroutine, in their place among the messages.
func TestWriterCommands(t *testing.T) {
	t.Parallel()
	s, url := startServer(t, sink())
	ws, rc := dial(t, url)
	lines := &fakeLines{lines: []string{"hello", "/ping x", "//slash", "/close 4001 bye", "never"}, err: io.EOF}
	w := NewWriter(ws)
	var order []string
	w.Sent = func(m Message) { order = append(order, "sent "+string(m.Data)) }
	w.Command = func(c *Command) bool {
		order = append(order, "cmd "+string(c.Kind))
		return c.Kind == CmdClose
	}
	res := w.Run(NewPrompt(lines, nil, func(string) {}))
	if want := "sent hello,cmd ping,sent /slash,cmd close"; strings.Join(order, ",") != want {
		t.Errorf("order = %q, want %q", strings.Join(order, ","), want)
	}
	if res.Quit == nil || res.Quit.Kind != CmdClose || res.Quit.Code != "4001" || res.Messages != 2 || res.EOF {
		t.Errorf("Result = %+v, want Quit with /close 4001 after 2 messages", res)
	}
	closeAndWait(t, ws, NewCloser(ws, failsafe), 4001, "bye")
	if st := nextStats(t, s); st.Messages != 2 || st.CloseCode != 4001 || st.CloseReason != "bye" {
		t.Errorf("server stats %+v", st)
	}
	checkWire(t, rc, opText, []string{"hello", "/slash"}, append([]byte{0x0F, 0xA1}, "bye"...))
}

func TestWriterInterrupted(t *testing.T) {
	t.Parallel()
	_, url := startServer(t, sink())
	ws, _ := dial(t, url)
	keys := NewKeyWatcher(strings.NewReader("\x03"))
	if _, err := io.ReadAll(keys); err != nil {
		t.Fatal(err)
	}
	res := NewWriter(ws).Run(NewPrompt(&fakeLines{err: io.EOF}, keys, func(string) {}))
	if !res.Interrupted || res.EOF || res.Messages != 0 {
		t.Errorf("Result = %+v, want Interrupted", res)
	}
}

// TestCloserOnce: the first Close sends the close frame; a second Close
// and an Answer send nothing.
func TestCloserOnce(t *testing.T) {
	t.Parallel()
	s, url := startServer(t, sink())
	ws, rc := dial(t, url)
	c := NewCloser(ws, failsafe)
	if c.Started() {
		t.Error("Started() = true before any close")
	}
	if err := c.Close(4001, "bye"); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(1000, "again"); err != nil {
		t.Errorf("second Close = %v, want nil", err)
	}
	if err := c.Answer(1001, true); err != nil {
		t.Errorf("Answer after Close = %v, want nil", err)
	}
	awaitClose(t, ws, 4001)
	if !c.Started() {
		t.Error("Started() = false after Close")
	}
	if st := nextStats(t, s); st.ClosedBy != "client" || st.CloseCode != 4001 || st.CloseReason != "bye" {
		t.Errorf("server stats %+v, want closed by client 4001 bye", st)
	}
	checkWire(t, rc, opText, nil, append([]byte{0x0F, 0xA1}, "bye"...))
}

// TestCloserAnswer: an answer to the server's close is sent once; wsx did
// not start the close, and a later Close sends nothing.
func TestCloserAnswer(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		code     uint16
		hasCode  bool
		payload  []byte
		echoCode int
	}{
		{"with a code", 4002, true, []byte{0x0F, 0xA2}, 4002},
		{"empty close frame", 0, false, []byte{}, websocket.CloseNoStatusReceived},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, url := startServer(t, sink())
			ws, rc := dial(t, url)
			c := NewCloser(ws, failsafe)
			if err := c.Answer(tc.code, tc.hasCode); err != nil {
				t.Fatal(err)
			}
			if err := c.Close(1000, "too late"); err != nil {
				t.Errorf("Close after Answer = %v, want nil", err)
			}
			if err := c.Answer(1000, true); err != nil {
				t.Errorf("second Answer = %v, want nil", err)
			}
			if c.Started() {
				t.Error("Started() = true after an Answer")
			}
			awaitClose(t, ws, tc.echoCode)
			if st := nextStats(t, s); st.CloseCode != tc.echoCode {
				t.Errorf("server saw close code %d, want %d", st.CloseCode, tc.echoCode)
			}
			checkWire(t, rc, opText, nil, tc.payload)
		})
	}
}

// TestCloserConcurrent races Close and Answer from many goroutines: exactly
// one close frame goes out.
func TestCloserConcurrent(t *testing.T) {
	t.Parallel()
	s, url := startServer(t, sink())
	ws, rc := dial(t, url)
	c := NewCloser(ws, failsafe)
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if i%2 == 0 {
				errs <- c.Close(4000+uint16(i), "")
			} else {
				errs <- c.Answer(4000+uint16(i), true)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	st := nextStats(t, s)
	awaitClose(t, ws, st.CloseCode)
	fs := rc.frames(t)
	if len(fs) != 1 || fs[0].op != opClose || binary.BigEndian.Uint16(fs[0].payload) != uint16(st.CloseCode) {
		t.Fatalf("frames %+v, want one close frame with %d", fs, st.CloseCode)
	}
	if c.Started() != (st.CloseCode%2 == 0) {
		t.Errorf("Started() = %v, but the close frame carried %d", c.Started(), st.CloseCode)
	}
}

func TestPayload(t *testing.T) {
	t.Parallel()
	ascii := strings.Repeat("a", 123)
	cases := []struct {
		name    string
		code    uint16
		hasCode bool
		reason  string
		want    string // the reason kept
	}{
		{"no code", 1000, false, "ignored", ""},
		{"code only", 1000, true, "", ""},
		{"short reason", 4001, true, "token expired", "token expired"},
		{"exactly 123 bytes", 1001, true, ascii, ascii},
		{"124 ASCII bytes", 1001, true, ascii + "b", ascii},
		{"2-byte rune across the limit", 1000, true, ascii[:122] + "é", ascii[:122]},
		{"2-byte rune ending at the limit", 1000, true, ascii[:121] + "éz", ascii[:121] + "é"},
		{"3-byte rune across the limit", 1000, true, ascii[:121] + "€", ascii[:121]},
		{"4-byte rune across the limit", 1000, true, ascii[:120] + "𝄞", ascii[:120]},
		{"4-byte rune ending at the limit", 1000, true, ascii[:119] + "𝄞x", ascii[:119] + "𝄞"},
		{"all multibyte", 1000, true, strings.Repeat("€", 60), strings.Repeat("€", 41)},
	}
	for _, tc := range cases {
		got := Payload(tc.code, tc.hasCode, tc.reason)
		if !tc.hasCode {
			if got != nil {
				t.Errorf("%s: Payload = %q, want nil", tc.name, got)
			}
			continue
		}
		if len(got) < 2 || binary.BigEndian.Uint16(got) != tc.code || string(got[2:]) != tc.want {
			t.Errorf("%s: Payload = %q, want code %d and reason %q", tc.name, got, tc.code, tc.want)
		}
		if len(got) > 125 {
			t.Errorf("%s: payload is %d bytes, over 125", tc.name, len(got))
		}
	}
}
