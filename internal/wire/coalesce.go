package wire

import (
	"net"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// coalesceSize is how many bytes of frames are gathered before they are
// written anyway: a few dozen short messages, or one 64 KiB one.
const coalesceSize = 64 << 10

// Coalescer sits under gorilla/websocket and gathers the frames it writes,
// so that one write(2) carries many messages. Gathering starts with Start
// (after the upgrade). The writer flushes whenever its input has nothing
// more in hand, so a message never waits for a later one; a control frame
// (close, ping, pong, from any goroutine) is written at once, after the
// frames gathered before it, which keeps the order on the wire.
type Coalescer struct {
	net.Conn

	mu     sync.Mutex
	on     bool
	buf    []byte
	err    error // a failed write: every later one fails too
	frames frameScanner

	// the write deadline last set: gorilla sets one before every frame,
	// nearly always the same, and setting it costs runtime locks
	deadline    time.Time
	deadlineSet bool

	// delivery accounting, readable while a write blocks (mu is held then)
	accepted atomic.Int64 // frame bytes gorilla handed over since Start
	written  atomic.Int64 // of those, bytes the connection took
	endsMu   sync.Mutex
	pending  []int64 // message ends not yet published, under mu
	ends     []int64 // where the latest data messages end, in accepted bytes
	dropped  int     // message ends no longer kept in ends
	messages atomic.Int64
}

// maxEnds bounds the message ends kept for Undelivered: 2 MiB of offsets,
// more messages than the kernel's send buffer holds unless they are tiny.
const maxEnds = 1 << 18

// NewCoalescer wraps c; it writes straight through until Start.
func NewCoalescer(c net.Conn) *Coalescer { return &Coalescer{Conn: c} }

// Start begins gathering frames.
func (c *Coalescer) Start() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.buf == nil {
		c.buf = make([]byte, 0, coalesceSize)
		c.frames.onEnd = c.messageEnd
	}
	c.on = true
}

// Trace makes the coalescer tell tr of every frame as gorilla hands it
// over, before it goes to the connection: the peer's answer to a frame can
// only be read after it.
func (c *Coalescer) Trace(tr Tracer) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.frames.trace = &tracing{out: true}
	c.frames.tracer = tr
}

// Write gathers p, which holds (parts of) whole frames; a control frame is
// written out as soon as its last byte is in.
func (c *Coalescer) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil {
		return 0, c.err
	}
	if !c.on {
		return c.Conn.Write(p)
	}
	// what was gathered goes first, before p is counted: if that write
	// fails, p was never accepted, and its message is not counted as
	// written but undelivered (the writer still holds it, to send again)
	if len(c.buf)+len(p) > cap(c.buf) {
		if err := c.flush(); err != nil {
			return 0, err
		}
	}
	control := c.frames.scan(p)
	c.accepted.Add(int64(len(p)))
	if len(p) >= cap(c.buf) { // too big to gather: no copy
		c.publish()
		n, err := c.Conn.Write(p)
		c.written.Add(int64(n))
		if err != nil {
			c.err = err
			return 0, err
		}
		return len(p), nil
	}
	c.buf = append(c.buf, p...)
	if control {
		if err := c.flush(); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}

// SetWriteDeadline passes a deadline on only when it changes.
func (c *Coalescer) SetWriteDeadline(t time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.deadlineSet && t.Equal(c.deadline) {
		return nil
	}
	c.deadline, c.deadlineSet = t, true
	return c.Conn.SetWriteDeadline(t)
}

// SetDeadline sets both deadlines, and remembers the write one.
func (c *Coalescer) SetDeadline(t time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.deadline, c.deadlineSet = t, true
	return c.Conn.SetDeadline(t)
}

// Flush writes what was gathered.
func (c *Coalescer) Flush() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.flush()
}

func (c *Coalescer) flush() error {
	if c.err != nil {
		return c.err
	}
	if len(c.buf) == 0 {
		return nil
	}
	c.publish()
	n, err := c.Conn.Write(c.buf)
	c.written.Add(int64(n))
	c.buf = c.buf[:0]
	c.err = err
	return err
}

// messageEnd records that a data message ends at offset end; callers hold
// mu. The ends wait in pending until the bytes go to the connection
// (publish), so that a message costs no lock of its own.
func (c *Coalescer) messageEnd(end int64) { c.pending = append(c.pending, end) }

// publish makes the pending message ends visible to Undelivered, before
// their bytes are written; callers hold mu.
func (c *Coalescer) publish() {
	if len(c.pending) == 0 {
		return
	}
	c.endsMu.Lock()
	for _, end := range c.pending {
		if len(c.ends) == cap(c.ends) && len(c.ends) >= maxEnds {
			c.ends = append(c.ends[:0], c.ends[maxEnds/2:]...)
			c.dropped += maxEnds / 2
		}
		c.ends = append(c.ends, end)
	}
	c.endsMu.Unlock()
	c.messages.Add(int64(len(c.pending)))
	c.pending = c.pending[:0]
}

// Messages is how many data messages gorilla has written through the
// coalescer since Start.
func (c *Coalescer) Messages() int { return int(c.messages.Load()) }

// NetConn returns the connection under the coalescer.
func (c *Coalescer) NetConn() net.Conn { return c.Conn }

// Undelivered is what wsx handed to the connection that has not reached
// the peer: the way the browser's bufferedAmount counts.
type Undelivered struct {
	Bytes    int64 // frame bytes: in wsx's buffer, or in the kernel's send queue
	Messages int   // data messages not wholly delivered
	AtLeast  bool  // more messages than were counted: Messages is a floor
	Known    bool  // the kernel's queue could be read; otherwise only wsx's own buffer counts
}

// Undelivered counts what has not reached the peer. It never blocks, even
// while a write does; it must be asked before the connection is closed,
// while the kernel can still say what its queue holds.
//
// While a write blocks, the bytes of it that the kernel already holds are
// counted twice (once in wsx's buffer, once in the kernel's queue), up to
// one buffer (64 KiB). After the blocked write has ended (the connection
// closed), UndeliveredGiven with the queue read before the close is exact.
func (c *Coalescer) Undelivered() Undelivered {
	q, known := SendQueue(c.Conn)
	return c.UndeliveredGiven(q, known)
}

// UndeliveredGiven is Undelivered with the kernel's queue as read before.
func (c *Coalescer) UndeliveredGiven(queued int, known bool) Undelivered {
	accepted, written := c.accepted.Load(), c.written.Load()
	u := Undelivered{Bytes: accepted - written + int64(queued), Known: known}
	delivered := accepted - u.Bytes
	c.endsMu.Lock()
	defer c.endsMu.Unlock()
	i := sort.Search(len(c.ends), func(i int) bool { return c.ends[i] > delivered })
	u.Messages = len(c.ends) - i
	u.AtLeast = i == 0 && c.dropped > 0 && u.Messages > 0
	return u
}

// Buffered is how many bytes wait to be written.
func (c *Coalescer) Buffered() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.buf)
}

// frameScanner follows the frame boundaries of a stream of client frames
// (RFC 6455 §5.2), to tell where a control frame ends.
type frameScanner struct {
	hdr     [14]byte        // the header being gathered
	n       int             // its bytes so far
	left    uint64          // payload bytes of the current frame still to come
	control bool            // the current frame is a control frame
	fin     bool            // the current frame is the last of its message
	pos     int64           // bytes scanned
	onEnd   func(pos int64) // told where each message ends; nil: nobody asks
	trace   *tracing        // nil: no trace
	tracer  Tracer          // told of each frame as it ends
}

// scan consumes p and reports whether a control frame ended in it.
func (s *frameScanner) scan(p []byte) (controlEnded bool) {
	for len(p) > 0 {
		if s.left > 0 {
			k := uint64(len(p))
			if k > s.left {
				k = s.left
			}
			if s.trace != nil {
				s.trace.payload(p[:k])
			}
			s.left -= k
			p = p[k:]
			s.pos += int64(k)
			if s.left == 0 {
				controlEnded = controlEnded || s.control
				s.ended()
			}
			continue
		}
		need := 2
		if s.n >= 2 {
			need = HeaderLen(s.hdr[1])
		}
		k := copy(s.hdr[s.n:need], p)
		s.n += k
		p = p[k:]
		s.pos += int64(k)
		if s.n < 2 || s.n < HeaderLen(s.hdr[1]) {
			continue
		}
		s.control = s.hdr[0]&0x08 != 0
		s.fin = s.hdr[0]&0x80 != 0
		s.left = PayloadLen(s.hdr[:s.n])
		if s.trace != nil {
			s.trace.begin(s.hdr[:s.n])
		}
		s.n = 0
		if s.left == 0 {
			controlEnded = controlEnded || s.control
			s.ended()
		}
	}
	return controlEnded
}

// ended is called when a frame ends: a final data frame ends a message.
func (s *frameScanner) ended() {
	if s.trace != nil {
		s.tracer.Frame(s.trace.end())
	}
	if s.fin && !s.control && s.onEnd != nil {
		s.onEnd(s.pos)
	}
}
