package wire

import (
	"bytes"
	"encoding/binary"
	"net"
	"sync"
	"sync/atomic"
)

// substitutes maps close codes that are registered but refused by
// gorilla/websocket v1.5.3 to one it accepts, so that gorilla runs its close
// handler (where wsx answers with the real code) instead of failing with 1002.
var substitutes = map[uint16]uint16{1014: 1011}

// Tap wraps the network connection under gorilla/websocket and parses the
// frames the server sends. gorilla hides close frames whose codes it refuses;
// the tap keeps them, so wsx reports the server's code and reason exactly.
// It also keeps the raw HTTP request wsx wrote, for verbose output.
type Tap struct {
	net.Conn

	mu      sync.Mutex
	p       parser
	held    []byte // bytes read but not yet handed on (a split close code)
	close   *CloseFrame
	request []byte
	reqDone bool
	read    int64
	tracer  Tracer
	// messages counts the messages whose last frame has been handed on:
	// gorilla can read that many without waiting for the network.
	messages atomic.Int64
}

// NewTap wraps c.
func NewTap(c net.Conn) *Tap { return &Tap{Conn: c} }

// NewServerTap wraps a connection a server accepted: it follows the client's
// request, then the client's (masked) frames, and CloseFrame returns the
// client's close frame as sent.
func NewServerTap(c net.Conn) *Tap {
	t := &Tap{Conn: c}
	t.p.server = true
	return t
}

// Trace makes the tap tell tr of the handshake and of every frame read;
// call it before the upgrade.
func (t *Tap) Trace(tr Tracer) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.tracer = tr
	t.p.trace = tr
}

// NetConn returns the connection under the tap.
func (t *Tap) NetConn() net.Conn { return t.Conn }

// CloseFrame returns the first close frame the server sent, or nil.
func (t *Tap) CloseFrame() *CloseFrame {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.close
}

// ClientClose is the code and reason of the peer's close frame, for a
// server (wsx serve); ok is false until one with a code came.
func (t *Tap) ClientClose() (code int, reason string, ok bool) {
	f := t.CloseFrame()
	if f == nil || !f.HasCode {
		return 0, "", false
	}
	return int(f.Code), string(f.Reason), true
}

// Messages is how many messages have had their last frame handed on:
// gorilla can read that many without waiting for the network.
func (t *Tap) Messages() int64 { return t.messages.Load() }

// Request returns the HTTP upgrade request as written on the wire.
func (t *Tap) Request() []byte {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.request
}

// Response returns the HTTP response head as read from the wire: the
// status line and the headers, in their order and case.
func (t *Tap) Response() []byte {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.p.head
}

// BytesRead is how many bytes came from the server, handshake included.
func (t *Tap) BytesRead() int64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.read
}

// Write records the upgrade request and passes everything on.
func (t *Tap) Write(b []byte) (int, error) {
	t.mu.Lock()
	if !t.reqDone {
		t.request = append(t.request, b...)
		if i := bytes.Index(t.request, []byte("\r\n\r\n")); i >= 0 {
			t.request = t.request[:i+4]
			t.reqDone = true
			if t.tracer != nil {
				t.tracer.Handshake(true, t.request)
			}
		}
	}
	t.mu.Unlock()
	return t.Conn.Write(b)
}

// Read passes the server's bytes on after the parser has seen them.
func (t *Tap) Read(b []byte) (int, error) {
	if len(b) == 0 {
		return 0, nil
	}
	for {
		t.mu.Lock()
		h := copy(b, t.held)
		t.held = t.held[h:]
		t.mu.Unlock()
		n, err := 0, error(nil)
		if h < len(b) {
			n, err = t.Conn.Read(b[h:])
		}
		total := h + n
		t.mu.Lock()
		t.read += int64(n)
		keep := t.p.feed(b[:total], err != nil || len(b) < 2)
		if keep < total {
			t.held = append(append([]byte(nil), b[keep:total]...), t.held...)
		}
		if f := t.p.takeClose(); f != nil && t.close == nil {
			t.close = f
		}
		t.messages.Store(t.p.messages)
		t.mu.Unlock()
		if keep > 0 || err != nil {
			return keep, err
		}
	}
}

type parseState int

const (
	stateHTTP parseState = iota
	stateHeader
	statePayload
	statePass // the upgrade was refused: the rest is an HTTP body
)

// parser follows the server's byte stream: the HTTP response, then frames.
type parser struct {
	server  bool // the stream is a client's: an HTTP request, then masked frames
	state   parseState
	crlf    int    // progress through "\r\n\r\n"
	head    []byte // the HTTP head as read, up to maxHead bytes
	hdr     [14]byte
	hdrLen  int
	opcode  byte
	fin     bool
	rsv     byte
	masked  bool
	mask    [4]byte
	length  uint64
	pos     uint64
	payload []byte // close frame payload, unmasked
	done    *CloseFrame
	// messages counts final data frames (text, binary or the last
	// continuation) that ended, each the end of a message.
	messages int64
	trace    Tracer // nil: no trace; otherwise told of each frame
	tracing  tracing
}

// maxHead bounds what is kept of an HTTP head.
const maxHead = 64 << 10

// feed consumes b and returns how many of its bytes may be handed on; the
// rest must be fed again with more data behind them. final is set when no
// more data will come.
func (p *parser) feed(b []byte, final bool) int {
	i := 0
	for i < len(b) {
		switch p.state {
		case stateHTTP:
			i += p.scanHTTP(b[i:])
		case stateHeader:
			if p.hdrLen == 0 && p.trace == nil {
				if n := p.wholeFrames(b[i:]); n > 0 {
					i += n
					continue
				}
				if n := p.wholeHeader(b[i:]); n > 0 {
					i += n
					continue
				}
			}
			p.hdr[p.hdrLen] = b[i]
			p.hdrLen++
			i++
			p.headerByte()
		case statePass:
			return len(b)
		case statePayload:
			if p.opcode == 8 && p.pos == 0 && p.length >= 2 && len(b)-i < 2 && !final {
				return i // hold the first code byte until the second arrives
			}
			i += p.payloadBytes(b[i:])
		}
	}
	return i
}

func (p *parser) scanHTTP(b []byte) int {
	const end = "\r\n\r\n"
	for i, c := range b {
		switch {
		case c == end[p.crlf]:
			p.crlf++
		case c == '\r':
			p.crlf = 1
		default:
			p.crlf = 0
		}
		if p.crlf == len(end) {
			p.keepHead(b[:i+1])
			p.state = stateHeader
			if !p.server && (len(p.head) < 12 || string(p.head[8:12]) != " 101") {
				p.state = statePass
			}
			if p.trace != nil {
				p.trace.Handshake(false, p.head)
			}
			return i + 1
		}
	}
	p.keepHead(b)
	return len(b)
}

// keepHead keeps b, read of the HTTP head, up to maxHead bytes in all.
func (p *parser) keepHead(b []byte) {
	p.head = append(p.head, b[:min(len(b), maxHead-len(p.head))]...)
}

// wholeFrames passes over the whole frames that begin b, other than close
// frames (the only ones the parser looks into), counting the messages they
// end, and returns their length. It is the usual case, many short frames
// in one read, in a loop that keeps no state between them.
func (p *parser) wholeFrames(b []byte) int {
	i := 0
	for len(b)-i >= 2 {
		first, second := b[i], b[i+1]
		need := HeaderLen(second)
		if len(b)-i < need || first&0x0f == 8 {
			break
		}
		length := PayloadLen(b[i:])
		if length > uint64(len(b)-i-need) {
			break
		}
		if first&0x80 != 0 && first&0x0f <= 2 { // the end of a message
			p.messages++
		}
		i += need + int(length)
	}
	return i
}

// wholeHeader starts the frame whose header begins b when all of it is
// there (the usual case), and returns its length; otherwise it returns 0
// and the header is collected byte by byte.
func (p *parser) wholeHeader(b []byte) int {
	if len(b) < 2 {
		return 0
	}
	need := HeaderLen(b[1])
	if len(b) < need {
		return 0
	}
	p.startFrame(b[:need])
	return need
}

// headerByte is called after each header byte; it decides when the header is whole.
func (p *parser) headerByte() {
	if p.hdrLen < 2 || p.hdrLen < HeaderLen(p.hdr[1]) {
		return
	}
	p.startFrame(p.hdr[:p.hdrLen])
}

// startFrame reads a whole frame header, h.
func (p *parser) startFrame(h []byte) {
	p.opcode = h[0] & 0x0f
	p.fin = h[0]&0x80 != 0
	p.rsv = h[0] >> 4 & 7
	p.masked = h[1]&0x80 != 0
	p.length = PayloadLen(h)
	if p.masked {
		copy(p.mask[:], h[len(h)-4:])
	}
	p.hdrLen, p.pos, p.payload = 0, 0, nil
	p.state = statePayload
	if p.trace != nil {
		p.tracing.begin(h)
	}
	if p.length == 0 {
		p.endFrame()
	}
}

func (p *parser) payloadBytes(b []byte) int {
	n := min(uint64(len(b)), p.length-p.pos)
	if p.trace != nil {
		p.tracing.payload(b[:n])
	}
	if p.opcode == 8 {
		for j := uint64(0); j < n && len(p.payload) < maxClosePayload; j++ {
			c := b[j]
			if p.masked {
				c ^= p.mask[(p.pos+j)%4]
			}
			p.payload = append(p.payload, c)
		}
		// after the copy, so the payload keeps the real code; only frames
		// masked as they must be from their side are rewritten
		if p.pos == 0 && n >= 2 && p.masked == p.server {
			if p.masked {
				code := []byte{p.payload[0], p.payload[1]}
				substitute(code)
				b[0], b[1] = code[0]^p.mask[0], code[1]^p.mask[1]
			} else {
				substitute(b[:2])
			}
		}
	}
	p.pos += n
	if p.pos == p.length {
		p.endFrame()
	}
	return int(n)
}

// maxClosePayload bounds what is kept of an oversized close frame.
const maxClosePayload = 4096

// substitute rewrites, in place, a registered close code that gorilla refuses.
func substitute(code []byte) {
	if s, ok := substitutes[binary.BigEndian.Uint16(code)]; ok {
		binary.BigEndian.PutUint16(code, s)
	}
}

func (p *parser) endFrame() {
	if p.opcode == 8 && p.done == nil {
		f := parseClose(p.payload)
		f.RSV, f.Fragmented = p.rsv, !p.fin
		p.done = f
	}
	if p.trace != nil {
		p.trace.Frame(p.tracing.end())
	}
	if p.fin && p.opcode <= 2 { // continuation, text or binary
		p.messages++
	}
	p.state = stateHeader
}

func (p *parser) takeClose() *CloseFrame {
	f := p.done
	p.done = nil
	return f
}
