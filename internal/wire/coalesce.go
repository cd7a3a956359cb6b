package wire

import (
	"math/rand/v2"
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
//
// One write(2) is in flight at a time, and the lock is not held during it:
// a control frame handed over meanwhile (a pong, the answer to the
// server's close) waits in the buffer, after whole frames, and the write
// in flight sends it as soon as it returns. So no goroutine blocks on a
// write another one started, however long the peer takes to read.
type Coalescer struct {
	net.Conn

	mu      sync.Mutex
	idle    sync.Cond // signalled when the write in flight returns
	on      bool
	buf     []byte // frames gathered
	spare   []byte // the other buffer: the one in flight while buf gathers
	writing bool   // a write(2) is in flight, without mu
	again   bool   // a control frame came during it: write buf when it returns
	err     error  // a failed write: every later one fails too
	frames  frameScanner

	// the write deadline last given to the connection: gorilla sets one
	// before every frame, nearly always the same, and setting it costs
	// runtime locks
	deadline    time.Time
	deadlineSet bool
	// gorilla's deadline, for the writes gorilla starts: set on the
	// connection only by the write it is for, never during another's
	gorillaDeadline time.Time
	// the deadline of the data frames WriteData writes (and of Flush)
	dataDeadline time.Time
	rng          *rand.ChaCha8 // mask keys for WriteData; nil until its first write
	framesData   bool          // WriteData may frame messages (FrameData)

	// delivery accounting, readable at any time
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
func NewCoalescer(c net.Conn) *Coalescer {
	co := &Coalescer{Conn: c}
	co.idle.L = &co.mu
	return co
}

// Start begins gathering frames.
func (c *Coalescer) Start() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.startLocked()
}

func (c *Coalescer) startLocked() {
	if c.buf == nil {
		// room for a header more: a frame of a 64 KiB message that wsx
		// frames itself (WriteData) goes out in one write
		c.buf = make([]byte, 0, coalesceSize+maxHeader)
		c.spare = make([]byte, 0, coalesceSize+maxHeader)
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

// Write gathers p, which holds (parts of) whole frames from gorilla; a
// control frame is written out as soon as its last byte is in.
func (c *Coalescer) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.on {
		if c.err != nil {
			return 0, c.err
		}
		return c.Conn.Write(p)
	}
	// what was gathered goes first, before p is counted: if that write
	// fails, p was never accepted, and its message is not counted as
	// written but undelivered (the writer still holds it, to send again)
	if len(c.buf)+len(p) > coalesceSize {
		if err := c.flush(c.gorillaDeadline); err != nil {
			return 0, err
		}
	}
	if c.err != nil {
		return 0, c.err
	}
	control := c.frames.scan(p)
	c.accepted.Add(int64(len(p)))
	if len(p) >= coalesceSize { // too big to gather: no copy
		for len(c.buf) > 0 || c.writing {
			if err := c.flush(c.gorillaDeadline); err != nil {
				return 0, err
			}
		}
		if err := c.write(p, c.gorillaDeadline); err != nil {
			return 0, err
		}
		if c.again { // a control frame came during the write
			if err := c.flush(c.gorillaDeadline); err != nil {
				return 0, err
			}
		}
		return len(p), nil
	}
	c.buf = append(c.buf, p...)
	if control {
		if c.writing { // the write in flight sends it when it returns
			c.again = true
			return len(p), nil
		}
		if err := c.flush(c.gorillaDeadline); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}

// SetWriteDeadline is gorilla's deadline for the frame it writes next: it
// is passed on when that write starts (only when it changed), never to a
// write in flight that another goroutine started.
func (c *Coalescer) SetWriteDeadline(t time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.on {
		return c.setDeadline(t)
	}
	c.gorillaDeadline = t
	return nil
}

// setDeadline gives the connection a write deadline when it changed;
// callers hold mu, and no write is in flight.
func (c *Coalescer) setDeadline(t time.Time) error {
	if t.Equal(c.deadline) && (c.deadlineSet || t.IsZero()) { // a new connection has none
		return nil
	}
	c.deadline, c.deadlineSet = t, true
	return c.Conn.SetWriteDeadline(t)
}

// SetDeadline sets both deadlines (gorilla's handshake does), and
// remembers the write one.
func (c *Coalescer) SetDeadline(t time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.wait()
	c.deadline, c.deadlineSet, c.gorillaDeadline = t, true, t
	return c.Conn.SetDeadline(t)
}

// Flush writes what was gathered, under the data deadline.
func (c *Coalescer) Flush() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.flush(c.dataDeadline)
}

// wait waits for the write in flight, if any, to return; callers hold mu.
func (c *Coalescer) wait() {
	for c.writing {
		c.idle.Wait()
	}
}

// flush writes the buffer out, after the write in flight, under deadline;
// callers hold mu. Control frames gathered during the write go right
// after it, by the same call.
func (c *Coalescer) flush(deadline time.Time) error {
	for {
		c.wait()
		if c.err != nil {
			return c.err
		}
		if len(c.buf) == 0 {
			return nil
		}
		out := c.buf
		c.buf, c.spare, c.again = c.spare[:0], nil, false
		err := c.write(out, deadline)
		c.spare = out[:0]
		if err != nil || !c.again {
			return err
		}
	}
}

// write writes p without holding mu; callers hold mu, no write is in
// flight, and p is not c.buf.
func (c *Coalescer) write(p []byte, deadline time.Time) error {
	if err := c.setDeadline(deadline); err != nil {
		return err
	}
	c.publish()
	c.writing = true
	c.mu.Unlock()
	n, err := c.Conn.Write(p)
	c.mu.Lock()
	c.writing = false
	c.written.Add(int64(n))
	c.err = err
	c.idle.Broadcast()
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
	// ends published since accepted was read lie past it: they are not in
	// Bytes, so not in Messages either (a busy writer can add megabytes)
	j := sort.Search(len(c.ends), func(j int) bool { return c.ends[j] > accepted })
	u.Messages = max(j-i, 0)
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
	closed  bool            // a close frame has begun: no data frame may follow
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
		s.closed = s.closed || s.hdr[0]&0x0f == 8
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

// advance follows b, bytes of a data frame that wsx framed itself (at a
// frame boundary of the scan): their frame ends with them when last. Only
// a trace needs them read.
func (s *frameScanner) advance(b []byte, last bool) {
	if s.trace != nil {
		s.scan(b)
		return
	}
	s.pos += int64(len(b))
	if last && s.onEnd != nil {
		s.onEnd(s.pos)
	}
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
