package cmd

import (
	"bufio"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"testing"
)

// WebSocket opcodes (RFC 6455 §5.2), for the raw server's frames.
const (
	opContinuation = 0x0
	opText         = 0x1
	opBinary       = 0x2
	opClose        = 0x8
	opPing         = 0x9
	opPong         = 0xa
)

// rawServer is a TCP server on loopback that speaks WebSocket by hand, so
// that it can misbehave in ways gorilla and httptest cannot: answer the
// upgrade with anything, cut a frame in half, send a close frame no library
// would build, stop reading. handle runs once per connection; it may block
// until the connection is closed or done is closed, both of which happen
// when the test ends (the cleanup waits for every handler to return).
type rawServer struct {
	ln    net.Listener
	done  chan struct{} // closed when the test ends
	wg    sync.WaitGroup
	mu    sync.Mutex
	conns []net.Conn
}

// startRawServer starts a rawServer; its address is srv.addr().
func startRawServer(t *testing.T, handle func(c *rawConn)) *rawServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &rawServer{ln: ln, done: make(chan struct{})}
	s.wg.Add(1)
	go s.accept(handle)
	t.Cleanup(s.close)
	return s
}

func (s *rawServer) accept(handle func(c *rawConn)) {
	defer s.wg.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		s.conns = append(s.conns, c)
		s.mu.Unlock()
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			defer c.Close()
			handle(&rawConn{Conn: c, br: bufio.NewReader(c), done: s.done})
		}()
	}
}

func (s *rawServer) close() {
	close(s.done)
	s.ln.Close()
	s.mu.Lock()
	for _, c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
}

func (s *rawServer) addr() string { return s.ln.Addr().String() }
func (s *rawServer) url() string  { return "ws://" + s.addr() + "/" }

// rawConn is one connection of a rawServer.
type rawConn struct {
	net.Conn
	br   *bufio.Reader
	done <-chan struct{}
}

// readRequest reads the client's HTTP upgrade request.
func (c *rawConn) readRequest() (*http.Request, error) {
	return http.ReadRequest(c.br)
}

// upgrade reads the upgrade request and accepts it with a correct 101.
func (c *rawConn) upgrade() error {
	req, err := c.readRequest()
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(c, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n",
		acceptKey(req.Header.Get("Sec-WebSocket-Key")))
	return err
}

// acceptKey is the Sec-WebSocket-Accept answer to key (RFC 6455 §4.2.2).
func acceptKey(key string) string {
	h := sha1.Sum([]byte(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"))
	return base64.StdEncoding.EncodeToString(h[:])
}

// frameHeader is the header of an unmasked server frame carrying n bytes.
func frameHeader(fin bool, op byte, n int) []byte {
	b0 := op
	if fin {
		b0 |= 0x80
	}
	switch {
	case n < 126:
		return []byte{b0, byte(n)}
	case n < 1<<16:
		return binary.BigEndian.AppendUint16([]byte{b0, 126}, uint16(n))
	}
	return binary.BigEndian.AppendUint64([]byte{b0, 127}, uint64(n))
}

// writeFrame writes one unmasked frame, whatever its opcode and length
// (control frames over 125 bytes included).
func (c *rawConn) writeFrame(fin bool, op byte, payload []byte) error {
	_, err := c.Write(append(frameHeader(fin, op, len(payload)), payload...))
	return err
}

// closePayload is a close frame's payload: the code, then the reason.
func closePayload(code uint16, reason string) []byte {
	return append(binary.BigEndian.AppendUint16(nil, code), reason...)
}

// frame is one frame the client sent, unmasked.
type frame struct {
	fin     bool
	op      byte
	payload []byte
}

// closeCode is a close frame's code, or 1005 when it has none.
func (f frame) closeCode() int {
	if len(f.payload) < 2 {
		return 1005
	}
	return int(binary.BigEndian.Uint16(f.payload))
}

func (f frame) String() string {
	if f.op == opClose {
		return fmt.Sprintf("close %d %q", f.closeCode(), f.payload[min(2, len(f.payload)):])
	}
	return fmt.Sprintf("op %d fin %v %q", f.op, f.fin, f.payload)
}

// readFrame reads one frame from the client and unmasks it.
func (c *rawConn) readFrame() (frame, error) {
	var h [2]byte
	if _, err := io.ReadFull(c.br, h[:]); err != nil {
		return frame{}, err
	}
	f := frame{fin: h[0]&0x80 != 0, op: h[0] & 0x0f}
	n := uint64(h[1] & 0x7f)
	switch n {
	case 126:
		var b [2]byte
		if _, err := io.ReadFull(c.br, b[:]); err != nil {
			return frame{}, err
		}
		n = uint64(binary.BigEndian.Uint16(b[:]))
	case 127:
		var b [8]byte
		if _, err := io.ReadFull(c.br, b[:]); err != nil {
			return frame{}, err
		}
		n = binary.BigEndian.Uint64(b[:])
	}
	var mask [4]byte
	if h[1]&0x80 != 0 {
		if _, err := io.ReadFull(c.br, mask[:]); err != nil {
			return frame{}, err
		}
	}
	if n > 1<<30 {
		return frame{}, fmt.Errorf("frame of %d bytes", n)
	}
	f.payload = make([]byte, n)
	if _, err := io.ReadFull(c.br, f.payload); err != nil {
		return frame{}, err
	}
	for i := range f.payload {
		f.payload[i] ^= mask[i%4]
	}
	return f, nil
}

// readUntilClose reads the client's frames up to and including its close
// frame, or until the connection fails.
func (c *rawConn) readUntilClose() ([]frame, error) {
	var frames []frame
	for {
		f, err := c.readFrame()
		if err != nil {
			return frames, err
		}
		frames = append(frames, f)
		if f.op == opClose {
			return frames, nil
		}
	}
}

// wait reads and drops what the client sends until it hangs up or the
// test ends (which closes the connection).
func (c *rawConn) wait() { io.Copy(io.Discard, c.br) }
