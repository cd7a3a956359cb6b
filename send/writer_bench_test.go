package send

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha1"
	"encoding/base64"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wsx-cli/wsx/internal/wire"

	"github.com/gorilla/websocket"
)

// nullPeer is a net.Conn that answers the upgrade request and then swallows
// every frame, so that a benchmark measures the client's writing alone.
type nullPeer struct {
	mu     sync.Mutex
	req    bytes.Buffer
	answer *bytes.Reader
	writes int
	bytes  int64
}

func (p *nullPeer) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.answer == nil {
		p.req.Write(b)
		if bytes.Contains(p.req.Bytes(), []byte("\r\n\r\n")) {
			r, err := http.ReadRequest(bufio.NewReader(&p.req))
			if err != nil {
				return 0, err
			}
			h := sha1.Sum([]byte(r.Header.Get("Sec-WebSocket-Key") + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"))
			p.answer = bytes.NewReader([]byte("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
				"Sec-WebSocket-Accept: " + base64.StdEncoding.EncodeToString(h[:]) + "\r\n\r\n"))
		}
		return len(b), nil
	}
	p.writes++
	p.bytes += int64(len(b))
	return len(b), nil
}

func (p *nullPeer) Read(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.answer == nil || p.answer.Len() == 0 {
		return 0, io.EOF // nothing more: the benchmark never reads
	}
	return p.answer.Read(b)
}

func (p *nullPeer) Close() error                     { return nil }
func (p *nullPeer) LocalAddr() net.Addr              { return &net.TCPAddr{} }
func (p *nullPeer) RemoteAddr() net.Addr             { return &net.TCPAddr{} }
func (p *nullPeer) SetDeadline(time.Time) error      { return nil }
func (p *nullPeer) SetReadDeadline(time.Time) error  { return nil }
func (p *nullPeer) SetWriteDeadline(time.Time) error { return nil }

// nullConn is a client connection to a nullPeer, dialled as wsx dials:
// 64 KiB buffers, with or without a Coalescer.
func nullConn(b *testing.B, coalesce bool) (*websocket.Conn, *nullPeer) {
	peer := &nullPeer{}
	d := websocket.Dialer{
		ReadBufferSize:  64 << 10,
		WriteBufferSize: 64 << 10,
		NetDialContext: func(context.Context, string, string) (net.Conn, error) {
			if coalesce {
				return wire.NewCoalescer(peer), nil
			}
			return peer, nil
		},
	}
	ws, _, err := d.Dial("ws://bench.invalid/", nil)
	if err != nil {
		b.Fatal(err)
	}
	return ws, peer
}

// BenchmarkWriteFrames: lines in, frames out, through the Writer as send
// and connect run it; per line, with and without gathering frames.
func BenchmarkWriteFrames(b *testing.B) {
	inputs := []struct {
		name string
		data []byte
	}{
		{"short-100000", []byte(seq(100_000))},
		{"64KiB-1000", []byte(strings.Repeat(strings.Repeat("x", 64<<10)+"\n", 1000))},
	}
	for _, in := range inputs {
		for _, coalesce := range []bool{true, false} {
			name := in.name + "/one-write-each"
			if coalesce {
				name = in.name + "/coalesced"
			}
			b.Run(name, func(b *testing.B) {
				b.ReportAllocs()
				b.SetBytes(int64(len(in.data)))
				var writes int
				for b.Loop() {
					ws, peer := nullConn(b, coalesce)
					res := NewWriter(ws).Run(NewLines(bytes.NewReader(in.data), false))
					if !res.EOF || res.Write != nil {
						b.Fatalf("Result = %+v", res)
					}
					writes = peer.writes
				}
				b.ReportMetric(float64(writes), "writes/op")
			})
		}
	}
}
