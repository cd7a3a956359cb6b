package serve

import (
	"io"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// conn is one upgraded connection. Its handler goroutine is the only reader; the
// fields below wmu belong to it (the close handler runs inside its reads).
type conn struct {
	s      *Server
	id     int
	ws     *websocket.Conn
	remote string

	wmu sync.Mutex // serialises data writes: greetings, echo, relays, Server.Broadcast

	stats      Stats
	order      orderCheck
	closeSent  bool   // the server sent its close frame
	closeSeen  bool   // a close frame from the client was read
	sentCode   int    // code of the server's close frame (1005 when empty)
	sentReason string // reason of the server's close frame, as sent
}

// run serves the connection until it ends and its summary line is logged.
func (c *conn) run() {
	defer c.ws.NetConn().Close()
	c.stats.ID = c.id
	c.stats.Subprotocol = c.ws.Subprotocol()
	c.stats.InOrder = true
	c.ws.SetCloseHandler(c.onClose)
	if c.s.opts.MaxSize > 0 {
		c.ws.SetReadLimit(c.s.opts.MaxSize)
	}
	c.s.logf("conn %d: open from %s (subprotocol: %s)", c.id, c.remote, orNone(c.stats.Subprotocol))
	c.greet()
	if c.cue() {
		return
	}
	for {
		kind, data, size, err := c.read()
		if err != nil {
			c.readFailed(err)
			return
		}
		c.received(kind, data, size)
		if !c.closeSent {
			c.respond(kind, data)
		}
		if c.cue() {
			return
		}
	}
}

// greet sends the greetings, holding the write lock from the moment the connection is
// open to broadcasts, so that no broadcast overtakes them.
func (c *conn) greet() {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	c.s.setGreeted(c)
	for _, m := range c.s.opts.Greet {
		if c.ws.WriteMessage(m.kind(), m.Data) != nil {
			return
		}
	}
}

// sinkKeep is how much of each message a sink keeps: enough for the order
// check of numbered lines, so that huge messages cost no memory.
const sinkKeep = 64

// read returns the next data message and its size. A sink keeps only the
// start of each message and counts the rest.
func (c *conn) read() (kind int, data []byte, size int64, err error) {
	if c.s.opts.Mode != Sink {
		kind, data, err = c.ws.ReadMessage()
		return kind, data, int64(len(data)), err
	}
	kind, r, err := c.ws.NextReader()
	if err != nil {
		return 0, nil, 0, err
	}
	head := make([]byte, sinkKeep+1)
	n, err := io.ReadFull(r, head)
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		return 0, nil, 0, err
	}
	rest, err := io.Copy(io.Discard, r)
	size = int64(n) + rest
	if n > sinkKeep {
		n = 0 // too long to be a numbered line: no order check
	}
	return kind, head[:n], size, err
}

// received counts a data message.
func (c *conn) received(kind int, data []byte, size int64) {
	c.stats.Messages++
	c.stats.Bytes += size
	if kind == websocket.TextMessage {
		c.order.see(string(data))
		c.stats.InOrder = !c.order.broken
	}
}

// respond does what the mode says with a received message.
func (c *conn) respond(kind int, data []byte) {
	switch c.s.opts.Mode {
	case Echo:
		c.write(kind, data)
	case Broadcast:
		c.s.Broadcast(Message{Binary: kind == websocket.BinaryMessage, Data: data})
	}
}

// write sends one data message. Errors are left to the reader, which sees the
// connection end.
func (c *conn) write(kind int, data []byte) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	c.ws.SetWriteDeadline(time.Now().Add(writeWait)) // a client that stops reading must not stall the others
	c.ws.WriteMessage(kind, data)
}

// writeWait bounds one message write to a client.
const writeWait = 10 * time.Second

// cue acts on CloseAfter and DropAfter when the count of received messages reaches
// them (both at once: the close frame, then the drop). It reports whether the
// connection has ended.
func (c *conn) cue() bool {
	n := c.stats.Messages
	if n == c.s.opts.CloseAfter && !c.closeSent {
		c.sendClose()
	}
	if n == c.s.opts.DropAfter {
		c.ws.NetConn().Close()
		c.end("drop", websocket.CloseAbnormalClosure, "", "dropped by server")
		return true
	}
	return false
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}
