package serve

import (
	"errors"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
)

// conn is one upgraded connection. Its handler goroutine is the only reader; the
// fields from stats on belong to it (the close handler runs inside its reads). The
// helpers (delayed replies, ticks) write under wmu like everyone else.
type conn struct {
	s      *Server
	id     int
	ws     *websocket.Conn
	remote string

	wmu     sync.Mutex // serialises data writes: greetings, echo, relays, ticks, Server.Broadcast
	stopped bool       // under wmu: StopAtClose has stopped data writes

	out       *outbox        // ReplyDelay's queue; nil: replies are written as they are read
	streaming bool           // StreamEvery is on: the summary line counts the ticks
	ticks     atomic.Int64   // ticks sent (StreamEvery)
	helpers   sync.WaitGroup // the goroutines that write the queue and the ticks
	ended     chan struct{}  // closed when the connection has ended: the helpers stop

	stats      Stats
	order      orderCheck
	play       orderState // where the Order mode's protocol stands
	closeSent  bool       // the server sent its close frame
	closeSeen  bool       // a close frame from the client was read
	sentCode   int        // code of the server's close frame (1005 when empty)
	sentReason string     // reason of the server's close frame, as sent
}

// run serves the connection until it ends and its summary line is logged.
func (c *conn) run() {
	c.ended = make(chan struct{})
	defer func() {
		c.ws.NetConn().Close() // first, so that no helper stays blocked in a write
		close(c.ended)
		c.helpers.Wait()
	}()
	c.stats.ID = c.id
	c.stats.Subprotocol = c.ws.Subprotocol()
	c.stats.InOrder = true
	c.ws.SetCloseHandler(c.onClose)
	if c.s.opts.MaxSize > 0 {
		c.ws.SetReadLimit(c.s.opts.MaxSize)
	}
	c.s.logf("conn %d: open from %s (subprotocol: %s)", c.id, c.remote, orNone(c.stats.Subprotocol))
	c.startQueue()
	c.greet()
	c.startStream()
	if c.cue() {
		return
	}
	if c.s.opts.Mode == Stall {
		c.stall()
		return
	}
	pace := c.pacer()
	defer pace.stop()
	for {
		pace.wait()
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

// respond does what the mode says with a received message: a reply to its sender
// (echo) or to every client open to broadcasts.
func (c *conn) respond(kind int, data []byte) {
	switch c.s.opts.Mode {
	case Echo:
		c.reply(kind, data)
	case Broadcast:
		for _, to := range c.s.greeted() {
			to.reply(kind, data)
		}
	case Order:
		c.playOrder(kind, data)
	}
}

// reply sends one reply now, or queues it for ReplyDelay.
func (c *conn) reply(kind int, data []byte) {
	if c.out != nil {
		c.out.push(kind, data)
		return
	}
	c.write(kind, data)
}

// errStopped refuses a data write once StopAtClose has stopped the connection.
var errStopped = errors.New("no data after the client's close frame")

// write sends one data message. The caller may ignore the error: the reader sees
// the connection end.
func (c *conn) write(kind int, data []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	return c.writeLocked(kind, data)
}

// writeLocked is write with wmu held.
func (c *conn) writeLocked(kind int, data []byte) error {
	if c.stopped {
		return errStopped
	}
	c.ws.SetWriteDeadline(time.Now().Add(writeWait)) // a client that stops reading must not stall the others
	return c.ws.WriteMessage(kind, data)
}

// stopData stops every data write, for StopAtClose, and counts the replies that
// were still queued.
func (c *conn) stopData() {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	c.stopped = true
	if c.out != nil {
		c.stats.Dropped = c.out.stop()
	}
}

// pacer holds the reader to ReadRate: wait blocks until the next tick of a ticker
// at that rate, or until Close.
type pacer struct {
	t    *time.Ticker // nil: no limit
	quit <-chan struct{}
}

func (c *conn) pacer() pacer {
	p := pacer{quit: c.s.quit}
	if rate := c.s.opts.ReadRate; rate > 0 {
		p.t = time.NewTicker(max(time.Duration(float64(time.Second)/rate), 1))
	}
	return p
}

func (p pacer) wait() {
	if p.t == nil {
		return
	}
	select {
	case <-p.t.C:
	case <-p.quit: // the read fails at once: Close has closed the connection
	}
}

func (p pacer) stop() {
	if p.t != nil {
		p.t.Stop()
	}
}

// writeWait bounds one message write to a client.
const writeWait = 10 * time.Second

// cue acts on CloseAfter and DropAfter when the count of received messages reaches
// them (both at once: the close frame, then the drop). It reports whether the
// connection has ended.
func (c *conn) cue() bool {
	n := c.stats.Messages
	closing := n == c.s.opts.CloseAfter && !c.closeSent
	if closing || n == c.s.opts.DropAfter {
		c.flush() // the replies of the messages read so far go first
	}
	if closing {
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
