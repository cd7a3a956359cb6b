package serve

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// failsafe bounds every wait in these tests; it is never how they synchronise.
const failsafe = 10 * time.Second

// logBuf is a Log writer that tests read while the server writes.
type logBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// defaults are the Options of `wsx serve` with no flags.
func defaults() Options {
	return Options{CloseAfter: -1, DropAfter: -1}
}

// start serves o on a loopback port until the test ends; tune may adjust the server
// before it listens.
func start(t *testing.T, o Options, tune ...func(*Server)) (*Server, string, *logBuf) {
	t.Helper()
	lb := &logBuf{}
	o.Log = lb
	s := New(o)
	for _, f := range tune {
		f(s)
	}
	url, err := s.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, url, lb
}

func dial(t *testing.T, url string, protocols ...string) *websocket.Conn {
	t.Helper()
	d := websocket.Dialer{HandshakeTimeout: failsafe, Subprotocols: protocols}
	c, _, err := d.Dial(url, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetReadDeadline(time.Now().Add(failsafe))
	return c
}

// next returns the next connection's final Stats.
func next(t *testing.T, s *Server) Stats {
	t.Helper()
	select {
	case st := <-s.Done():
		return st
	case <-time.After(failsafe):
		t.Fatal("no connection ended")
		return Stats{}
	}
}

func send(t *testing.T, c *websocket.Conn, kind int, data string) {
	t.Helper()
	if err := c.WriteMessage(kind, []byte(data)); err != nil {
		t.Fatal(err)
	}
}

func expect(t *testing.T, c *websocket.Conn, kind int, data string) {
	t.Helper()
	k, p, err := c.ReadMessage()
	if err != nil {
		t.Fatalf("read: %v, want %q", err, data)
	}
	if k != kind || string(p) != data {
		t.Fatalf("got type %d %q, want type %d %q", k, p, kind, data)
	}
}

// closeNow sends the client's close frame, 1000 "bye", and reads nothing.
func closeNow(t *testing.T, c *websocket.Conn) {
	t.Helper()
	msg := websocket.FormatCloseMessage(websocket.CloseNormalClosure, "bye")
	if err := c.WriteControl(websocket.CloseMessage, msg, time.Now().Add(failsafe)); err != nil {
		t.Fatal(err)
	}
}

// closeClient runs the client's side of a close handshake with 1000 "bye" and checks
// the server's echo.
func closeClient(t *testing.T, c *websocket.Conn) {
	t.Helper()
	closeNow(t, c)
	_, _, err := c.ReadMessage()
	if !websocket.IsCloseError(err, websocket.CloseNormalClosure) || err.(*websocket.CloseError).Text != "bye" {
		t.Fatalf("got %v, want the echo of 1000 \"bye\"", err)
	}
}

func TestEcho(t *testing.T) {
	t.Parallel()
	s, url, lb := start(t, defaults())
	c := dial(t, url)
	var total int64
	for i := range 100 {
		kind := []int{websocket.TextMessage, websocket.BinaryMessage}[i%2]
		send(t, c, kind, "m"+strconv.Itoa(i))
		total += int64(len("m" + strconv.Itoa(i)))
	}
	send(t, c, websocket.TextMessage, "\xff\xfe not UTF-8")
	for i := range 100 {
		expect(t, c, []int{websocket.TextMessage, websocket.BinaryMessage}[i%2], "m"+strconv.Itoa(i))
	}
	expect(t, c, websocket.TextMessage, "\xff\xfe not UTF-8")
	closeClient(t, c)

	st := next(t, s)
	want := Stats{ID: 1, Messages: 101, Bytes: total + 12, CloseCode: 1000, CloseReason: "bye", ClosedBy: "client", InOrder: true}
	if st != want {
		t.Errorf("stats:\n got %+v\nwant %+v", st, want)
	}
	wantLog := fmt.Sprintf("conn 1: open from %s (subprotocol: none)\n"+
		"conn 1: closed by client: 1000 \"bye\"; received 101 messages, %d bytes, in order\n",
		c.LocalAddr(), total+12)
	if got := lb.String(); got != wantLog {
		t.Errorf("log:\n got %q\nwant %q", got, wantLog)
	}
}

func TestGreet(t *testing.T) {
	t.Parallel()
	o := defaults()
	o.Greet = []Message{{Data: []byte("hello")}, {Binary: true, Data: []byte{0, 0xff}}, {Data: []byte("ready")}}
	s, url, _ := start(t, o)
	c := dial(t, url)
	expect(t, c, websocket.TextMessage, "hello")
	expect(t, c, websocket.BinaryMessage, "\x00\xff")
	expect(t, c, websocket.TextMessage, "ready")
	send(t, c, websocket.TextMessage, "x")
	expect(t, c, websocket.TextMessage, "x")
	closeClient(t, c)
	if st := next(t, s); st.Messages != 1 || st.Bytes != 1 {
		t.Errorf("got %+v, want 1 message of 1 byte (greetings are not received messages)", st)
	}
}

func TestBroadcast(t *testing.T) {
	t.Parallel()
	o := defaults()
	o.Mode = Broadcast
	o.Greet = []Message{{Data: []byte("hello")}}
	s, url, _ := start(t, o)
	var cs []*websocket.Conn
	for range 3 {
		c := dial(t, url)
		expect(t, c, websocket.TextMessage, "hello") // greeted: now open to broadcasts
		cs = append(cs, c)
	}
	send(t, cs[1], websocket.TextMessage, "hi")
	send(t, cs[1], websocket.BinaryMessage, "\x01")
	for _, c := range cs {
		expect(t, c, websocket.TextMessage, "hi")
		expect(t, c, websocket.BinaryMessage, "\x01")
	}
	s.Broadcast(Message{Data: []byte("news")})
	for _, c := range cs {
		expect(t, c, websocket.TextMessage, "news")
		closeClient(t, c)
		st := next(t, s)
		if want := map[int]int{1: 0, 2: 2, 3: 0}[st.ID]; st.Messages != want {
			t.Errorf("conn %d: got %d messages, want %d", st.ID, st.Messages, want)
		}
	}
}

func TestSink(t *testing.T) {
	t.Parallel()
	o := defaults()
	o.Mode = Sink
	s, url, lb := start(t, o)
	c := dial(t, url)
	send(t, c, websocket.TextMessage, "one")
	send(t, c, websocket.BinaryMessage, "two")
	closeClient(t, c) // the echo of the close frame is the first thing back
	st := next(t, s)
	if st.Messages != 2 || st.Bytes != 6 {
		t.Errorf("got %+v, want 2 messages, 6 bytes", st)
	}
	want := "conn 1: closed by client: 1000 \"bye\"; received 2 messages, 6 bytes, in order\n"
	if got := lb.String(); !strings.HasSuffix(got, want) {
		t.Errorf("log %q does not end with %q", got, want)
	}
}

func TestInOrder(t *testing.T) {
	t.Parallel()
	seq := make([]string, 1000)
	for i := range seq {
		seq[i] = strconv.Itoa(i + 1)
	}
	tests := []struct {
		name   string
		texts  []string
		binary string // sent as a binary message after the first text
		want   bool
	}{
		{"seq 1 1000", seq, "", true},
		{"none", nil, "", true},
		{"any start", []string{"41", "42", "43"}, "", true},
		{"gap", []string{"1", "2", "4"}, "", false},
		{"repeat", []string{"1", "1"}, "", false},
		{"backwards", []string{"3", "2"}, "", false},
		{"other text ignored", []string{"5", "x", "6", " 7", "7"}, "", true},
		{"binary ignored", []string{"1", "2"}, "9", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			o := defaults()
			o.Mode = Sink
			s, url, lb := start(t, o)
			c := dial(t, url)
			for i, m := range tt.texts {
				send(t, c, websocket.TextMessage, m)
				if i == 0 && tt.binary != "" {
					send(t, c, websocket.BinaryMessage, tt.binary)
				}
			}
			closeClient(t, c)
			st := next(t, s)
			if st.InOrder != tt.want {
				t.Errorf("InOrder = %v, want %v", st.InOrder, tt.want)
			}
			word := map[bool]string{true: ", in order\n", false: ", out of order\n"}[tt.want]
			if got := lb.String(); !strings.HasSuffix(got, word) {
				t.Errorf("log %q does not end with %q", got, word)
			}
		})
	}
}

func TestSummaryCounts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		messages int
		bytes    int64
		want     string
	}{
		{0, 0, "received 0 messages, 0 bytes, in order"},
		{1, 1, "received 1 message, 1 byte, in order"},
		{100000, 588895, "received 100000 messages, 588895 bytes, in order"},
	}
	for _, tt := range tests {
		c := &conn{stats: Stats{Messages: tt.messages, Bytes: tt.bytes, InOrder: true}}
		if got := c.tally(); got != tt.want {
			t.Errorf("got %q, want %q", got, tt.want)
		}
	}
}

func TestListenAddr(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"":               "127.0.0.1:8765",
		":0":             "127.0.0.1:0",
		":9000":          "127.0.0.1:9000",
		"9000":           "127.0.0.1:9000",
		"0.0.0.0:9000":   "0.0.0.0:9000",
		"localhost:9000": "localhost:9000",
		"[::1]:9000":     "[::1]:9000",
	}
	for in, want := range tests {
		if got := listenAddr(in); got != want {
			t.Errorf("listenAddr(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestInvalidOptions(t *testing.T) {
	t.Parallel()
	tests := []Options{
		{Mode: "chat", CloseAfter: -1, DropAfter: -1},
		{CloseCode: 65536, CloseAfter: -1, DropAfter: -1},
		{CloseCode: -2, CloseAfter: -1, DropAfter: -1},
		{Reject: 101, CloseAfter: -1, DropAfter: -1},
		{CloseAfter: -2, DropAfter: -1},
	}
	for _, o := range tests {
		s := New(o)
		if _, err := s.Listen("127.0.0.1:0"); err == nil {
			t.Errorf("%+v: Listen succeeded, want an error", o)
		}
		s.Close()
	}
}

func TestListenURL(t *testing.T) {
	t.Parallel()
	s := New(defaults())
	defer s.Close()
	url, err := s.Listen(":0")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(url, "ws://127.0.0.1:") || url[len(url)-1] != '/' {
		t.Errorf("got %q, want ws://127.0.0.1:PORT/", url)
	}
}
