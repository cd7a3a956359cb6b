// Package listen is wsx's incoming side: it watches the frames a server sends,
// reads messages in the single reader loop and turns them into events.
package listen

import (
	"bytes"
	"encoding/binary"
	"net"
	"sync"
)

// CloseFrame is the server's close frame exactly as it came off the wire.
type CloseFrame struct {
	HasCode bool   // false for an empty close payload
	Code    uint16 // valid only when HasCode
	Reason  []byte // raw bytes, possibly invalid UTF-8 or longer than allowed
	Short   bool   // the payload was one byte long: a protocol violation
}

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
}

// NewTap wraps c.
func NewTap(c net.Conn) *Tap { return &Tap{Conn: c} }

// CloseFrame returns the first close frame the server sent, or nil.
func (t *Tap) CloseFrame() *CloseFrame {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.close
}

// Request returns the HTTP upgrade request as written on the wire.
func (t *Tap) Request() []byte {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.request
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
	state   parseState
	crlf    int    // progress through "\r\n\r\n"
	status  []byte // the start of the status line, "HTTP/1.1 101"
	hdr     [14]byte
	hdrLen  int
	opcode  byte
	masked  bool
	mask    [4]byte
	length  uint64
	pos     uint64
	payload []byte // close frame payload, unmasked
	done    *CloseFrame
}

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
		if len(p.status) < len("HTTP/1.1 101") {
			p.status = append(p.status, c)
		}
		switch {
		case c == end[p.crlf]:
			p.crlf++
		case c == '\r':
			p.crlf = 1
		default:
			p.crlf = 0
		}
		if p.crlf == len(end) {
			p.state = stateHeader
			if len(p.status) < 12 || string(p.status[8:]) != " 101" {
				p.state = statePass
			}
			return i + 1
		}
	}
	return len(b)
}

// headerByte is called after each header byte; it decides when the header is whole.
func (p *parser) headerByte() {
	if p.hdrLen < 2 {
		return
	}
	need := 2
	switch p.hdr[1] & 0x7f {
	case 126:
		need += 2
	case 127:
		need += 8
	}
	if p.hdr[1]&0x80 != 0 {
		need += 4
	}
	if p.hdrLen < need {
		return
	}
	p.opcode = p.hdr[0] & 0x0f
	p.masked = p.hdr[1]&0x80 != 0
	switch l := p.hdr[1] & 0x7f; l {
	case 126:
		p.length = uint64(binary.BigEndian.Uint16(p.hdr[2:4]))
	case 127:
		p.length = binary.BigEndian.Uint64(p.hdr[2:10])
	default:
		p.length = uint64(l)
	}
	if p.masked {
		copy(p.mask[:], p.hdr[need-4:need])
	}
	p.hdrLen, p.pos, p.payload = 0, 0, nil
	p.state = statePayload
	if p.length == 0 {
		p.endFrame()
	}
}

func (p *parser) payloadBytes(b []byte) int {
	n := min(uint64(len(b)), p.length-p.pos)
	if p.opcode == 8 {
		for j := uint64(0); j < n && len(p.payload) < maxClosePayload; j++ {
			c := b[j]
			if p.masked {
				c ^= p.mask[(p.pos+j)%4]
			}
			p.payload = append(p.payload, c)
		}
		if p.pos == 0 && n >= 2 && !p.masked {
			substitute(b[:2]) // after the copy: the payload keeps the real code
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
		f := &CloseFrame{}
		switch {
		case len(p.payload) == 1:
			f.Short = true
		case len(p.payload) >= 2:
			f.HasCode = true
			f.Code = binary.BigEndian.Uint16(p.payload)
			f.Reason = p.payload[2:]
		}
		p.done = f
	}
	p.state = stateHeader
}

func (p *parser) takeClose() *CloseFrame {
	f := p.done
	p.done = nil
	return f
}
