package send

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/wsx-cli/wsx/internal/wire"

	"github.com/gorilla/websocket"
	"go.uber.org/goleak"

	"github.com/wsx-cli/wsx/serve"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// failsafe bounds every wait in these tests; it is never how they synchronise.
const failsafe = 10 * time.Second

// collect reads every message of src until it returns an error.
func collect(src Source) ([]Message, error) {
	var ms []Message
	for {
		m, err := src.Next()
		if err != nil {
			return ms, err
		}
		m.Data = bytes.Clone(m.Data) // valid only until the next call
		ms = append(ms, m)
	}
}

// collectBatches is collect through NextBatch, with Ready and Pending
// asked between batches as the writer asks them.
func collectBatches(src Source) ([]Message, error) {
	var ms, batch []Message
	for {
		src.Ready()
		src.Pending()
		var err error
		batch, err = NextBatch(src, batch[:0])
		for _, m := range batch {
			m.Data = bytes.Clone(m.Data)
			ms = append(ms, m)
		}
		if err != nil {
			return ms, err
		}
		if len(batch) == 0 {
			return ms, errors.New("NextBatch returned no message and no error")
		}
	}
}

// startServer serves o on a loopback port until the test ends.
func startServer(t *testing.T, o serve.Options) (*serve.Server, string) {
	t.Helper()
	s := serve.New(o)
	url, err := s.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, url
}

// sink is a server that counts what it receives and never closes first.
func sink() serve.Options {
	return serve.Options{Mode: serve.Sink, CloseAfter: -1, DropAfter: -1}
}

// recConn records every byte written to the connection; when gated, each
// Write first reports on entered and then waits for release.
type recConn struct {
	net.Conn

	mu      sync.Mutex
	written bytes.Buffer
	writes  int // Write calls
	gated   bool
	entered chan struct{}
	release chan struct{}
}

func (c *recConn) Write(b []byte) (int, error) {
	c.mu.Lock()
	gated := c.gated
	c.mu.Unlock()
	if gated {
		c.entered <- struct{}{}
		<-c.release
	}
	c.mu.Lock()
	c.written.Write(b)
	c.writes++
	c.mu.Unlock()
	return c.Conn.Write(b)
}

// gate makes the next Writes wait for release.
func (c *recConn) gate() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gated = true
	c.entered = make(chan struct{})
	c.release = make(chan struct{})
}

// ungate lets every Write through again.
func (c *recConn) ungate() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gated = false
	close(c.release)
}

// dial connects to url, recording what wsx writes. Close frames that the
// server sends are not answered, so every close frame on the wire is one a
// Closer wrote. The read deadline is only a failure guard.
func dial(t *testing.T, url string) (*websocket.Conn, *recConn) {
	t.Helper()
	ws, rc, _ := dialWith(t, url, false)
	return ws, rc
}

// dialCoalesced is dial with a Coalescer between gorilla and the recConn,
// as wsx dials.
func dialCoalesced(t *testing.T, url string) (*websocket.Conn, *recConn, *wire.Coalescer) {
	t.Helper()
	return dialWith(t, url, true)
}

func dialWith(t *testing.T, url string, coalesce bool) (*websocket.Conn, *recConn, *wire.Coalescer) {
	t.Helper()
	var rc *recConn
	var co *wire.Coalescer
	d := websocket.Dialer{
		HandshakeTimeout: failsafe,
		NetDialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			rc = &recConn{Conn: c}
			if coalesce {
				co = wire.NewCoalescer(rc)
				return co, nil
			}
			return rc, nil
		},
	}
	ws, _, err := d.Dial(url, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ws.Close() })
	ws.SetReadDeadline(time.Now().Add(failsafe))
	ws.SetCloseHandler(func(int, string) error { return nil })
	return ws, rc, co
}

// wireFrame is one frame a client wrote, unmasked.
type wireFrame struct {
	op      byte
	fin     bool
	payload []byte
}

// frames parses what the client wrote after its upgrade request.
func (c *recConn) frames(t *testing.T) []wireFrame {
	t.Helper()
	c.mu.Lock()
	b := bytes.Clone(c.written.Bytes())
	c.mu.Unlock()
	i := bytes.Index(b, []byte("\r\n\r\n"))
	if i < 0 {
		t.Fatal("no upgrade request on the wire")
	}
	fs, err := parseClientFrames(b[i+4:])
	if err != nil {
		t.Fatal(err)
	}
	return fs
}

func parseClientFrames(b []byte) ([]wireFrame, error) {
	var fs []wireFrame
	for len(b) > 0 {
		if len(b) < 2 {
			return fs, errors.New("truncated frame header")
		}
		f := wireFrame{op: b[0] & 0x0f, fin: b[0]&0x80 != 0}
		if b[1]&0x80 == 0 {
			return fs, errors.New("client frame not masked")
		}
		n, h := uint64(b[1]&0x7f), 2
		switch n {
		case 126:
			n, h = uint64(binary.BigEndian.Uint16(b[2:])), 4
		case 127:
			n, h = binary.BigEndian.Uint64(b[2:]), 10
		}
		mask := b[h : h+4]
		h += 4
		if uint64(len(b)-h) < n {
			return fs, io.ErrUnexpectedEOF
		}
		f.payload = make([]byte, n)
		for j := range f.payload {
			f.payload[j] = b[h+j] ^ mask[j%4]
		}
		fs = append(fs, f)
		b = b[h+int(n):]
	}
	return fs, nil
}

// nextStats returns the next connection's Stats from the server.
func nextStats(t *testing.T, s *serve.Server) serve.Stats {
	t.Helper()
	select {
	case st := <-s.Done():
		return st
	case <-time.After(failsafe):
		t.Fatal("the server reported no connection")
	}
	return serve.Stats{}
}

// closeAndWait starts the close with c and waits for the server's echo.
func closeAndWait(t *testing.T, ws *websocket.Conn, c *Closer, code uint16, reason string) {
	t.Helper()
	if err := c.Close(code, reason); err != nil {
		t.Fatalf("Close: %v", err)
	}
	awaitClose(t, ws, int(code))
}

// awaitClose reads until the server's close frame, which must carry code.
func awaitClose(t *testing.T, ws *websocket.Conn, code int) {
	t.Helper()
	for {
		_, _, err := ws.ReadMessage()
		if err == nil {
			continue
		}
		var ce *websocket.CloseError
		if !errors.As(err, &ce) || ce.Code != code {
			t.Fatalf("after the close: %v, want the server's echo of %d", err, code)
		}
		return
	}
}
