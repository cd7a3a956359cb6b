package wstest

import (
	"bufio"
	"bytes"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"
)

// RawServer is a TCP server on loopback that speaks WebSocket by hand, so
// that it can misbehave in ways gorilla and httptest cannot: answer the
// upgrade with anything, cut a frame in half, send a close frame no library
// would build, stop reading. handle runs once per connection; it may block
// until the connection is closed or Done is closed, both of which happen
// when the test ends (the cleanup waits for every handler to return).
type RawServer struct {
	ln    net.Listener
	done  chan struct{} // closed when the test ends
	wg    sync.WaitGroup
	mu    sync.Mutex
	conns []net.Conn
}

// StartRawServer starts a RawServer for the test; its address is
// srv.Addr().
func StartRawServer(t testing.TB, handle func(c *RawConn)) *RawServer {
	t.Helper()
	s, err := ListenRaw(handle)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// ListenRaw starts a RawServer on 127.0.0.1; the caller must Close it.
func ListenRaw(handle func(c *RawConn)) (*RawServer, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &RawServer{ln: ln, done: make(chan struct{})}
	s.wg.Add(1)
	go s.accept(handle)
	return s, nil
}

func (s *RawServer) accept(handle func(c *RawConn)) {
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
			handle(&RawConn{Conn: c, br: bufio.NewReader(c), done: s.done})
		}()
	}
}

// Close stops the server: its connections are closed, Done is closed, and
// Close waits for every handler to return.
func (s *RawServer) Close() {
	close(s.done)
	s.ln.Close()
	s.mu.Lock()
	for _, c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
}

// Addr is the server's host:port.
func (s *RawServer) Addr() string { return s.ln.Addr().String() }

// URL is the server's ws:// URL.
func (s *RawServer) URL() string { return "ws://" + s.Addr() + "/" }

// RawConn is one connection of a RawServer. Its Read goes through the
// buffer that ReadRequest and ReadFrame fill, so no byte is skipped; Conn
// is the connection itself (a *net.TCPConn), for its socket options.
type RawConn struct {
	net.Conn
	br   *bufio.Reader
	done <-chan struct{}
}

// Read reads what the client sent, after what ReadRequest and ReadFrame took.
func (c *RawConn) Read(p []byte) (int, error) { return c.br.Read(p) }

// Done is closed when the test ends.
func (c *RawConn) Done() <-chan struct{} { return c.done }

// ReadRequest reads the client's HTTP upgrade request.
func (c *RawConn) ReadRequest() (*http.Request, error) {
	return http.ReadRequest(c.br)
}

// Upgrade reads the upgrade request and accepts it with a correct 101.
func (c *RawConn) Upgrade() error {
	req, err := c.ReadRequest()
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

// FrameHeader is the header of an unmasked server frame carrying n bytes,
// final or not (Frame builds only final frames).
func FrameHeader(fin bool, op byte, n int) []byte {
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

// WriteFrame writes one unmasked frame, whatever its opcode and length
// (control frames over 125 bytes included).
func (c *RawConn) WriteFrame(fin bool, op byte, payload []byte) error {
	_, err := c.Write(append(FrameHeader(fin, op, len(payload)), payload...))
	return err
}

// RawFrame is one frame the client sent, unmasked.
type RawFrame struct {
	Fin     bool
	Op      byte
	Payload []byte
}

// CloseCode is a close frame's code, or 1005 when it has none.
func (f RawFrame) CloseCode() int {
	if len(f.Payload) < 2 {
		return 1005
	}
	return int(binary.BigEndian.Uint16(f.Payload))
}

func (f RawFrame) String() string {
	if f.Op == OpClose {
		return fmt.Sprintf("close %d %q", f.CloseCode(), f.Payload[min(2, len(f.Payload)):])
	}
	return fmt.Sprintf("op %d fin %v %q", f.Op, f.Fin, f.Payload)
}

// ReadFrame reads one frame from the client and unmasks it.
func (c *RawConn) ReadFrame() (RawFrame, error) {
	var h [2]byte
	if _, err := io.ReadFull(c.br, h[:]); err != nil {
		return RawFrame{}, err
	}
	f := RawFrame{Fin: h[0]&0x80 != 0, Op: h[0] & 0x0f}
	n := uint64(h[1] & 0x7f)
	switch n {
	case 126:
		var b [2]byte
		if _, err := io.ReadFull(c.br, b[:]); err != nil {
			return RawFrame{}, err
		}
		n = uint64(binary.BigEndian.Uint16(b[:]))
	case 127:
		var b [8]byte
		if _, err := io.ReadFull(c.br, b[:]); err != nil {
			return RawFrame{}, err
		}
		n = binary.BigEndian.Uint64(b[:])
	}
	var mask [4]byte
	if h[1]&0x80 != 0 {
		if _, err := io.ReadFull(c.br, mask[:]); err != nil {
			return RawFrame{}, err
		}
	}
	if n > 1<<30 {
		return RawFrame{}, fmt.Errorf("frame of %d bytes", n)
	}
	f.Payload = make([]byte, n)
	if _, err := io.ReadFull(c.br, f.Payload); err != nil {
		return RawFrame{}, err
	}
	for i := range f.Payload {
		f.Payload[i] ^= mask[i%4]
	}
	return f, nil
}

// ReadUntilClose reads the client's frames up to and including its close
// frame, or until the connection fails.
func (c *RawConn) ReadUntilClose() ([]RawFrame, error) {
	var frames []RawFrame
	for {
		f, err := c.ReadFrame()
		if err != nil {
			return frames, err
		}
		frames = append(frames, f)
		if f.Op == OpClose {
			return frames, nil
		}
	}
}

// Wait reads and drops what the client sends until it hangs up or the
// test ends (which closes the connection).
func (c *RawConn) Wait() { io.Copy(io.Discard, c.br) }

// SameFrames reports whether got and want are the same frames, in order.
func SameFrames(got, want []RawFrame) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		if got[i].Fin != want[i].Fin || got[i].Op != want[i].Op || !bytes.Equal(got[i].Payload, want[i].Payload) {
			return false
		}
	}
	return true
}

// Receive takes what a raw server's handler reports, with a failsafe.
func Receive[T any](t testing.TB, ch <-chan T) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(Failsafe):
		t.Fatalf("the server reported nothing within %v", Failsafe)
		var zero T
		return zero
	}
}

// ClosedAddr is a loopback host:port nothing listens on: a connection to it
// is refused.
func ClosedAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}
