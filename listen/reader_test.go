package listen

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha1"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wsx-cli/wsx/internal/wire"
	"github.com/wsx-cli/wsx/internal/wstest"

	"github.com/gorilla/websocket"

	"github.com/wsx-cli/wsx/format"
	"github.com/wsx-cli/wsx/serve"
)

// startServer serves o on a loopback port until the test ends.
func startServer(t *testing.T, o serve.Options) (*serve.Server, string) {
	t.Helper()
	s := serve.New(o)
	url, err := s.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, url
}

// dialTap connects to url through a Tap, as cmd's dialer does. The read
// deadline is only a failure guard.
func dialTap(t *testing.T, url string) (*websocket.Conn, *wire.Tap) {
	t.Helper()
	var tap *wire.Tap
	d := websocket.Dialer{
		HandshakeTimeout: wstest.Failsafe,
		NetDialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			tap = wire.NewTap(c)
			return tap, nil
		},
	}
	ws, _, err := d.Dial(url, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ws.Close() })
	ws.SetReadDeadline(time.Now().Add(wstest.Failsafe))
	return ws, tap
}

// text and binary are greetings.
func text(s string) serve.Message       { return serve.Message{Data: []byte(s)} }
func binaryMsg(b ...byte) serve.Message { return serve.Message{Binary: true, Data: b} }

// greeter sends greet, then closes with code and reason (-1: an empty close frame).
func greeter(code int, reason string, greet ...serve.Message) serve.Options {
	return serve.Options{Greet: greet, CloseAfter: 0, CloseCode: code, CloseReason: reason, DropAfter: -1}
}

// rawPrinter prints in raw mode into buffers.
func rawPrinter() (*format.Printer, *bytes.Buffer, *bytes.Buffer) {
	var out, errs bytes.Buffer
	return format.New(&out, &errs, format.Options{Mode: format.Raw, BinaryAs: format.BinaryRaw}), &out, &errs
}

func TestReaderPrintsMessages(t *testing.T) {
	t.Parallel()
	_, url := startServer(t, greeter(1000, "bye", text("hello"), text(`{"a": 1}`), binaryMsg(0, 1, 2), text("")))
	ws, tap := dialTap(t, url)
	p, out, errs := rawPrinter()
	r := NewReader(ws, tap, p, Options{})
	res := r.Run()

	if want := "hello\n{\"a\": 1}\n\x00\x01\x02\n"; out.String() != want {
		t.Errorf("stdout = %q, want %q", out.String(), want)
	}
	if errs.Len() != 0 {
		t.Errorf("stderr = %q, want nothing", errs.String())
	}
	if n, _ := r.Received(); res.Messages != 4 || n != 4 || r.Kept() != 4 {
		t.Errorf("Messages = %d, Received() = %d, Kept() = %d; want 4", res.Messages, n, r.Kept())
	}
	checkClose(t, res.Frame, &wire.CloseFrame{HasCode: true, Code: 1000, Reason: []byte("bye")})
	var ce *websocket.CloseError
	if !errors.As(res.Err, &ce) || ce.Code != 1000 {
		t.Errorf("Err = %v, want a close error 1000", res.Err)
	}
	if res.Invalid != nil || res.Output != nil || res.TooBig {
		t.Errorf("Result = %+v, want no invalid text, output error or oversized message", res)
	}
	if tap.BytesRead() == 0 {
		t.Error("BytesRead() = 0")
	}
}

func TestReaderCount(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		count   int
		greet   int
		reached bool
		out     string
	}{
		{"reached before the close", 3, 5, true, "1\n2\n3\n"},
		{"reached by the last message", 5, 5, true, "1\n2\n3\n4\n5\n"},
		{"not reached", 6, 5, false, "1\n2\n3\n4\n5\n"},
		{"no limit", 0, 5, false, "1\n2\n3\n4\n5\n"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var greet []serve.Message
			for _, s := range []string{"1", "2", "3", "4", "5"}[:tc.greet] {
				greet = append(greet, text(s))
			}
			_, url := startServer(t, greeter(1000, "", greet...))
			ws, tap := dialTap(t, url)
			p, out, _ := rawPrinter()
			r := NewReader(ws, tap, p, Options{Count: tc.count})
			res := r.Run()
			reached := false
			select {
			case <-r.CountReached():
				reached = true
			default:
			}
			if reached != tc.reached {
				t.Errorf("CountReached closed = %v, want %v", reached, tc.reached)
			}
			if out.String() != tc.out {
				t.Errorf("stdout = %q, want %q (messages after the count are not printed)", out.String(), tc.out)
			}
			if res.Messages != tc.greet {
				t.Errorf("Messages = %d, want %d (all are counted)", res.Messages, tc.greet)
			}
			checkClose(t, res.Frame, &wire.CloseFrame{HasCode: true, Code: 1000, Reason: []byte{}})
		})
	}
}

// TestReaderCountFires checks that CountReached fires while the reader is
// still running, before the server closes.
func TestReaderCountFires(t *testing.T) {
	t.Parallel()
	_, url := startServer(t, serve.Options{Greet: []serve.Message{text("a"), text("b")}, CloseAfter: -1, DropAfter: -1})
	ws, tap := dialTap(t, url)
	p, _, _ := rawPrinter()
	r := NewReader(ws, tap, p, Options{Count: 2})
	done := make(chan Result, 1)
	go func() { done <- r.Run() }()
	select {
	case <-r.CountReached():
	case res := <-done:
		t.Fatalf("Run ended (%+v) before CountReached", res)
	case <-time.After(wstest.Failsafe):
		t.Fatal("CountReached never fired")
	}
	if n, _ := r.Received(); n != 2 {
		t.Errorf("Received() = %d, want 2", n)
	}
	// The client starts the close; the server echoes it and Run ends.
	if err := ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(1000, ""), time.Now().Add(wstest.Failsafe)); err != nil {
		t.Fatal(err)
	}
	select {
	case res := <-done:
		checkClose(t, res.Frame, &wire.CloseFrame{HasCode: true, Code: 1000, Reason: []byte{}})
	case <-time.After(wstest.Failsafe):
		t.Fatal("Run did not end after the close handshake")
	}
}

func TestReaderInvalidUTF8(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		greet  []serve.Message
		msg    int
		offset int
		out    string
	}{
		{"first message", []serve.Message{text("\xff")}, 1, 0, ""},
		{"third message, middle byte", []serve.Message{text("ok"), binaryMsg(0xff), text("ab\xffcd")}, 3, 2, "ok\n\xff"},
		{"after a multibyte rune", []serve.Message{text("é€\xc0\x80")}, 1, 5, ""},
		{"truncated at the end", []serve.Message{text("x"), text("abc\xe2\x82")}, 2, 3, "x\n"},
		{"surrogate", []serve.Message{text("a\xed\xa0\x80")}, 1, 1, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, url := startServer(t, serve.Options{Greet: tc.greet, CloseAfter: -1, DropAfter: -1})
			ws, tap := dialTap(t, url)
			p, out, _ := rawPrinter()
			res := NewReader(ws, tap, p, Options{}).Run()
			if res.Invalid == nil {
				t.Fatalf("Invalid = nil (Result %+v), want message %d offset %d", res, tc.msg, tc.offset)
			}
			if *res.Invalid != (InvalidText{Message: tc.msg, Offset: tc.offset}) {
				t.Errorf("Invalid = %+v, want message %d offset %d", *res.Invalid, tc.msg, tc.offset)
			}
			if out.String() != tc.out {
				t.Errorf("stdout = %q, want %q (the invalid message is not printed)", out.String(), tc.out)
			}
			if res.Err != nil || res.Frame != nil {
				t.Errorf("Err = %v, Frame = %v; want neither", res.Err, res.Frame)
			}
		})
	}
}

func TestReaderServerClose(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("é", 70) // 140 bytes: the server cuts the payload to 125
	cases := []struct {
		name    string
		code    int
		reason  string
		want    wire.CloseFrame
		gorilla int // the close code gorilla reports; 0: not a close error
	}{
		{"normal", 1000, "done", wire.CloseFrame{HasCode: true, Code: 1000, Reason: []byte("done")}, 1000},
		{"going away", 1001, "", wire.CloseFrame{HasCode: true, Code: 1001, Reason: []byte{}}, 1001},
		{"internal error", 1011, "oops", wire.CloseFrame{HasCode: true, Code: 1011, Reason: []byte("oops")}, 1011},
		{"service restart", 1012, "", wire.CloseFrame{HasCode: true, Code: 1012, Reason: []byte{}}, 1012},
		{"try again later", 1013, "busy", wire.CloseFrame{HasCode: true, Code: 1013, Reason: []byte("busy")}, 1013},
		{"bad gateway (gorilla refuses it)", 1014, "upstream down", wire.CloseFrame{HasCode: true, Code: 1014, Reason: []byte("upstream down")}, 1011},
		{"registered library code", 3000, "unauthorized", wire.CloseFrame{HasCode: true, Code: 3000, Reason: []byte("unauthorized")}, 3000},
		{"private use", 4001, "token expired", wire.CloseFrame{HasCode: true, Code: 4001, Reason: []byte("token expired")}, 4001},
		{"last private use", 4999, "", wire.CloseFrame{HasCode: true, Code: 4999, Reason: []byte{}}, 4999},
		{"1005 on the wire", 1005, "", wire.CloseFrame{HasCode: true, Code: 1005, Reason: []byte{}}, 0},
		{"1006 on the wire", 1006, "x", wire.CloseFrame{HasCode: true, Code: 1006, Reason: []byte("x")}, 0},
		{"1015 on the wire", 1015, "", wire.CloseFrame{HasCode: true, Code: 1015, Reason: []byte{}}, 0},
		{"unassigned 1016", 1016, "", wire.CloseFrame{HasCode: true, Code: 1016, Reason: []byte{}}, 0},
		{"below the range", 999, "", wire.CloseFrame{HasCode: true, Code: 999, Reason: []byte{}}, 0},
		{"zero", 0, "", wire.CloseFrame{HasCode: true, Code: 0, Reason: []byte{}}, 0},
		{"above the range", 5000, "", wire.CloseFrame{HasCode: true, Code: 5000, Reason: []byte{}}, 0},
		{"largest", 65535, "max", wire.CloseFrame{HasCode: true, Code: 65535, Reason: []byte("max")}, 0},
		{"invalid UTF-8 reason", 4000, "bad\xff", wire.CloseFrame{HasCode: true, Code: 4000, Reason: []byte("bad\xff")}, 0},
		{"reason over 123 bytes", 4000, long, wire.CloseFrame{HasCode: true, Code: 4000, Reason: []byte(long[:123])}, 0},
		{"empty close frame", -1, "", wire.CloseFrame{}, 1005},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, url := startServer(t, greeter(tc.code, tc.reason, text("hi")))
			ws, tap := dialTap(t, url)
			p, out, _ := rawPrinter()
			res := NewReader(ws, tap, p, Options{}).Run()
			checkClose(t, res.Frame, &tc.want)
			if res.Err == nil {
				t.Fatal("Err = nil, want the error that ended the loop")
			}
			var ce *websocket.CloseError
			isClose := errors.As(res.Err, &ce)
			switch {
			case tc.gorilla != 0 && (!isClose || ce.Code != tc.gorilla):
				t.Errorf("Err = %v, want gorilla's close error %d", res.Err, tc.gorilla)
			case tc.gorilla == 0 && isClose && ce.Code == tc.code:
				t.Errorf("Err = %v: gorilla was expected to refuse code %d", res.Err, tc.code)
			}
			if res.Messages != 1 || out.String() != "hi\n" {
				t.Errorf("Messages = %d, stdout = %q; want 1, %q", res.Messages, out.String(), "hi\n")
			}
		})
	}
}

func TestReaderDrop(t *testing.T) {
	t.Parallel()
	s, url := startServer(t, serve.Options{Greet: []serve.Message{text("x")}, CloseAfter: -1, DropAfter: 0})
	ws, tap := dialTap(t, url)
	p, out, _ := rawPrinter()
	res := NewReader(ws, tap, p, Options{}).Run()
	if res.Frame != nil {
		t.Errorf("Frame = %+v, want nil after a drop", *res.Frame)
	}
	if res.Err == nil {
		t.Error("Err = nil, want the read error")
	}
	if res.Messages != 1 || out.String() != "x\n" {
		t.Errorf("Messages = %d, stdout = %q; want 1, %q", res.Messages, out.String(), "x\n")
	}
	select {
	case st := <-s.Done():
		if st.ClosedBy != "drop" {
			t.Errorf("server: closed by %q, want drop", st.ClosedBy)
		}
	case <-time.After(wstest.Failsafe):
		t.Fatal("no server stats")
	}
}

func TestReaderTooBig(t *testing.T) {
	t.Parallel()
	_, url := startServer(t, serve.Options{Greet: []serve.Message{text("small"), text(strings.Repeat("x", 100))}, CloseAfter: -1, DropAfter: -1})
	ws, tap := dialTap(t, url)
	ws.SetReadLimit(10)
	p, out, _ := rawPrinter()
	res := NewReader(ws, tap, p, Options{}).Run()
	if !res.TooBig {
		t.Errorf("TooBig = false (Err %v), want true", res.Err)
	}
	if res.Messages != 1 || out.String() != "small\n" {
		t.Errorf("Messages = %d, stdout = %q; want 1, %q", res.Messages, out.String(), "small\n")
	}
}

// failWriter fails every write.
type failWriter struct{}

var errStdout = errors.New("stdout closed")

func (failWriter) Write([]byte) (int, error) { return 0, errStdout }

func TestReaderOutputError(t *testing.T) {
	t.Parallel()
	_, url := startServer(t, serve.Options{Greet: []serve.Message{text("a"), text("b")}, CloseAfter: -1, DropAfter: -1})
	ws, tap := dialTap(t, url)
	var errs bytes.Buffer
	p := format.New(failWriter{}, &errs, format.Options{Mode: format.Raw})
	res := NewReader(ws, tap, p, Options{}).Run()
	if !errors.Is(res.Output, errStdout) {
		t.Errorf("Output = %v, want %v", res.Output, errStdout)
	}
	if res.Messages != 1 {
		t.Errorf("Messages = %d, want 1: the loop stops at the first failed write", res.Messages)
	}
}

// eventBuf collects jsonl events written from the reader's goroutine and
// tells a waiting test about each write.
type eventBuf struct {
	mu    sync.Mutex
	b     bytes.Buffer
	wrote chan struct{}
}

func newEventBuf() *eventBuf { return &eventBuf{wrote: make(chan struct{}, 1)} }

func (e *eventBuf) Write(p []byte) (int, error) {
	e.mu.Lock()
	n, err := e.b.Write(p)
	e.mu.Unlock()
	select {
	case e.wrote <- struct{}{}:
	default:
	}
	return n, err
}

// event is one jsonl line, decoded for checking.
type event struct {
	Event string   `json:"event"`
	Dir   string   `json:"dir"`
	Type  string   `json:"type"`
	Data  any      `json:"data"`
	Size  int      `json:"size"`
	RTT   *float64 `json:"rtt_ms"`
}

func (e *eventBuf) events(t *testing.T) []event {
	t.Helper()
	e.mu.Lock()
	defer e.mu.Unlock()
	var evs []event
	for _, line := range strings.Split(strings.TrimSuffix(e.b.String(), "\n"), "\n") {
		if line == "" {
			continue
		}
		var ev event
		if err := json.Unmarshal([]byte(line), &ev); err != nil {
			t.Fatalf("event %q: %v", line, err)
		}
		evs = append(evs, ev)
	}
	return evs
}

// waitFor waits until ok holds for the events written so far.
func (e *eventBuf) waitFor(t *testing.T, what string, ok func([]event) bool) []event {
	t.Helper()
	timeout := time.After(wstest.Failsafe)
	for {
		if evs := e.events(t); ok(evs) {
			return evs
		}
		select {
		case <-e.wrote:
		case <-timeout:
			t.Fatalf("timed out waiting for %s; events: %+v", what, e.events(t))
		}
	}
}

func count(evs []event, kind, dir string) int {
	n := 0
	for _, ev := range evs {
		if ev.Event == kind && ev.Dir == dir {
			n++
		}
	}
	return n
}

func TestReaderPing(t *testing.T) {
	t.Parallel()
	_, url := startServer(t, serve.Options{CloseAfter: -1, DropAfter: -1})
	ws, tap := dialTap(t, url)
	out := newEventBuf()
	var errs bytes.Buffer
	r := NewReader(ws, tap, format.New(out, &errs, format.Options{Mode: format.JSONL}), Options{})
	done := make(chan Result, 1)
	go func() { done <- r.Run() }()

	if err := r.Ping(nil); err != nil {
		t.Fatal(err)
	}
	if err := r.Ping([]byte("abc")); err != nil {
		t.Fatal(err)
	}
	evs := out.waitFor(t, "two pongs", func(evs []event) bool { return count(evs, "pong", "in") == 2 })

	var pings, pongs []string
	for _, ev := range evs {
		switch {
		case ev.Event == "ping" && ev.Dir == "out":
			pings = append(pings, ev.Data.(string))
		case ev.Event == "pong" && ev.Dir == "in":
			pongs = append(pongs, ev.Data.(string))
			if ev.RTT == nil || *ev.RTT < 0 {
				t.Errorf("pong %v: rtt_ms = %v, want the round trip", ev.Data, ev.RTT)
			}
			if ev.Type != "text" || ev.Size != len(ev.Data.(string)) {
				t.Errorf("pong %v: type %q size %d", ev.Data, ev.Type, ev.Size)
			}
		}
	}
	if strings.Join(pings, ",") != "wsx-1,abc" || strings.Join(pongs, ",") != "wsx-1,abc" {
		t.Errorf("pings sent %q, pongs received %q; want [wsx-1 abc] both", pings, pongs)
	}

	if err := ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(1000, ""), time.Now().Add(wstest.Failsafe)); err != nil {
		t.Fatal(err)
	}
	select {
	case res := <-done:
		checkClose(t, res.Frame, &wire.CloseFrame{HasCode: true, Code: 1000, Reason: []byte{}})
	case <-time.After(wstest.Failsafe):
		t.Fatal("Run did not end after the close handshake")
	}
	if errs.Len() != 0 {
		t.Errorf("stderr = %q, want nothing", errs.String())
	}
}

// TestReaderAnswersPing has a server ping wsx: the reader answers with a pong
// carrying the same data and reports both.
func TestReaderAnswersPing(t *testing.T) {
	t.Parallel()
	handlerDone := make(chan error, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		up := websocket.Upgrader{}
		c, err := up.Upgrade(w, req, nil)
		if err != nil {
			handlerDone <- err
			return
		}
		defer c.Close()
		c.SetReadDeadline(time.Now().Add(wstest.Failsafe))
		pong := make(chan string, 1)
		c.SetPongHandler(func(data string) error {
			pong <- data
			return c.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(4000, "seen"), time.Now().Add(wstest.Failsafe))
		})
		if err := c.WriteControl(websocket.PingMessage, []byte("hb"), time.Now().Add(wstest.Failsafe)); err != nil {
			handlerDone <- err
			return
		}
		for {
			if _, _, err := c.ReadMessage(); err != nil {
				break // the client's close echo
			}
		}
		select {
		case data := <-pong:
			if data != "hb" {
				err = errors.New("pong data " + data)
			}
		default:
			err = errors.New("no pong")
		}
		handlerDone <- err
	}))
	defer srv.Close()

	ws, tap := dialTap(t, "ws"+strings.TrimPrefix(srv.URL, "http"))
	out := newEventBuf()
	var errs bytes.Buffer
	res := NewReader(ws, tap, format.New(out, &errs, format.Options{Mode: format.JSONL}), Options{}).Run()
	checkClose(t, res.Frame, &wire.CloseFrame{HasCode: true, Code: 4000, Reason: []byte("seen")})
	select {
	case err := <-handlerDone:
		if err != nil {
			t.Fatalf("server: %v", err)
		}
	case <-time.After(wstest.Failsafe):
		t.Fatal("the server handler did not end")
	}
	evs := out.events(t)
	if count(evs, "ping", "in") != 1 || count(evs, "pong", "out") != 1 {
		t.Fatalf("events %+v, want one ping in and one pong out", evs)
	}
	for _, ev := range evs {
		if ev.Data != "hb" {
			t.Errorf("%s %s carries %v, want hb", ev.Event, ev.Dir, ev.Data)
		}
	}
}

// TestReaderSplitCloseCode has a scripted server send a 1014 close frame in
// two writes over a synchronous pipe, split after the code's first byte, so
// gorilla's buffered reads see the split. gorilla must accept the close
// (as 1011, with the reason) and the reader must report the real 1014.
func TestReaderSplitCloseCode(t *testing.T) {
	t.Parallel()
	client, server := net.Pipe()
	cf := wstest.CloseFrame(1014, "bad gateway")
	serverDone := make(chan error, 1)
	go func() {
		defer server.Close()
		req, err := http.ReadRequest(bufio.NewReader(server))
		if err != nil {
			serverDone <- err
			return
		}
		sum := sha1.Sum([]byte(req.Header.Get("Sec-WebSocket-Key") + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"))
		resp := "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
			"Sec-WebSocket-Accept: " + base64.StdEncoding.EncodeToString(sum[:]) + "\r\n\r\n"
		head := wstest.Cat([]byte(resp), wstest.Frame(wstest.OpText, []byte("hi"), wstest.LenAuto, nil), cf[:3])
		for _, p := range [][]byte{head, cf[3:]} {
			if _, err := server.Write(p); err != nil {
				serverDone <- err
				return
			}
		}
		_, err = io.Copy(io.Discard, server) // the client's close answer, until it hangs up
		serverDone <- err
	}()

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
		client.Close()
		<-serverDone
		t.Fatal(err)
	}
	ws.SetReadDeadline(time.Now().Add(wstest.Failsafe))
	p, out, _ := rawPrinter()
	res := NewReader(ws, tap, p, Options{}).Run()
	ws.Close()
	select {
	case err := <-serverDone:
		if err != nil {
			t.Errorf("server: %v", err)
		}
	case <-time.After(wstest.Failsafe):
		t.Fatal("the scripted server did not end")
	}

	checkClose(t, res.Frame, &wire.CloseFrame{HasCode: true, Code: 1014, Reason: []byte("bad gateway")})
	var ce *websocket.CloseError
	if !errors.As(res.Err, &ce) || ce.Code != 1011 || ce.Text != "bad gateway" {
		t.Errorf("Err = %v, want gorilla's close error 1011 \"bad gateway\" (the rewritten frame)", res.Err)
	}
	if out.String() != "hi\n" {
		t.Errorf("stdout = %q, want %q", out.String(), "hi\n")
	}
}
