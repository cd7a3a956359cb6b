package listen

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

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// failsafe bounds every wait in these tests; it is never how they synchronise.
const failsafe = 10 * time.Second

// upgrade is the server's handshake answer that starts every scripted stream.
const upgrade = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"

// errLooping is returned by scriptConn when it is read far more often than its
// script can justify: the Tap is spinning.
var errLooping = errors.New("scriptConn: read too often")

// scriptConn is a net.Conn whose Reads return scripted chunks, then io.EOF.
// A chunk may be empty (a Read that returns 0, nil) or larger than the
// caller's buffer (the rest is returned by the next Read).
type scriptConn struct {
	net.Conn // nil: only Read and Write are used

	mu      sync.Mutex
	chunks  [][]byte
	reads   int
	limit   int // reads allowed before errLooping; 0: no limit
	written bytes.Buffer
}

func newScriptConn(chunks ...[]byte) *scriptConn {
	c := &scriptConn{}
	for _, ch := range chunks {
		c.chunks = append(c.chunks, bytes.Clone(ch))
	}
	return c
}

func (c *scriptConn) Read(b []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.reads++
	if c.limit > 0 && c.reads > c.limit {
		return 0, errLooping
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

func (c *scriptConn) Write(b []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.written.Write(b)
}

// readAll reads t to its end with a buffer of bufSize bytes. It fails the
// test when a Read returns (0, nil) or when the reads do not end.
func readAll(tb testing.TB, t *Tap, bufSize int) []byte {
	tb.Helper()
	out, err := readTap(t, bufSize, 1<<22)
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

// readTap reads t to io.EOF, at most maxReads times, with a buffer of
// bufSize bytes; it is safe to call from any goroutine.
func readTap(t *Tap, bufSize, maxReads int) ([]byte, error) {
	var out []byte
	buf := make([]byte, bufSize)
	for range maxReads {
		n, err := t.Read(buf)
		out = append(out, buf[:n]...)
		switch {
		case err == io.EOF:
			return out, nil
		case err != nil:
			return out, fmt.Errorf("Tap.Read: %w", err)
		case n == 0:
			return out, errors.New("Tap.Read returned 0, nil")
		}
	}
	return out, fmt.Errorf("Tap.Read did not reach the end of the stream in %d reads", maxReads)
}

// Opcodes used by the frame builders.
const (
	opCont   = 0x0
	opText   = 0x1
	opBinary = 0x2
	opClose  = 0x8
	opPing   = 0x9
	opPong   = 0xA
)

// Length forms a frame header can use; lenAuto picks the shortest.
const (
	lenAuto = iota
	len7
	len16
	len64
)

// frame builds one final frame. mask, when not nil, masks the payload (servers
// must not, but the parser must still follow such frames).
func frame(op byte, payload []byte, form int, mask []byte) []byte {
	b := []byte{0x80 | op}
	var mbit byte
	if mask != nil {
		mbit = 0x80
	}
	if form == lenAuto {
		switch {
		case len(payload) < 126:
			form = len7
		case len(payload) <= 0xffff:
			form = len16
		default:
			form = len64
		}
	}
	switch form {
	case len7:
		b = append(b, mbit|byte(len(payload)))
	case len16:
		b = append(b, mbit|126)
		b = binary.BigEndian.AppendUint16(b, uint16(len(payload)))
	case len64:
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

// closeFrame builds an unmasked close frame with code and reason.
func closeFrame(code uint16, reason string) []byte {
	return frame(opClose, closeBody(code, reason), lenAuto, nil)
}

func closeBody(code uint16, reason string) []byte {
	return append(binary.BigEndian.AppendUint16(nil, code), reason...)
}

// cat joins byte slices.
func cat(parts ...[]byte) []byte {
	return bytes.Join(parts, nil)
}

// diffs returns the offsets where a and b differ (they must be the same length).
func diffs(a, b []byte) []int {
	var d []int
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			d = append(d, i)
		}
	}
	return d
}
