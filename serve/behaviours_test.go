// The servers a client meets at the end of a session: late replies, no data after
// the client's close, a stall, a slow reader and a feed.

package serve

import (
	"fmt"
	"math"
	"net"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// never is a reply delay no test waits for: the replies it holds can only be
// dropped or sent at a close.
const never = time.Hour

// TestStopAtCloseDropsQueuedReplies plays Python websockets: three messages and the
// close frame arrive at once, the replies are still queued, and the close echo is
// all that comes back. That the server read the close while the replies waited shows
// that the reader goes on reading.
func TestStopAtCloseDropsQueuedReplies(t *testing.T) {
	t.Parallel()
	o := defaults()
	o.ReplyDelay, o.StopAtClose = never, true
	s, url, lb := start(t, o)
	r := dialRaw(t, url)
	for _, m := range []string{"1", "2", "3"} {
		r.writeFrame(1, []byte(m))
	}
	r.writeFrame(8, []byte("\x03\xe8bye"))
	r.expectFrame(8, "\x03\xe8bye", "the close echo first")
	st := next(t, s)
	want := Stats{ID: 1, Messages: 3, Bytes: 3, CloseCode: 1000, CloseReason: "bye", ClosedBy: "client", InOrder: true, Dropped: 3}
	if st != want {
		t.Errorf("stats:\n got %+v\nwant %+v", st, want)
	}
	wantLastLine(t, lb, `conn 1: closed by client: 1000 "bye"; received 3 messages, 3 bytes, in order; 3 replies dropped at the close`)
	if b := r.rest(); len(b) != 0 {
		t.Errorf("after the close echo the server sent %q, want nothing", b)
	}
}

// TestReplyDelayFlushesBeforeTheClose: without StopAtClose, a client that closes
// right after its messages still gets every reply, late, and then the close echo.
func TestReplyDelayFlushesBeforeTheClose(t *testing.T) {
	t.Parallel()
	const delay = 50 * time.Millisecond
	o := defaults()
	o.ReplyDelay = delay
	s, url, lb := start(t, o)
	c := dial(t, url)
	sent := time.Now()
	send(t, c, websocket.TextMessage, "a")
	send(t, c, websocket.BinaryMessage, "b")
	send(t, c, websocket.TextMessage, "c")
	closeNow(t, c)
	expect(t, c, websocket.TextMessage, "a")
	if waited := time.Since(sent); waited < delay {
		t.Errorf("the first reply came after %v, want at least %v", waited, delay)
	}
	expect(t, c, websocket.BinaryMessage, "b")
	expect(t, c, websocket.TextMessage, "c")
	if _, _, err := c.ReadMessage(); !websocket.IsCloseError(err, websocket.CloseNormalClosure) {
		t.Fatalf("got %v, want the close echo after the replies", err)
	}
	if st := next(t, s); st.Messages != 3 || st.Dropped != 0 {
		t.Errorf("got %+v, want 3 messages and nothing dropped", st)
	}
	wantLastLine(t, lb, `conn 1: closed by client: 1000 "bye"; received 3 messages, 3 bytes, in order`)
}

// TestReplyDelayBeforeServerClose: CloseAfter and DropAfter send the queued replies
// first, as they do without a delay.
func TestReplyDelayBeforeServerClose(t *testing.T) {
	t.Parallel()
	for _, drop := range []bool{false, true} {
		t.Run(fmt.Sprintf("drop=%v", drop), func(t *testing.T) {
			t.Parallel()
			o := defaults()
			o.ReplyDelay = 20 * time.Millisecond
			if drop {
				o.DropAfter = 2
			} else {
				o.CloseAfter, o.CloseCode = 2, 4000
			}
			s, url, _ := start(t, o)
			c := dial(t, url)
			send(t, c, websocket.TextMessage, "1")
			send(t, c, websocket.TextMessage, "2")
			expect(t, c, websocket.TextMessage, "1")
			expect(t, c, websocket.TextMessage, "2")
			_, _, err := c.ReadMessage()
			if want := map[bool]int{false: 4000, true: websocket.CloseAbnormalClosure}[drop]; !websocket.IsCloseError(err, want) {
				t.Errorf("got %v, want %d after the replies", err, want)
			}
			if st := next(t, s); st.Messages != 2 {
				t.Errorf("got %+v, want 2 messages", st)
			}
		})
	}
}

// TestReplyDelayBroadcast: each client's relays come late, in order.
func TestReplyDelayBroadcast(t *testing.T) {
	t.Parallel()
	o := defaults()
	o.Mode, o.ReplyDelay = Broadcast, 20*time.Millisecond
	o.Greet = []Message{{Data: []byte("hello")}}
	s, url, _ := start(t, o)
	a, b := dial(t, url), dial(t, url)
	expect(t, a, websocket.TextMessage, "hello") // greeted: open to broadcasts
	expect(t, b, websocket.TextMessage, "hello")
	for _, m := range []string{"1", "2", "3"} {
		send(t, b, websocket.TextMessage, m)
	}
	for _, c := range []*websocket.Conn{a, b} {
		for _, m := range []string{"1", "2", "3"} {
			expect(t, c, websocket.TextMessage, m)
		}
		closeClient(t, c)
		next(t, s)
	}
}

// TestStopAtClose: the stop takes no reply that was already written, is counted on
// the line even at 0, and refuses any later data (here a Broadcast, which a server
// that does not answer the close would otherwise still send).
func TestStopAtClose(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		stop     bool
		wantLine string
		wantRest string
	}{
		{"stop", true, `closed by client: 1000 "bye"; received 1 message, 2 bytes, in order; 0 replies dropped at the close`, ""},
		{"no stop", false, `closed by client: 1000 "bye"; received 1 message, 2 bytes, in order`, "\x81\x04late"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			o := defaults()
			o.StopAtClose, o.NoCloseEcho = tt.stop, true
			s, url, lb := start(t, o)
			r := dialRaw(t, url)
			r.writeFrame(1, []byte("hi"))
			r.writeFrame(8, []byte("\x03\xe8bye"))
			r.expectFrame(1, "hi", "the echo of hi, written before the close was read")
			next(t, s) // the close frame is read
			s.Broadcast(Message{Data: []byte("late")})
			wantLastLine(t, lb, "conn 1: "+tt.wantLine)
			if b := r.rest(); string(b) != tt.wantRest {
				t.Errorf("after the close the server sent %q, want %q", b, tt.wantRest)
			}
		})
	}
}

// TestCloseWithQueuedReplies: Close ends a connection whose replies wait, at once.
func TestCloseWithQueuedReplies(t *testing.T) {
	t.Parallel()
	o := defaults()
	o.ReplyDelay = never
	s, url, lb := start(t, o)
	r := dialRaw(t, url)
	r.writeFrame(1, []byte("a"))
	r.writeFrame(9, []byte("p"))
	r.expectFrame(10, "p", "the pong first (the reply waits)")
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if st := next(t, s); st.ClosedBy != "drop" || st.Messages != 1 {
		t.Errorf("got %+v, want dropped after 1 message", st)
	}
	wantLastLine(t, lb, "conn 1: dropped by server: shutting down; received 1 message, 1 byte, in order")
}

// TestStall: the server reads nothing, so the client's writes end up blocked until
// their deadline; Close ends the connection, with 0 messages read.
func TestStall(t *testing.T) {
	t.Parallel()
	o := defaults()
	o.Mode = Stall
	o.Greet = []Message{{Data: []byte("hello")}}
	s, url, lb := start(t, o)
	c := dial(t, url)
	expect(t, c, websocket.TextMessage, "hello")
	big := make([]byte, 1<<20)
	c.SetWriteDeadline(time.Now().Add(time.Second))
	var err error
	for i := 0; i < 256 && err == nil; i++ { // 256 MiB: far more than the kernel buffers
		err = c.WriteMessage(websocket.BinaryMessage, big)
	}
	if ne, ok := err.(net.Error); !ok || !ne.Timeout() {
		t.Fatalf("got %v, want the client's write to time out", err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	st := next(t, s)
	if want := (Stats{ID: 1, CloseCode: 1006, ClosedBy: "drop", InOrder: true}); st != want {
		t.Errorf("stats:\n got %+v\nwant %+v", st, want)
	}
	wantLastLine(t, lb, "conn 1: dropped by server: shutting down; received 0 messages, 0 bytes, in order")
}

// TestStallHangUp: on Linux the stall sees the client hang up without reading, with
// data left unread, after a reset, or after its own close frame.
func TestStallHangUp(t *testing.T) {
	t.Parallel()
	if runtime.GOOS != "linux" {
		t.Skip("only Linux sees a hang-up without reading")
	}
	tests := []struct {
		name       string
		reset      bool // SO_LINGER 0: the client's close resets the connection
		closeAfter int
		send       string
		want       string
	}{
		{"FIN", false, -1, "", "connection lost: the client hung up on the stall"},
		{"FIN behind unread data", false, -1, "unread", "connection lost: the client hung up on the stall"},
		{"reset", true, -1, "unread", "connection lost: the client hung up on the stall"},
		{"after close-after 0", false, 0, "", "closed by server: 1000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			o := defaults()
			o.Mode, o.CloseAfter, o.CloseCode = Stall, tt.closeAfter, 1000
			s, url, lb := start(t, o)
			r := dialRaw(t, url)
			if tt.closeAfter == 0 {
				if f := r.readFrame(); f.op != 8 {
					t.Fatalf("got op %d, want the server's close", f.op)
				}
				r.writeFrame(8, []byte("\x03\xe8"))
			}
			if tt.send != "" {
				r.writeFrame(1, []byte(tt.send))
			}
			if tt.reset {
				r.nc.(*net.TCPConn).SetLinger(0)
			}
			r.nc.Close()
			if st := next(t, s); st.Messages != 0 {
				t.Errorf("got %+v, want 0 messages", st)
			}
			wantLastLine(t, lb, "conn 1: "+tt.want+"; received 0 messages, 0 bytes, in order")
		})
	}
}

// TestReadRate: the server takes at most ReadRate messages a second, so 20 messages
// and the close take at least 20 intervals; every message is counted.
func TestReadRate(t *testing.T) {
	t.Parallel()
	const rate, n = 100, 20
	o := defaults()
	o.Mode, o.ReadRate = Sink, rate
	s, url, lb := start(t, o)
	c := dial(t, url)
	sent := time.Now()
	for i := 1; i <= n; i++ {
		send(t, c, websocket.TextMessage, fmt.Sprint(i))
	}
	closeClient(t, c)
	if took, least := time.Since(sent), n*time.Second/rate; took < least {
		t.Errorf("%d messages and the close were read in %v, want at least %v", n, took, least)
	}
	if st := next(t, s); st.Messages != n || !st.InOrder {
		t.Errorf("got %+v, want %d messages in order", st, n)
	}
	wantLastLine(t, lb, `conn 1: closed by client: 1000 "bye"; received 20 messages, 31 bytes, in order`)
}

// TestStream: with NoCloseEcho the ticks go on after the client's close frame, which
// gets no answer; the line counts the ticks sent when the close was read.
func TestStream(t *testing.T) {
	t.Parallel()
	o := defaults()
	o.StreamEvery, o.NoCloseEcho = 5*time.Millisecond, true
	s, url, lb := start(t, o)
	c := dial(t, url)
	expect(t, c, websocket.TextMessage, "tick 1")
	expect(t, c, websocket.TextMessage, "tick 2")
	expect(t, c, websocket.TextMessage, "tick 3")
	closeNow(t, c)
	st := next(t, s) // the close is read
	for i := 4; i <= st.Ticks+3; i++ {
		expect(t, c, websocket.TextMessage, fmt.Sprintf("tick %d", i)) // never the close echo
	}
	if st.ClosedBy != "client" || st.CloseCode != 1000 || st.Ticks < 3 {
		t.Errorf("got %+v, want closed by client 1000 after 3 ticks or more", st)
	}
	line := regexp.MustCompile(`^conn 1: closed by client: 1000 "bye"; received 0 messages, 0 bytes, in order; sent (\d+) ticks so far$`)
	if m := line.FindStringSubmatch(lastLine(lb)); m == nil || m[1] != fmt.Sprint(st.Ticks) {
		t.Errorf("log line %q, want it to count %d ticks", lastLine(lb), st.Ticks)
	}
}

// TestStreamStopAtClose: the ticks stop at the client's close frame: every tick
// the client gets was counted on the line.
func TestStreamStopAtClose(t *testing.T) {
	t.Parallel()
	o := defaults()
	o.StreamEvery, o.NoCloseEcho, o.StopAtClose = time.Millisecond, true, true
	s, url, lb := start(t, o)
	r := dialRaw(t, url)
	r.expectFrame(1, "tick 1", "tick 1")
	r.writeFrame(8, []byte("\x03\xe8"))
	st := next(t, s)
	got := 1
	for rest := r.rest(); len(rest) > 0; got++ { // unmasked, short text frames
		if len(rest) < 2 || rest[0] != 0x81 || len(rest) < 2+int(rest[1]) {
			t.Fatalf("after the close: %q, want only ticks", rest)
		}
		if want := fmt.Sprintf("tick %d", got+1); string(rest[2:2+rest[1]]) != want {
			t.Fatalf("got %q, want %q", rest[2:2+rest[1]], want)
		}
		rest = rest[2+rest[1]:]
	}
	if got != st.Ticks {
		t.Errorf("the client got %d ticks, the server counted %d at the close", got, st.Ticks)
	}
	wantLastLine(t, lb, fmt.Sprintf("conn 1: closed by client: 1000; received 0 messages, 0 bytes, in order; 0 replies dropped at the close; sent %s", count(int64(st.Ticks), "tick")))
}

// expectFrame reads the next frame and checks its opcode and payload; what says
// what it should be.
func (r *rawConn) expectFrame(op byte, payload, what string) {
	r.t.Helper()
	if f := r.readFrame(); f.op != op || string(f.payload) != payload {
		r.t.Fatalf("got op %d %q, want %s", f.op, f.payload, what)
	}
}

// wantLastLine checks the log's last line.
func wantLastLine(t *testing.T, lb *logBuf, want string) {
	t.Helper()
	if got := lastLine(lb); got != want {
		t.Errorf("log:\n got %q\nwant %q", got, want)
	}
}

func TestBehaviourOptionsInvalid(t *testing.T) {
	t.Parallel()
	for _, tune := range []func(*Options){
		func(o *Options) { o.ReplyDelay = -time.Second },
		func(o *Options) { o.StreamEvery = -1 },
		func(o *Options) { o.ReadRate = -1 },
		func(o *Options) { o.ReadRate = math.NaN() },
		func(o *Options) { o.ReadRate = math.Inf(1) },
		func(o *Options) { o.Mode = "stalled" },
	} {
		o := defaults()
		tune(&o)
		s := New(o)
		if _, err := s.Listen("127.0.0.1:0"); err == nil {
			t.Errorf("%+v: Listen succeeded, want an error", o)
		} else if o.Mode == "stalled" && !strings.Contains(err.Error(), "want echo, broadcast, sink, stall or order") {
			t.Errorf("got %q, want the modes listed", err)
		}
		s.Close()
	}
}

func TestCountPlural(t *testing.T) {
	t.Parallel()
	for n, want := range map[int64]string{0: "0 replies", 1: "1 reply", 2: "2 replies"} {
		if got := count(n, "reply"); got != want {
			t.Errorf("count(%d) = %q, want %q", n, got, want)
		}
	}
}
