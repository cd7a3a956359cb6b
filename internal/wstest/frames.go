// Package wstest is the test kit shared by wsx's packages: WebSocket frames
// built byte by byte, scripted connections, and servers that misbehave on
// purpose. Only tests import it.
package wstest

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"testing"
	"time"
)

// Failsafe bounds every wait in these tests; it is never how they synchronise.
const Failsafe = 10 * time.Second

// Upgrade is the server's handshake answer that starts every scripted stream.
const Upgrade = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"

// ErrLooping is returned by scriptConn when it is read far more often than its
// script can justify: the Tap is spinning.
var ErrLooping = errors.New("ScriptConn: read too often")

// ScriptConn is a net.Conn whose Reads return scripted chunks, then io.EOF.
// A chunk may be empty (a Read that returns 0, nil) or larger than the
// caller's buffer (the rest is returned by the next Read).
type ScriptConn struct {
	net.Conn // nil: only Read and Write are used

	mu      sync.Mutex
	chunks  [][]byte
	Reads   int
	Limit   int // reads allowed before ErrLooping; 0: no limit
	Written bytes.Buffer
}

func NewScriptConn(chunks ...[]byte) *ScriptConn {
	c := &ScriptConn{}
	for _, ch := range chunks {
		c.chunks = append(c.chunks, bytes.Clone(ch))
	}
	return c
}

func (c *ScriptConn) Read(b []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.Reads++
	if c.Limit > 0 && c.Reads > c.Limit {
		return 0, ErrLooping
	}
	if len(c.chunks) == 0 {
		return 0, io.EOF
	}
	n := copy(b, c.chunks[0])
	c.chunks[0] = c.chunks[0][n:]
	if len(c.chunks[0]) == 0 {
		c.chunks = c.chunks[1:]
	}
	return n, nil
}

func (c *ScriptConn) Write(b []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.Written.Write(b)
}

// ReadAll reads r to its end with a buffer of bufSize bytes. It fails the
// test when a Read returns (0, nil) or when the reads do not end.
func ReadAll(tb testing.TB, r io.Reader, bufSize int) []byte {
	tb.Helper()
	out, err := ReadTap(r, bufSize, 1<<22)
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

// ReadTap reads r to io.EOF, at most maxReads times, with a buffer of
// bufSize bytes; it is safe to call from any goroutine.
func ReadTap(r io.Reader, bufSize, maxReads int) ([]byte, error) {
	var out []byte
	buf := make([]byte, bufSize)
	for range maxReads {
		n, err := r.Read(buf)
		out = append(out, buf[:n]...)
		switch {
		case err == io.EOF:
			return out, nil
		case err != nil:
			return out, fmt.Errorf("Read: %w", err)
		case n == 0:
			return out, errors.New("Read returned 0, nil")
		}
	}
	return out, fmt.Errorf("Read did not reach the end of the stream in %d reads", maxReads)
}

// Opcodes used by the frame builders.
const (
	OpCont   = 0x0
	OpText   = 0x1
	OpBinary = 0x2
	OpClose  = 0x8
	OpPing   = 0x9
	OpPong   = 0xA
)

// Length forms a frame header can use; lenAuto picks the shortest.
const (
	LenAuto = iota
	Len7
	Len16
	Len64
)

// Frame builds one final frame. mask, when not nil, masks the payload (servers
// must not, but the parser must still follow such frames).
func Frame(op byte, payload []byte, form int, mask []byte) []byte {
	b := []byte{0x80 | op}
	var mbit byte
	if mask != nil {
		mbit = 0x80
	}
	if form == LenAuto {
		switch {
		case len(payload) < 126:
			form = Len7
		case len(payload) <= 0xffff:
			form = Len16
		default:
			form = Len64
		}
	}
	switch form {
	case Len7:
		b = append(b, mbit|byte(len(payload)))
	case Len16:
		b = append(b, mbit|126)
		b = binary.BigEndian.AppendUint16(b, uint16(len(payload)))
	case Len64:
		b = append(b, mbit|127)
		b = binary.BigEndian.AppendUint64(b, uint64(len(payload)))
	}
	if mask == nil {
		return append(b, payload...)
	}
	b = append(b, mask...)
	for i, c := range payload {
		b = append(b, c^mask[i%4])
	}
	return b
}

// CloseFrame builds an unmasked close frame with code and reason.
func CloseFrame(code uint16, reason string) []byte {
	return Frame(OpClose, CloseBody(code, reason), LenAuto, nil)
}

func CloseBody(code uint16, reason string) []byte {
	return append(binary.BigEndian.AppendUint16(nil, code), reason...)
}

// Cat joins byte slices.
func Cat(parts ...[]byte) []byte {
	return bytes.Join(parts, nil)
}

// Diffs returns the offsets where a and b differ (they must be the same length).
func Diffs(a, b []byte) []int {
	var d []int
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			d = append(d, i)
		}
	}
	return d
}
