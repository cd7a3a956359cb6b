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
	"runtime"
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

// The ways a Writer's frames reach the connection.
const (
	oneWriteEach = iota // gorilla frames each message and writes it
	coalesced           // gorilla frames each; a Coalescer gathers them
	framed              // the Coalescer frames them too (WriteData), as wsx runs
)

// nullConn is a client connection to a nullPeer, dialled as wsx dials:
// 64 KiB buffers, its frames written in one of the ways above.
func nullConn(b *testing.B, way int) (*websocket.Conn, *nullPeer) {
	peer := &nullPeer{}
	d := websocket.Dialer{
		ReadBufferSize:  64 << 10,
		WriteBufferSize: 64 << 10,
		NetDialContext: func(context.Context, string, string) (net.Conn, error) {
			if way == oneWriteEach {
				return peer, nil
			}
			co := wire.NewCoalescer(peer)
			if way == framed {
				co.FrameData()
			}
			return co, nil
		},
	}
	ws, _, err := d.Dial("ws://bench.invalid/", nil)
	if err != nil {
		b.Fatal(err)
	}
	return ws, peer
}

// BenchmarkWriteFrames: lines in, frames out, through the Writer as send
// and connect run it; per line, each way. allocs/msg counts the
// allocations of everything but the dial, per message.
func BenchmarkWriteFrames(b *testing.B) {
	inputs := []struct {
		name  string
		data  []byte
		lines int
	}{
		{"short-100000", []byte(seq(100_000)), 100_000},
		{"64KiB-1000", []byte(strings.Repeat(strings.Repeat("x", 64<<10)+"\n", 1000)), 1000},
	}
	ways := []string{oneWriteEach: "one-write-each", coalesced: "coalesced", framed: "framed"}
	for _, in := range inputs {
		for way, name := range ways {
			b.Run(in.name+"/"+name, func(b *testing.B) {
				b.ReportAllocs()
				b.SetBytes(int64(len(in.data)))
				var writes int
				var allocs uint64
				var ms runtime.MemStats
				for b.Loop() {
					ws, peer := nullConn(b, way)
					runtime.ReadMemStats(&ms)
					before := ms.Mallocs
					res := NewWriter(ws).Run(NewLines(bytes.NewReader(in.data), false))
					runtime.ReadMemStats(&ms)
					allocs += ms.Mallocs - before
					if !res.EOF || res.Write != nil || res.Messages != in.lines {
						b.Fatalf("Result = %+v", res)
					}
					writes = peer.writes
				}
				b.ReportMetric(float64(writes), "writes/op")
				b.ReportMetric(float64(allocs)/float64(b.N)/float64(in.lines), "allocs/msg")
			})
		}
	}
}
