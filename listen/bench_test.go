package listen

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha1"
	"encoding/base64"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/wsx-cli/wsx/internal/wire"
	"github.com/wsx-cli/wsx/internal/wstest"

	"github.com/gorilla/websocket"

	"github.com/wsx-cli/wsx/format"
)

// benchMsg is the short JSON message the reader benchmarks receive.
const benchMsg = `{"type":"tick","seq":123456,"sym":"ABC","price":101.25,"qty":3}`

// benchChunk is benchChunkLen text frames of benchMsg, encoded once.
const benchChunkLen = 1024

var benchChunk = func() []byte {
	one := wstest.Frame(wstest.OpText, []byte(benchMsg), wstest.LenAuto, nil)
	return []byte(strings.Repeat(string(one), benchChunkLen))
}()

// benchServer starts a server that, on each connection, sends n text
// messages as fast as it can and then closes with 1000. gorilla does the
// upgrade and the close; the messages are frames encoded once and written
// in large chunks, so that the server's write(2) per message does not hide
// the reader's costs behind its own.
func benchServer(b *testing.B, n int) string {
	b.Helper()
	done := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		defer func() { done <- struct{}{} }()
		c, err := (&websocket.Upgrader{}).Upgrade(w, req, nil)
		if err != nil {
			b.Error(err)
			return
		}
		defer c.Close()
		bw := bufio.NewWriterSize(c.NetConn(), 256<<10)
		for left := n; left > 0; left -= benchChunkLen {
			k := min(left, benchChunkLen)
			bw.Write(benchChunk[:k*len(benchChunk)/benchChunkLen])
		}
		if err := bw.Flush(); err != nil {
			b.Error(err)
			return
		}
		c.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(1000, ""), time.Now().Add(wstest.Failsafe))
		c.SetReadDeadline(time.Now().Add(wstest.Failsafe))
		for {
			if _, _, err := c.NextReader(); err != nil {
				return // the client's close answer, or its hang-up
			}
		}
	}))
	b.Cleanup(func() {
		srv.Close()
	})
	b.Cleanup(func() { <-done }) // runs first: the handler has ended
	return "ws" + strings.TrimPrefix(srv.URL, "http")
}

// benchDial connects to url, through a Tap when tap is set.
func benchDial(b *testing.B, url string, withTap bool) (*websocket.Conn, *wire.Tap) {
	b.Helper()
	var tap *wire.Tap
	d := websocket.Dialer{HandshakeTimeout: wstest.Failsafe}
	if withTap {
		d.NetDialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
			c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			tap = wire.NewTap(c)
			return tap, nil
		}
	}
	ws, _, err := d.Dial(url, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { ws.Close() })
	ws.SetReadDeadline(time.Now().Add(time.Minute)) // a failure guard
	return ws, tap
}

// benchSinks are where stdout goes: nowhere (io.Discard), /dev/null (a
// write(2) that costs little) and a pipe that another goroutine drains (a
// write(2) that wakes a reader, as `wsx listen | wc -l` does).
var benchSinks = []struct {
	name string
	open func(b *testing.B) io.Writer
}{
	{"discard", func(*testing.B) io.Writer { return io.Discard }},
	{"devnull", func(b *testing.B) io.Writer {
		f, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { f.Close() })
		return f
	}},
	{"pipe", func(b *testing.B) io.Writer {
		r, w, err := os.Pipe()
		if err != nil {
			b.Fatal(err)
		}
		drained := make(chan struct{})
		go func() {
			io.Copy(io.Discard, r)
			close(drained)
		}()
		b.Cleanup(func() {
			w.Close()
			<-drained
			r.Close()
		})
		return w
	}},
}

// BenchmarkReader receives b.N short messages over a loopback connection
// and prints them; an op is one message. "reference" is the least a
// client can do, scripts/bench/reader's loop, the yardstick for wsx's raw
// output; raw, pretty and jsonl are the Reader loop with a Printer in that
// mode.
func BenchmarkReader(b *testing.B) {
	for _, sink := range benchSinks {
		b.Run(sink.name+"/reference", func(b *testing.B) {
			ws, _ := benchDial(b, benchServer(b, b.N), false)
			b.SetBytes(int64(len(benchMsg)))
			runReference(b, ws, sink.open(b), false)
		})
		for _, mode := range []format.Mode{format.Raw, format.Pretty, format.JSONL} {
			b.Run(sink.name+"/"+mode.String(), func(b *testing.B) {
				ws, tap := benchDial(b, benchServer(b, b.N), true)
				b.SetBytes(int64(len(benchMsg)))
				runReader(b, ws, tap, sink.open(b), mode)
				ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(1000, ""), time.Now().Add(wstest.Failsafe))
			})
		}
	}
}

// runReader is the measured part of a reader benchmark: the Reader loop
// on ws, printing in mode to out, until the server's close after b.N
// messages.
func runReader(b *testing.B, ws *websocket.Conn, tap *wire.Tap, out io.Writer, mode format.Mode) {
	p := format.New(out, io.Discard, format.Options{Mode: mode})
	r := NewReader(ws, tap, p, Options{})
	b.ReportAllocs()
	cpu := startCPU(b)
	res := r.Run()
	cpu.stop()
	if res.Messages != b.N || res.Frame == nil || res.Frame.Code != 1000 {
		b.Fatalf("received %d of %d messages, close frame %+v, err %v", res.Messages, b.N, res.Frame, res.Err)
	}
}

// runReference is scripts/bench/reader's loop in place of the Reader: gorilla
// alone, no Tap, no checks; NextReader, io.Copy into a 64 KiB bufio.Writer,
// a newline. Its allocation per message is gorilla's own, the
// messageReader of each NextReader, which the Reader pays as well; io.Copy
// adds one of 32 KiB each time the buffer was flushed. checked adds what
// RFC 6455 §8.1 asks of a client and the reference skips: each message is
// read whole and checked to be UTF-8 before it is printed, the floor for a
// client that reads through gorilla and keeps the rule.
func runReference(b *testing.B, ws *websocket.Conn, out io.Writer, checked bool) {
	w := bufio.NewWriterSize(out, 64<<10)
	b.ReportAllocs()
	cpu := startCPU(b)
	n := 0
	var err error
	buf := make([]byte, 0, 512)
	for {
		var rd io.Reader
		if _, rd, err = ws.NextReader(); err != nil {
			break
		}
		if checked {
			buf = readWhole(buf[:0], rd)
			if !utf8.Valid(buf) {
				b.Fatal("not UTF-8")
			}
			w.Write(buf)
		} else {
			io.Copy(w, rd)
		}
		w.WriteByte('\n')
		n++
	}
	w.Flush()
	cpu.stop()
	if n != b.N || !websocket.IsCloseError(err, 1000) {
		b.Fatalf("received %d of %d messages, err %v", n, b.N, err)
	}
}

// readWhole appends the rest of rd to buf, growing it only when full.
func readWhole(buf []byte, rd io.Reader) []byte {
	for {
		if len(buf) == cap(buf) {
			buf = slices.Grow(buf, cap(buf))
		}
		k, err := rd.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+k]
		if err != nil {
			return buf
		}
	}
}

// cpuMeter reports the process's CPU time per op ("cpu-ns/op") beside the
// wall time: it counts the server's goroutines too, but not the time spent
// waiting for a CPU that other processes hold.
type cpuMeter struct {
	b     *testing.B
	start time.Duration
	ok    bool
}

// startCPU resets the benchmark timer and starts counting CPU time.
func startCPU(b *testing.B) cpuMeter {
	b.ResetTimer()
	start, ok := cpuTime()
	return cpuMeter{b, start, ok}
}

// stop stops the timer and reports the CPU time per op.
func (m cpuMeter) stop() {
	m.b.StopTimer()
	if end, ok := cpuTime(); ok && m.ok {
		m.b.ReportMetric(float64(end-m.start)/float64(m.b.N), "cpu-ns/op")
	}
}

// benchStream is the server's side of a connection as the Tap sees it: the
// upgrade answer, then frames of one kind.
func benchStream(payload []byte, frames int) []byte {
	one := wstest.Frame(wstest.OpText, payload, wstest.LenAuto, nil)
	return []byte(wstest.Upgrade + strings.Repeat(string(one), frames))
}

// memConn is a net.Conn that reads from a byte slice.
type memConn struct {
	net.Conn // nil: only Read is used
	data     []byte
}

func (c *memConn) Read(b []byte) (int, error) {
	if len(c.data) == 0 {
		return 0, io.EOF
	}
	n := copy(b, c.data)
	c.data = c.data[n:]
	return n, nil
}

// BenchmarkTap reads a server's byte stream in gorilla's 4 KiB reads, with
// and without the Tap, to show what following the frames costs.
func BenchmarkTap(b *testing.B) {
	streams := []struct {
		name   string
		stream []byte
	}{
		{"short-" + strconv.Itoa(benchChunkLen), benchStream([]byte(benchMsg), benchChunkLen)},
		{"64KiB-64", benchStream([]byte(strings.Repeat("x", 64<<10)), 64)},
	}
	for _, s := range streams {
		for _, tapped := range []bool{false, true} {
			name := s.name + "/direct"
			if tapped {
				name = s.name + "/tap"
			}
			b.Run(name, func(b *testing.B) {
				buf := make([]byte, 4096)
				b.ReportAllocs()
				b.SetBytes(int64(len(s.stream)))
				for b.Loop() {
					var c net.Conn = &memConn{data: s.stream}
					if tapped {
						c = wire.NewTap(c)
					}
					n := 0
					for {
						k, err := c.Read(buf)
						n += k
						if err != nil {
							break
						}
					}
					if n != len(s.stream) {
						b.Fatalf("read %d bytes, want %d", n, len(s.stream))
					}
				}
			})
		}
	}
}

// memPeer is a net.Conn that plays a server in memory: it answers the
// upgrade request written to it, then reads as n copies of msg in text
// frames and a close 1000, each Read filling as much of the caller's
// buffer as a socket with that much waiting would. What the client writes
// after its request is dropped. Without a network or a server goroutine,
// the benchmarks that use it measure the client's own work per message.
type memPeer struct {
	net.Conn // nil: only the methods below are used
	req      []byte
	stream   []byte // the upgrade answer, then frames
	pos      int
	chunk    []byte // benchChunkLen frames of msg
	left     int    // messages not yet in stream
	closed   bool   // the close frame is in stream
}

func newMemPeer(msg string, n int) *memPeer {
	one := wstest.Frame(wstest.OpText, []byte(msg), wstest.LenAuto, nil)
	return &memPeer{chunk: bytes.Repeat(one, benchChunkLen), left: n}
}

func (c *memPeer) Write(b []byte) (int, error) {
	if c.stream == nil {
		c.req = append(c.req, b...)
		if bytes.HasSuffix(c.req, []byte("\r\n\r\n")) {
			req, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(c.req)))
			if err != nil {
				return 0, err
			}
			sum := sha1.Sum([]byte(req.Header.Get("Sec-WebSocket-Key") + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"))
			c.stream = []byte("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
				"Sec-WebSocket-Accept: " + base64.StdEncoding.EncodeToString(sum[:]) + "\r\n\r\n")
		}
	}
	return len(b), nil
}

func (c *memPeer) Read(b []byte) (int, error) {
	n := 0
	for n < len(b) {
		if c.pos == len(c.stream) && !c.refill() {
			break
		}
		k := copy(b[n:], c.stream[c.pos:])
		c.pos += k
		n += k
	}
	if n == 0 {
		return 0, io.EOF
	}
	return n, nil
}

// refill puts the next frames in stream; false when all have been read.
func (c *memPeer) refill() bool {
	k := min(c.left, benchChunkLen)
	switch {
	case k > 0:
		c.stream, c.left = c.chunk[:k*len(c.chunk)/benchChunkLen], c.left-k
	case !c.closed:
		c.stream, c.closed = wstest.CloseFrame(1000, ""), true
	default:
		return false
	}
	c.pos = 0
	return true
}

func (c *memPeer) Close() error                     { return nil }
func (c *memPeer) SetDeadline(time.Time) error      { return nil }
func (c *memPeer) SetReadDeadline(time.Time) error  { return nil }
func (c *memPeer) SetWriteDeadline(time.Time) error { return nil }

// memDial connects to a memPeer sending n messages, through a Tap when
// tapped, with the buffers wsx's dialer uses.
func memDial(b *testing.B, msg string, n int, tapped bool) (*websocket.Conn, *wire.Tap) {
	b.Helper()
	var tap *wire.Tap
	d := websocket.Dialer{
		ReadBufferSize: 64 << 10, WriteBufferSize: 64 << 10,
		NetDialContext: func(context.Context, string, string) (net.Conn, error) {
			var c net.Conn = newMemPeer(msg, n)
			if tapped {
				tap = wire.NewTap(c)
				c = tap
			}
			return c, nil
		},
	}
	ws, _, err := d.Dial("ws://peer.invalid/", nil)
	if err != nil {
		b.Fatal(err)
	}
	return ws, tap
}

// BenchmarkReaderMem receives b.N messages from a peer in memory and
// prints them to /dev/null, as BenchmarkReader does over loopback: without
// the kernel's and the server's work, what is left is the client's own,
// per message.
func BenchmarkReaderMem(b *testing.B) {
	msgs := []struct{ name, msg string }{{"16B", "0000000000123456"}, {"json", benchMsg}}
	for _, m := range msgs {
		b.Run(m.name+"/reference", func(b *testing.B) {
			ws, _ := memDial(b, m.msg, b.N, false)
			runReference(b, ws, benchSinks[1].open(b), false)
		})
		b.Run(m.name+"/reference+utf8", func(b *testing.B) {
			ws, _ := memDial(b, m.msg, b.N, false)
			runReference(b, ws, benchSinks[1].open(b), true)
		})
		for _, mode := range []format.Mode{format.Raw, format.Pretty, format.JSONL} {
			b.Run(m.name+"/"+mode.String(), func(b *testing.B) {
				ws, tap := memDial(b, m.msg, b.N, true)
				runReader(b, ws, tap, benchSinks[1].open(b), mode)
			})
		}
	}
}
