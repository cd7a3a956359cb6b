package wire

import (
	"net"
	"sync"
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
}

// NewCoalescer wraps c; it writes straight through until Start.
func NewCoalescer(c net.Conn) *Coalescer { return &Coalescer{Conn: c} }

// Start begins gathering frames.
func (c *Coalescer) Start() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.buf == nil {
		c.buf = make([]byte, 0, coalesceSize)
	}
	c.on = true
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
	control := c.frames.scan(p)
	if len(c.buf)+len(p) > cap(c.buf) {
		if err := c.flush(); err != nil {
			return 0, err
		}
	}
	if len(p) >= cap(c.buf) { // too big to gather: no copy
		if _, err := c.Conn.Write(p); err != nil {
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
	_, err := c.Conn.Write(c.buf)
	c.buf = c.buf[:0]
	c.err = err
	return err
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
	hdr     [14]byte // the header being gathered
	n       int      // its bytes so far
	left    uint64   // payload bytes of the current frame still to come
	control bool     // the current frame is a control frame
}

// scan consumes p and reports whether a control frame ended in it.
func (s *frameScanner) scan(p []byte) (controlEnded bool) {
	for len(p) > 0 {
		if s.left > 0 {
			k := uint64(len(p))
			if k > s.left {
				k = s.left
			}
			s.left -= k
			p = p[k:]
			if s.left == 0 && s.control {
				controlEnded = true
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
		if s.n < 2 || s.n < HeaderLen(s.hdr[1]) {
			continue
		}
		s.control = s.hdr[0]&0x08 != 0
		s.left = PayloadLen(s.hdr[:s.n])
		s.n = 0
		if s.left == 0 && s.control {
			controlEnded = true
		}
	}
	return controlEnded
}
