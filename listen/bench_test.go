package listen

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

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
// and prints them; an op is one message. "gorilla" is the least a client
// can do (ReadMessage, a buffered write and a newline), the yardstick for
// wsx's raw output; raw, pretty and jsonl are the Reader loop with a
// Printer in that mode.
func BenchmarkReader(b *testing.B) {
	for _, sink := range benchSinks {
		b.Run(sink.name+"/gorilla", func(b *testing.B) {
			benchGorilla(b, sink.open(b))
		})
		for _, mode := range []format.Mode{format.Raw, format.Pretty, format.JSONL} {
			b.Run(sink.name+"/"+mode.String(), func(b *testing.B) {
				benchReader(b, sink.open(b), mode)
			})
		}
	}
}

func benchReader(b *testing.B, out io.Writer, mode format.Mode) {
	url := benchServer(b, b.N)
	ws, tap := benchDial(b, url, true)
	p := format.New(out, io.Discard, format.Options{Mode: mode})
	r := NewReader(ws, tap, p, Options{})
	b.ReportAllocs()
	b.SetBytes(int64(len(benchMsg)))
	cpu := startCPU(b)
	res := r.Run()
	cpu.stop()
	if res.Messages != b.N || res.Frame == nil || res.Frame.Code != 1000 {
		b.Fatalf("received %d of %d messages, close frame %+v, err %v", res.Messages, b.N, res.Frame, res.Err)
	}
	ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(1000, ""), time.Now().Add(wstest.Failsafe))
}

// benchGorilla is the minimal reader: gorilla alone, no Tap, no checks.
func benchGorilla(b *testing.B, out io.Writer) {
	url := benchServer(b, b.N)
	ws, _ := benchDial(b, url, false)
	w := bufio.NewWriter(out)
	b.ReportAllocs()
	b.SetBytes(int64(len(benchMsg)))
	cpu := startCPU(b)
	n := 0
	var err error
	for {
		var msg []byte
		if _, msg, err = ws.ReadMessage(); err != nil {
			break
		}
		w.Write(msg)
		w.WriteByte('\n')
		n++
	}
	w.Flush()
	cpu.stop()
	if n != b.N || !websocket.IsCloseError(err, 1000) {
		b.Fatalf("received %d of %d messages, err %v", n, b.N, err)
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
