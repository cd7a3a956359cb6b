package serve

import (
	"bufio"
	"encoding/binary"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// rawConn is a WebSocket client that works on bytes, to see frames that gorilla's
// client refuses (invalid close codes, invalid UTF-8 reasons) and to check what a
// server does not send.
type rawConn struct {
	t  *testing.T
	nc net.Conn
	br *bufio.Reader
}

// dialRaw connects to url and does the upgrade by hand.
func dialRaw(t *testing.T, url string) *rawConn {
	t.Helper()
	host := strings.TrimSuffix(strings.TrimPrefix(url, "ws://"), "/")
	nc, err := net.Dial("tcp", host)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	nc.SetDeadline(time.Now().Add(failsafe))
	_, err = io.WriteString(nc, "GET / HTTP/1.1\r\nHost: "+host+"\r\n"+
		"Upgrade: websocket\r\nConnection: Upgrade\r\n"+
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
	if err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(nc)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("upgrade: got %s", resp.Status)
	}
	return &rawConn{t: t, nc: nc, br: br}
}

// frame is one unfragmented frame.
type frame struct {
	op      byte
	payload []byte
}

// readFrame reads one frame from the server.
func (r *rawConn) readFrame() frame {
	r.t.Helper()
	var h [2]byte
	r.read(h[:])
	if h[0]&0x80 == 0 || h[1]&0x80 != 0 {
		r.t.Fatalf("frame header % x: want FIN set and no mask", h)
	}
	n := uint64(h[1] & 0x7f)
	switch n {
	case 126:
		var b [2]byte
		r.read(b[:])
		n = uint64(binary.BigEndian.Uint16(b[:]))
	case 127:
		var b [8]byte
		r.read(b[:])
		n = binary.BigEndian.Uint64(b[:])
	}
	payload := make([]byte, n)
	r.read(payload)
	return frame{op: h[0] & 0x0f, payload: payload}
}

func (r *rawConn) read(b []byte) {
	r.t.Helper()
	if _, err := io.ReadFull(r.br, b); err != nil {
		r.t.Fatalf("read frame: %v", err)
	}
}

// writeFrame sends one masked frame with a payload of at most 125 bytes.
func (r *rawConn) writeFrame(op byte, payload []byte) {
	r.t.Helper()
	key := [4]byte{0x12, 0x34, 0x56, 0x78}
	b := append([]byte{0x80 | op, 0x80 | byte(len(payload))}, key[:]...)
	for i, x := range payload {
		b = append(b, x^key[i%4])
	}
	if _, err := r.nc.Write(b); err != nil {
		r.t.Fatal(err)
	}
}

// rest ends the client's sending side and returns everything the server still sends
// before it closes the connection.
func (r *rawConn) rest() []byte {
	r.t.Helper()
	if err := r.nc.(*net.TCPConn).CloseWrite(); err != nil {
		r.t.Fatal(err)
	}
	b, err := io.ReadAll(r.br)
	if err != nil {
		r.t.Fatalf("read to EOF: %v", err)
	}
	return b
}
