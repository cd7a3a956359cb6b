package wire

import (
	crand "crypto/rand"
	"encoding/binary"
	"errors"
	"math/rand/v2"
	"time"
)

// ErrCloseSent is what WriteData returns once a close frame has gone
// through the coalescer: RFC 6455 §5.5.1 allows no data frame after it.
// Its words are gorilla's for the same refusal.
var ErrCloseSent = errors.New("websocket: close sent")

// maxHeader is the longest client frame header: 2 bytes, a 64-bit length
// and the mask key.
const maxHeader = 14

// WriteData frames each payload as one whole data message (FIN set, text
// or binary, masked with a fresh key, RFC 6455 §5.2-5.3) straight into the
// buffer: the work gorilla's NextWriter, Write and Close do for a message,
// without their lock, channel operation and copies per message. It returns
// how many payloads were framed; when a write fails, the ones before n were
// in the failed write (lost), and the rest were never framed.
//
// Data frames written here and control frames that gorilla writes (from any
// goroutine) share the buffer under one lock, so they reach the wire in the
// order they were handed over. Each frame is whole in one write; a control
// frame may come between the fragments of a long message (§5.4), never
// inside a frame. The writes go under the data deadline (SetDataDeadline).
func (c *Coalescer) WriteData(binary bool, payloads [][]byte) (n int, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.writable(); err != nil {
		return 0, err
	}
	op := byte(0x81) // FIN, text
	if binary {
		op = 0x82
	}
	for i, p := range payloads {
		if err := c.frame(op, p); err != nil {
			return i, err
		}
	}
	return len(payloads), nil
}

// FrameData lets WriteData frame messages: for a connection on which no
// extension was agreed, whose data frames are plain (RFC 6455 §5.2; an
// extension such as permessage-deflate transforms them, so gorilla must).
func (c *Coalescer) FrameData() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.framesData = true
}

// FramesData reports whether FrameData was called.
func (c *Coalescer) FramesData() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.framesData
}

// SetDataDeadline sets the write deadline of the data frames WriteData
// writes and of Flush; zero: none. gorilla sets a deadline of its own
// before each frame it writes, so each write sets the one it needs.
func (c *Coalescer) SetDataDeadline(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.dataDeadline = t
}

// writable readies a direct write; callers hold mu.
func (c *Coalescer) writable() error {
	switch {
	case c.err != nil:
		return c.err
	case c.frames.closed:
		return ErrCloseSent
	}
	if c.buf == nil {
		c.startLocked()
	}
	if c.rng == nil {
		var seed [32]byte
		crand.Read(seed[:]) // never fails (Go 1.24+: it panics or blocks instead)
		c.rng = rand.NewChaCha8(seed)
	}
	return nil
}

// maxFragment is the most payload one frame WriteData writes carries: a
// longer message goes in fragments (RFC 6455 §5.4), each whole in one
// write, so that a control frame (a pong, the answer to a close) can go
// between them, as it can between gorilla's.
const maxFragment = coalesceSize

// frame appends the frames of one message with payload p, writing the
// buffer out as it fills; callers hold mu.
func (c *Coalescer) frame(op byte, p []byte) error {
	b0 := op &^ 0x80 // FIN only on the last fragment
	for {
		k := min(len(p), maxFragment)
		last := k == len(p)
		if last {
			b0 |= 0x80
		}
		if err := c.frame1(b0, p[:k]); err != nil || last {
			return err
		}
		p, b0 = p[k:], 0 // the next fragments are continuations
	}
}

// frame1 appends one frame, whole, to the buffer; callers hold mu.
func (c *Coalescer) frame1(b0 byte, p []byte) error {
	var hdr [maxHeader]byte
	hdr[0] = b0
	h := 2
	switch n := len(p); {
	case n < 126:
		hdr[1] = 0x80 | byte(n)
	case n <= 0xffff:
		hdr[1] = 0x80 | 126
		binary.BigEndian.PutUint16(hdr[2:], uint16(n))
		h = 4
	default:
		hdr[1] = 0x80 | 127
		binary.BigEndian.PutUint64(hdr[2:], uint64(n))
		h = 10
	}
	// the key: 32 bits of a ChaCha8 stream seeded from crypto/rand, as
	// unpredictable as §10.3 asks, for a few nanoseconds
	key := uint32(c.rng.Uint64())
	binary.LittleEndian.PutUint32(hdr[h:], key)
	h += 4
	for cap(c.buf)-len(c.buf) < h+len(p) { // the frame goes whole into one write
		if err := c.flush(c.dataDeadline); err != nil {
			return err
		}
	}
	start := len(c.buf)
	c.buf = append(c.buf, hdr[:h]...)
	end := len(c.buf) + len(p)
	maskBytes(c.buf[len(c.buf):end], p, key)
	c.buf = c.buf[:end]
	c.accepted.Add(int64(end - start))
	c.frames.advance(c.buf[start:], b0&0x80 != 0)
	return nil
}

// maskBytes writes src masked with key (RFC 6455 §5.3) into dst: 32 bytes
// a round, then 8, then one at a time.
func maskBytes(dst, src []byte, key uint32) {
	k := uint64(key) | uint64(key)<<32
	for len(src) >= 32 { // the bounds checked once a round
		d, s := dst[:32], src[:32]
		binary.LittleEndian.PutUint64(d[0:], binary.LittleEndian.Uint64(s[0:])^k)
		binary.LittleEndian.PutUint64(d[8:], binary.LittleEndian.Uint64(s[8:])^k)
		binary.LittleEndian.PutUint64(d[16:], binary.LittleEndian.Uint64(s[16:])^k)
		binary.LittleEndian.PutUint64(d[24:], binary.LittleEndian.Uint64(s[24:])^k)
		dst, src = dst[32:], src[32:]
	}
	for len(src) >= 8 {
		binary.LittleEndian.PutUint64(dst, binary.LittleEndian.Uint64(src)^k)
		dst, src = dst[8:], src[8:]
	}
	for i := range src {
		dst[i] = src[i] ^ byte(k)
		k = k>>8 | k<<56
	}
}
