package serve

import (
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

const (
	initMsg      = `{"type":"connection_init","payload":{"token":"t"}}`
	ackMsg       = `{"type":"connection_ack"}`
	subscribeMsg = `{"id":"1","type":"subscribe","payload":{"query":"subscription { hello }"}}`
	nextMsg      = `{"id":"1","type":"next","payload":{"data":{"hello":"world"}}}`
	completeMsg  = `{"id":"1","type":"complete"}`
)

func orderOptions(ackDelay time.Duration) Options {
	o := defaults()
	o.Mode, o.AckDelay = Order, ackDelay
	return o
}

// In order: connection_init, its ack no sooner than AckDelay, then a
// subscribe is answered with next and complete; anything else is echoed.
func TestOrderInOrder(t *testing.T) {
	t.Parallel()
	const delay = 50 * time.Millisecond
	s, url, lb := start(t, orderOptions(delay))
	c := dial(t, url)
	sent := time.Now()
	send(t, c, websocket.TextMessage, initMsg)
	expect(t, c, websocket.TextMessage, ackMsg)
	if took := time.Since(sent); took < delay {
		t.Errorf("the ack came %v after connection_init, want at least the %v delay", took, delay)
	}
	send(t, c, websocket.TextMessage, subscribeMsg)
	expect(t, c, websocket.TextMessage, nextMsg)
	expect(t, c, websocket.TextMessage, completeMsg)
	for _, m := range []struct {
		kind int
		data string
	}{
		{websocket.TextMessage, "hello"},                  // not JSON
		{websocket.TextMessage, `{"type":"ping"}`},        // a type the protocol leaves to others
		{websocket.TextMessage, `[1,2]`},                  // JSON, not an object
		{websocket.BinaryMessage, `{"type":"subscribe"}`}, // binary is never the protocol
	} {
		send(t, c, m.kind, m.data)
		expect(t, c, m.kind, m.data)
	}
	// An id is copied as the client wrote it, a number too; none, none.
	send(t, c, websocket.TextMessage, `{"type":"subscribe","id":7}`)
	expect(t, c, websocket.TextMessage, `{"id":7,"type":"next","payload":{"data":{"hello":"world"}}}`)
	expect(t, c, websocket.TextMessage, `{"id":7,"type":"complete"}`)
	send(t, c, websocket.TextMessage, `{"type":"subscribe"}`)
	expect(t, c, websocket.TextMessage, `{"type":"next","payload":{"data":{"hello":"world"}}}`)
	expect(t, c, websocket.TextMessage, `{"type":"complete"}`)
	closeClient(t, c)
	if st := next(t, s); st.ClosedBy != "client" || st.Messages != 8 {
		t.Errorf("got %+v, want closed by the client after 8 messages", st)
	}
	wantLastLine(t, lb, `conn 1: closed by client: 1000 "bye"; received 8 messages, 216 bytes, in order`)
}

// With no delay the ack is written before the next message is read, so a
// client that does not wait for it still passes.
func TestOrderNoDelay(t *testing.T) {
	t.Parallel()
	s, url, _ := start(t, orderOptions(0))
	c := dial(t, url)
	send(t, c, websocket.TextMessage, initMsg)
	send(t, c, websocket.TextMessage, subscribeMsg)
	expect(t, c, websocket.TextMessage, ackMsg)
	expect(t, c, websocket.TextMessage, nextMsg)
	expect(t, c, websocket.TextMessage, completeMsg)
	closeClient(t, c)
	next(t, s)
}

// Out of order: a subscribe before the ack (or with no connection_init at
// all) closes with 4401 "Unauthorized", and a second connection_init with
// 4429; nothing follows the close frame, the pending ack included.
func TestOrderRefused(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name     string
		ackDelay time.Duration
		msgs     []string
		before   []string // what the server sends before its close
		code     int
		reason   string
	}{
		{"subscribe before the ack", never, []string{initMsg, subscribeMsg}, nil, 4401, "Unauthorized"},
		{"subscribe without init", never, []string{subscribeMsg}, nil, 4401, "Unauthorized"},
		{"init twice", 0, []string{initMsg, initMsg}, []string{ackMsg}, 4429, "Too many initialisation requests"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, url, lb := start(t, orderOptions(tt.ackDelay))
			r := dialRaw(t, url)
			for _, m := range tt.msgs {
				r.writeFrame(1, []byte(m))
			}
			for _, m := range tt.before {
				r.expectFrame(1, m, m)
			}
			want := string(closePayload(tt.code, tt.reason))
			r.expectFrame(8, want, "the server's close")
			r.writeFrame(8, []byte(want[:2]))
			if st := next(t, s); st.ClosedBy != "server" || st.CloseCode != tt.code || st.CloseReason != tt.reason {
				t.Errorf("got %+v, want closed by the server with %d %q", st, tt.code, tt.reason)
			}
			if rest := r.rest(); len(rest) != 0 {
				t.Errorf("after the close frame the server sent %q", rest)
			}
			wantLastLine(t, lb, "conn 1: "+closeEvent("closed by server", tt.code, tt.reason)+"; "+tallyOf(tt.msgs))
		})
	}
}

// tallyOf is the end of the summary line for text messages that are not
// numbers.
func tallyOf(msgs []string) string {
	n := 0
	for _, m := range msgs {
		n += len(m)
	}
	return "received " + count(int64(len(msgs)), "message") + ", " + count(int64(n), "byte") + ", in order"
}

func TestAckDelayInvalid(t *testing.T) {
	t.Parallel()
	o := orderOptions(-time.Second)
	s := New(o)
	if _, err := s.Listen("127.0.0.1:0"); err == nil {
		t.Error("Listen accepted a negative ack delay")
	}
	s.Close()
}
