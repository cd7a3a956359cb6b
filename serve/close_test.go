package serve

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

func TestCloseAfter(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		after   int
		code    int
		reason  string
		sent    []string // by the client before it reads
		echoed  []string // what comes back before the close frame
		wantLog string
	}{
		{"after two", 2, 4001, "token expired", []string{"1", "2"}, []string{"1", "2"},
			`closed by server: 4001 "token expired"; received 2 messages, 2 bytes, in order`},
		{"after greetings", 0, 1000, "", nil, nil,
			`closed by server: 1000; received 0 messages, 0 bytes, in order`},
		{"late messages counted, not echoed", 1, 1001, "going away", []string{"a", "b", "c"}, []string{"a"},
			`closed by server: 1001 "going away"; received 3 messages, 3 bytes, in order`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			o := defaults()
			o.CloseAfter, o.CloseCode, o.CloseReason = tt.after, tt.code, tt.reason
			s, url, lb := start(t, o)
			c := dial(t, url)
			for _, m := range tt.sent {
				send(t, c, websocket.TextMessage, m)
			}
			for _, m := range tt.echoed {
				expect(t, c, websocket.TextMessage, m)
			}
			// gorilla's client answers the close frame with the same code.
			_, _, err := c.ReadMessage()
			if ce, ok := err.(*websocket.CloseError); !ok || ce.Code != tt.code || ce.Text != tt.reason {
				t.Fatalf("got %v, want close %d %q", err, tt.code, tt.reason)
			}
			st := next(t, s)
			want := Stats{ID: 1, Messages: len(tt.sent), Bytes: int64(len(strings.Join(tt.sent, ""))),
				CloseCode: tt.code, CloseReason: tt.reason, ClosedBy: "server", InOrder: true}
			if st != want {
				t.Errorf("stats:\n got %+v\nwant %+v", st, want)
			}
			if got := lastLine(lb); got != "conn 1: "+tt.wantLog {
				t.Errorf("log:\n got %q\nwant %q", got, "conn 1: "+tt.wantLog)
			}
		})
	}
}

// TestCloseFrames reads the server's close frame off the wire: every code is sent as
// is, and only a payload over 125 bytes is cut.
func TestCloseFrames(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("r", 200)
	tests := []struct {
		code       int
		reason     string
		payload    string
		wantCode   int
		wantReason string
	}{
		{1000, "bye", "\x03\xe8bye", 1000, "bye"},
		{1005, "", "\x03\xed", 1005, ""},
		{1006, "x", "\x03\xeex", 1006, "x"},
		{1014, "bad gateway", "\x03\xf6bad gateway", 1014, "bad gateway"},
		{1015, "", "\x03\xf7", 1015, ""},
		{999, "", "\x03\xe7", 999, ""},
		{5000, "", "\x13\x88", 5000, ""},
		{0, "", "\x00\x00", 0, ""},
		{65535, "", "\xff\xff", 65535, ""},
		{-1, "ignored", "", 1005, ""},
		{4000, "\xff\xfe", "\x0f\xa0\xff\xfe", 4000, "\xff\xfe"},
		{4000, long[:123], "\x0f\xa0" + long[:123], 4000, long[:123]},
		{4000, long, "\x0f\xa0" + long[:123], 4000, long[:123]},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%d %.10q", tt.code, tt.reason), func(t *testing.T) {
			t.Parallel()
			o := defaults()
			o.CloseAfter, o.CloseCode, o.CloseReason = 0, tt.code, tt.reason
			s, url, lb := start(t, o)
			r := dialRaw(t, url)
			if f := r.readFrame(); f.op != 8 || string(f.payload) != tt.payload {
				t.Fatalf("got op %d payload %q, want a close frame %q", f.op, f.payload, tt.payload)
			}
			r.writeFrame(8, nil)
			st := next(t, s)
			if st.ClosedBy != "server" || st.CloseCode != tt.wantCode || st.CloseReason != tt.wantReason {
				t.Errorf("got %+v, want closed by server %d %q", st, tt.wantCode, tt.wantReason)
			}
			want := fmt.Sprintf("conn 1: %s; received 0 messages, 0 bytes, in order",
				closeEvent("closed by server", tt.wantCode, tt.wantReason))
			if got := lastLine(lb); got != want {
				t.Errorf("log:\n got %q\nwant %q", got, want)
			}
			if b := r.rest(); len(b) != 0 {
				t.Errorf("after the handshake the server sent %q, want nothing", b)
			}
		})
	}
}

// TestCloseUnanswered checks that the server ends its handshake when the client
// never answers.
func TestCloseUnanswered(t *testing.T) {
	t.Parallel()
	o := defaults()
	o.CloseAfter, o.CloseCode = 0, 4001
	s, url, lb := start(t, o, func(s *Server) { s.closeWait = 10 * time.Millisecond })
	r := dialRaw(t, url)
	r.readFrame()
	st := next(t, s)
	if st.ClosedBy != "server" || st.CloseCode != 4001 {
		t.Errorf("got %+v, want closed by server 4001", st)
	}
	if got, want := lastLine(lb), "conn 1: closed by server: 4001; received 0 messages, 0 bytes, in order"; got != want {
		t.Errorf("log:\n got %q\nwant %q", got, want)
	}
	if b := r.rest(); len(b) != 0 {
		t.Errorf("server sent %q after its close frame", b)
	}
}

// TestClientClose checks the echo of the client's close frame, or its absence with
// NoCloseEcho, byte for byte.
func TestClientClose(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		payload    string
		noEcho     bool
		wantCode   int
		wantReason string
		wantRest   string
	}{
		{"echo", "\x03\xe8bye", false, 1000, "bye", "\x88\x05\x03\xe8bye"},
		{"echo empty", "", false, 1005, "", "\x88\x00"},
		{"echo private", "\x0f\xa1", false, 4001, "", "\x88\x02\x0f\xa1"},
		{"echo 1014, which gorilla refuses", "\x03\xf6gw", false, 1014, "gw", "\x88\x04\x03\xf6gw"},
		{"no echo", "\x03\xe8bye", true, 1000, "bye", ""},
		{"no echo empty", "", true, 1005, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			o := defaults()
			o.NoCloseEcho = tt.noEcho
			s, url, lb := start(t, o)
			r := dialRaw(t, url)
			r.writeFrame(1, []byte("hi"))
			if f := r.readFrame(); f.op != 1 || string(f.payload) != "hi" {
				t.Fatalf("got op %d %q, want the echo of hi", f.op, f.payload)
			}
			r.writeFrame(8, []byte(tt.payload))
			st := next(t, s)
			if st.ClosedBy != "client" || st.CloseCode != tt.wantCode || st.CloseReason != tt.wantReason {
				t.Errorf("got %+v, want closed by client %d %q", st, tt.wantCode, tt.wantReason)
			}
			want := fmt.Sprintf("conn 1: %s; received 1 message, 2 bytes, in order",
				closeEvent("closed by client", tt.wantCode, tt.wantReason))
			if got := lastLine(lb); got != want {
				t.Errorf("log:\n got %q\nwant %q", got, want)
			}
			if b := r.rest(); string(b) != tt.wantRest {
				t.Errorf("server sent %q, want %q", b, tt.wantRest)
			}
		})
	}
}

func TestDropAfter(t *testing.T) {
	t.Parallel()
	o := defaults()
	o.DropAfter = 1
	s, url, lb := start(t, o)
	c := dial(t, url)
	send(t, c, websocket.TextMessage, "a")
	expect(t, c, websocket.TextMessage, "a")
	_, _, err := c.ReadMessage()
	if !websocket.IsCloseError(err, websocket.CloseAbnormalClosure) {
		t.Errorf("got %v, want 1006 (unexpected EOF)", err)
	}
	st := next(t, s)
	if st.ClosedBy != "drop" || st.CloseCode != 1006 || st.Messages != 1 {
		t.Errorf("got %+v, want dropped after 1 message", st)
	}
	if got, want := lastLine(lb), "conn 1: dropped by server; received 1 message, 1 byte, in order"; got != want {
		t.Errorf("log:\n got %q\nwant %q", got, want)
	}
}

// TestCloseThenDrop: with CloseAfter and DropAfter equal, the close frame goes out and
// the TCP connection is dropped at once.
func TestCloseThenDrop(t *testing.T) {
	t.Parallel()
	o := defaults()
	o.CloseAfter, o.DropAfter, o.CloseCode = 0, 0, 1001
	s, url, _ := start(t, o)
	r := dialRaw(t, url)
	if f := r.readFrame(); f.op != 8 || string(f.payload) != "\x03\xe9" {
		t.Fatalf("got op %d %q, want close 1001", f.op, f.payload)
	}
	if st := next(t, s); st.ClosedBy != "drop" {
		t.Errorf("got %+v, want a drop", st)
	}
	if b := r.rest(); len(b) != 0 {
		t.Errorf("server sent %q after its close frame", b)
	}
}

func TestConnectionLost(t *testing.T) {
	t.Parallel()
	s, url, lb := start(t, defaults())
	c := dial(t, url)
	send(t, c, websocket.TextMessage, "a")
	expect(t, c, websocket.TextMessage, "a")
	c.NetConn().Close()
	st := next(t, s)
	if st.ClosedBy != "client" || st.CloseCode != 1006 {
		t.Errorf("got %+v, want lost (client, 1006)", st)
	}
	if got, want := lastLine(lb), "conn 1: connection lost: unexpected EOF; received 1 message, 1 byte, in order"; got != want {
		t.Errorf("log:\n got %q\nwant %q", got, want)
	}
}

func TestMaxSize(t *testing.T) {
	t.Parallel()
	o := defaults()
	o.MaxSize = 10
	s, url, lb := start(t, o)
	c := dial(t, url)
	send(t, c, websocket.TextMessage, "0123456789")
	expect(t, c, websocket.TextMessage, "0123456789")
	send(t, c, websocket.TextMessage, "0123456789x")
	_, _, err := c.ReadMessage()
	if !websocket.IsCloseError(err, websocket.CloseMessageTooBig) {
		t.Fatalf("got %v, want close 1009", err)
	}
	c.NetConn().Close()
	st := next(t, s)
	if st.ClosedBy != "server" || st.CloseCode != 1009 || st.Messages != 1 || st.Bytes != 10 {
		t.Errorf("got %+v, want closed by server 1009 after 1 message", st)
	}
	if got, want := lastLine(lb), "conn 1: closed by server: 1009; received 1 message, 10 bytes, in order"; got != want {
		t.Errorf("log:\n got %q\nwant %q", got, want)
	}
}

// TestShutdown checks that Close ends every connection, including one that waits for
// its client to close the TCP connection, and then closes Done.
func TestShutdown(t *testing.T) {
	t.Parallel()
	o := defaults()
	o.Greet = []Message{{Data: []byte("hello")}}
	o.NoCloseEcho = true
	s, url, lb := start(t, o)
	c := dial(t, url)
	expect(t, c, websocket.TextMessage, "hello")
	waiting := dial(t, url)
	if err := waiting.WriteControl(websocket.CloseMessage, nil, time.Now().Add(failsafe)); err != nil {
		t.Fatal(err)
	}
	if st := next(t, s); st.ID != 2 || st.ClosedBy != "client" || st.CloseCode != 1005 {
		t.Fatalf("got %+v, want conn 2 closed by client with 1005", st)
	}

	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.ReadMessage(); !websocket.IsCloseError(err, websocket.CloseAbnormalClosure) {
		t.Errorf("got %v, want 1006 (unexpected EOF)", err)
	}
	if st := next(t, s); st.ID != 1 || st.ClosedBy != "drop" || st.CloseCode != 1006 {
		t.Errorf("got %+v, want conn 1 dropped", st)
	}
	if st, ok := <-s.Done(); ok {
		t.Errorf("got %+v, want Done closed", st)
	}
	if !slices.Contains(strings.Split(lb.String(), "\n"),
		"conn 1: dropped by server: shutting down; received 0 messages, 0 bytes, in order") {
		t.Errorf("log %q has no shutdown line", lb.String())
	}
	if _, err := s.Listen("127.0.0.1:0"); err == nil {
		t.Error("Listen after Close succeeded")
	}
}

// lastLine is the last line of the log.
func lastLine(lb *logBuf) string {
	lines := strings.Split(strings.TrimSuffix(lb.String(), "\n"), "\n")
	return lines[len(lines)-1]
}

// TestClientBadCloseCode: gorilla refuses a close code that must not be received; the
// connection counts as lost, and the client gets gorilla's 1002.
func TestClientBadCloseCode(t *testing.T) {
	t.Parallel()
	s, url, lb := start(t, defaults())
	r := dialRaw(t, url)
	r.writeFrame(8, []byte("\x03\xe7"))
	st := next(t, s)
	if st.ClosedBy != "client" || st.CloseCode != 1006 {
		t.Errorf("got %+v, want lost (client, 1006)", st)
	}
	want := "conn 1: connection lost: websocket: bad close code 999; received 0 messages, 0 bytes, in order"
	if got := lastLine(lb); got != want {
		t.Errorf("log:\n got %q\nwant %q", got, want)
	}
	if b, want := r.rest(), "\x88\x14\x03\xeabad close code 999"; string(b) != want {
		t.Errorf("server sent %q, want %q", b, want)
	}
}
