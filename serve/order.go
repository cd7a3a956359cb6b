package serve

import (
	"encoding/json"
	"time"

	"github.com/gorilla/websocket"
)

// The Order mode's protocol is a small part of graphql-transport-ws, the
// protocol of GraphQL over WebSocket: enough that a client which sends its
// messages in the wrong order, without waiting for the answer it needs,
// fails, as it would against a real server.
//
//   - {"type":"connection_init"} is answered, AckDelay later, with
//     {"type":"connection_ack"}; a second connection_init closes the
//     connection with 4429 "Too many initialisation requests".
//   - {"type":"subscribe","id":ID} before the ack was sent closes the
//     connection with 4401 "Unauthorized"; after it, the server answers
//     {"id":ID,"type":"next","payload":{"data":{"hello":"world"}}} and then
//     {"id":ID,"type":"complete"}, with ID copied as the client wrote it.
//   - Anything else, JSON or not, text or binary, is echoed.
//
// The ack waits on a helper goroutine while the reader goes on reading, so
// that a subscribe which does not wait for it is seen as such.

// The close codes and reasons of graphql-transport-ws.
const (
	unauthorized     = 4401
	tooManyInits     = 4429
	unauthorizedText = "Unauthorized"
	tooManyInitsText = "Too many initialisation requests"
)

// orderState is where a connection is in the Order protocol. initSeen
// belongs to the reader; acked and refused are under wmu, so that the ack
// and a subscribe that races it are decided one way, once.
type orderState struct {
	initSeen bool
	acked    bool // connection_ack was written
	refused  bool // the server is closing: no ack may follow
}

// orderMessage is the part of a client's message the protocol reads.
type orderMessage struct {
	Type string          `json:"type"`
	ID   json.RawMessage `json:"id"`
}

// playOrder answers one message in the Order protocol.
func (c *conn) playOrder(kind int, data []byte) {
	var m orderMessage
	if kind != websocket.TextMessage || json.Unmarshal(data, &m) != nil {
		c.reply(kind, data)
		return
	}
	switch m.Type {
	case "connection_init":
		if c.play.initSeen {
			c.refuse(tooManyInits, tooManyInitsText)
			return
		}
		c.play.initSeen = true
		c.startAck()
	case "subscribe":
		c.subscribe(m.ID)
	default:
		c.reply(kind, data)
	}
}

// startAck sends connection_ack AckDelay from now, or at once when there is
// no delay, so that a client that waits for nothing still gets it before
// its next message is read.
func (c *conn) startAck() {
	delay := c.s.opts.AckDelay
	if delay <= 0 {
		c.ack()
		return
	}
	c.helpers.Add(1)
	go func() {
		defer c.helpers.Done()
		t := time.NewTimer(delay)
		defer t.Stop()
		if await(c, t.C) {
			c.ack()
		}
	}()
}

func (c *conn) ack() {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if c.play.refused {
		return
	}
	if c.writeLocked(websocket.TextMessage, []byte(`{"type":"connection_ack"}`)) == nil {
		c.play.acked = true
	}
}

// subscribe answers a subscription: next and complete once acked, the close
// with 4401 before.
func (c *conn) subscribe(id json.RawMessage) {
	if !c.answerSubscribe(id) {
		c.refuse(unauthorized, unauthorizedText)
	}
}

// answerSubscribe sends next and complete, and reports false, sending
// nothing, when the ack has not gone out: then no ack may follow either.
func (c *conn) answerSubscribe(id json.RawMessage) bool {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if !c.play.acked {
		c.play.refused = true
		return false
	}
	if c.writeLocked(websocket.TextMessage, orderReply(id, "next", `,"payload":{"data":{"hello":"world"}}`)) == nil {
		c.writeLocked(websocket.TextMessage, orderReply(id, "complete", ""))
	}
	return true
}

// refuse closes the connection for a protocol error, and no ack follows;
// the reader goes on to read the client's answer.
func (c *conn) refuse(code int, reason string) {
	c.wmu.Lock()
	c.play.refused = true
	c.wmu.Unlock()
	c.closeWith(code, reason)
}

// orderReply is {"id":ID,"type":TYPE...rest}; without an id, no "id" key.
func orderReply(id json.RawMessage, typ, rest string) []byte {
	b := []byte(`{`)
	if len(id) > 0 {
		b = append(append(append(b, `"id":`...), id...), ',')
	}
	b = append(append(append(b, `"type":"`...), typ...), '"')
	return append(append(b, rest...), '}')
}
