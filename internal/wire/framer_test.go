package wire

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/wsx-cli/wsx/internal/wstest"
)

// readFrame is one frame as a server reads it: RFC 6455 §5.2 by hand,
// unmasked byte by byte (§5.3), independent of the code under test.
type readFrame struct {
	fin, masked bool
	op          byte
	payload     []byte
}

func readFrames(t *testing.T, b []byte) []readFrame {
	t.Helper()
	var fs []readFrame
	for len(b) > 0 {
		if len(b) < 2 {
			t.Fatalf("%d stray bytes after %d frames", len(b), len(fs))
		}
		f := readFrame{fin: b[0]&0x80 != 0, op: b[0] & 0x0f, masked: b[1]&0x80 != 0}
		if rsv := b[0] & 0x70; rsv != 0 {
			t.Fatalf("frame %d has RSV bits %#x", len(fs), rsv)
		}
		n, h := uint64(b[1]&0x7f), 2
		switch n {
		case 126:
			n, h = uint64(binary.BigEndian.Uint16(b[2:])), 4
			if n < 126 {
				t.Fatalf("frame %d: length %d in 16 bits (§5.2: the minimal form)", len(fs), n)
			}
		case 127:
			n, h = binary.BigEndian.Uint64(b[2:]), 10
			if n <= 0xffff {
				t.Fatalf("frame %d: length %d in 64 bits (§5.2: the minimal form)", len(fs), n)
			}
		}
		var key []byte
		if f.masked {
			key, h = b[h:h+4], h+4
		}
		if uint64(len(b)-h) < n {
			t.Fatalf("frame %d: %d payload bytes of %d", len(fs), len(b)-h, n)
		}
		f.payload = bytes.Clone(b[h : h+int(n)])
		for i := range f.payload {
			if f.masked {
				f.payload[i] ^= key[i%4]
			}
		}
		fs = append(fs, f)
		b = b[h+int(n):]
	}
	return fs
}

// framing is a Coalescer over a countConn, framing data itself.
func framing() (*Coalescer, *countConn) {
	cc := &countConn{}
	co := NewCoalescer(cc)
	co.Start()
	co.FrameData()
	return co, cc
}

// checkMessages checks that the frames written are the messages of
// payloads, in order, each of masked frames of at most maxFragment bytes:
// one frame of opcode op, or fragments (§5.4) that start with it.
func checkMessages(t *testing.T, cc *countConn, op byte, payloads [][]byte) {
	t.Helper()
	fs := readFrames(t, bytes.Join(cc.writes, nil))
	for i, want := range payloads {
		var got []byte
		for j := 0; ; j++ {
			if len(fs) == 0 {
				t.Fatalf("message %d: the frames end after %d fragments", i, j)
			}
			f := fs[0]
			fs = fs[1:]
			wantOp := op
			if j > 0 {
				wantOp = 0
			}
			if f.op != wantOp || !f.masked || len(f.payload) > maxFragment || !f.fin && len(f.payload) != maxFragment {
				t.Fatalf("message %d, fragment %d: op %d masked %v, %d bytes; want op %d, masked, %d bytes unless the last",
					i, j, f.op, f.masked, len(f.payload), wantOp, maxFragment)
			}
			got = append(got, f.payload...)
			if f.fin {
				break
			}
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("message %d: %d bytes, want %d (%.20q)", i, len(got), len(want), want)
		}
	}
	if len(fs) > 0 {
		t.Fatalf("%d frames after the %d messages", len(fs), len(payloads))
	}
}

// TestWriteDataSizes: payloads at each length form's edges, and ones that
// do not fit the buffer, framed in a row; the writes are never bigger than
// the buffer (64 KiB and a header: a 64 KiB message goes in one write),
// and the coalescer counts every message and byte.
func TestWriteDataSizes(t *testing.T) {
	t.Parallel()
	var payloads [][]byte
	for i, n := range []int{0, 1, 125, 126, 127, 0xffff, 0x10000, coalesceSize - 14, coalesceSize, 3*coalesceSize + 5, 7} {
		payloads = append(payloads, bytes.Repeat([]byte{byte('a' + i)}, n))
	}
	co, cc := framing()
	n, err := co.WriteData(true, payloads)
	if err != nil || n != len(payloads) {
		t.Fatalf("WriteData = %d, %v", n, err)
	}
	if err := co.Flush(); err != nil {
		t.Fatal(err)
	}
	checkMessages(t, cc, 2, payloads)
	var total int
	for _, w := range cc.writes {
		if len(w) > coalesceSize+maxHeader {
			t.Errorf("a write of %d bytes, over the buffer's %d", len(w), coalesceSize+maxHeader)
		}
		total += len(w)
	}
	if co.Messages() != len(payloads) {
		t.Errorf("Messages() = %d, want %d", co.Messages(), len(payloads))
	}
	if u := co.UndeliveredGiven(0, true); u.Bytes != 0 || u.Messages != 0 {
		t.Errorf("after the flush, Undelivered = %+v", u)
	}
	if u := co.UndeliveredGiven(total, true); u.Messages != len(payloads) {
		t.Errorf("with every byte still queued, Undelivered = %+v, want %d messages", u, len(payloads))
	}
}

// TestWriteData64KiB: a stream of 64 KiB messages costs one write each,
// as gorilla's 64 KiB buffer writes them.
func TestWriteData64KiB(t *testing.T) {
	t.Parallel()
	co, cc := framing()
	p := bytes.Repeat([]byte("z"), coalesceSize)
	for range 3 {
		if _, err := co.WriteData(true, [][]byte{p}); err != nil {
			t.Fatal(err)
		}
		if err := co.Flush(); err != nil {
			t.Fatal(err)
		}
	}
	if len(cc.writes) != 3 {
		t.Errorf("%d writes for 3 messages of 64 KiB, want 3", len(cc.writes))
	}
	checkMessages(t, cc, 2, [][]byte{p, p, p})
}

// TestWriteDataKeys: every frame has a key of its own (§5.3: a fresh one
// per frame, not predictable), and each coalescer a stream of its own.
func TestWriteDataKeys(t *testing.T) {
	t.Parallel()
	keys := map[uint32]bool{}
	for range 2 {
		co, cc := framing()
		payloads := make([][]byte, 500)
		for i := range payloads {
			payloads[i] = []byte("x")
		}
		if _, err := co.WriteData(false, payloads); err != nil {
			t.Fatal(err)
		}
		co.Flush()
		b := bytes.Join(cc.writes, nil)
		for i := 0; i < len(b); i += 7 { // 2 header bytes, the key, "x"
			keys[binary.LittleEndian.Uint32(b[i+2:])] = true
		}
	}
	if len(keys) < 990 { // 1000 keys of 32 random bits: a repeat is rare, ten are not
		t.Errorf("%d distinct keys in 1000 frames", len(keys))
	}
}

// TestWriteDataAfterClose: once gorilla's close frame has gone through, no
// data frame may follow it.
func TestWriteDataAfterClose(t *testing.T) {
	t.Parallel()
	co, cc := framing()
	if _, err := co.WriteData(false, [][]byte{[]byte("before")}); err != nil {
		t.Fatal(err)
	}
	if _, err := co.Write(wstest.Frame(wstest.OpClose, wstest.CloseBody(1000, ""), wstest.LenAuto, []byte{1, 2, 3, 4})); err != nil {
		t.Fatal(err)
	}
	n, err := co.WriteData(false, [][]byte{[]byte("after")})
	if n != 0 || !errors.Is(err, ErrCloseSent) || err.Error() != websocket.ErrCloseSent.Error() {
		t.Errorf("WriteData after the close = %d, %v; want 0, %v", n, err, websocket.ErrCloseSent)
	}
	fs := readFrames(t, bytes.Join(cc.writes, nil))
	if len(fs) != 2 || string(fs[0].payload) != "before" || fs[1].op != 8 {
		t.Errorf("frames %+v, want the message, then the close", fs)
	}
}

// TestWriteDataDeadline: each write goes under the deadline of whoever
// started it: gorilla's for a control frame, the data deadline for data.
func TestWriteDataDeadline(t *testing.T) {
	t.Parallel()
	co, cc := framing()
	ping := time.Now().Add(time.Second)
	co.SetWriteDeadline(ping) // gorilla, before a ping
	if _, err := co.Write(wstest.Frame(wstest.OpPing, nil, wstest.LenAuto, []byte{1, 2, 3, 4})); err != nil {
		t.Fatal(err)
	}
	co.WriteData(false, [][]byte{[]byte("a")})
	co.Flush()
	later := time.Now().Add(time.Hour)
	co.SetDataDeadline(later)
	co.WriteData(false, [][]byte{[]byte("b")})
	co.Flush()
	want := []time.Time{ping, {}, later}
	if len(cc.deadlines) != len(want) {
		t.Fatalf("deadlines set %v, want %v", cc.deadlines, want)
	}
	for i := range want {
		if !cc.deadlines[i].Equal(want[i]) {
			t.Errorf("deadline %d = %v, want %v", i, cc.deadlines[i], want[i])
		}
	}
}

// gateConn holds its first write until release is closed: a peer that
// does not read.
type gateConn struct {
	countConn
	mu      sync.Mutex
	entered chan struct{} // closed when the first write has begun
	release chan struct{}
	n       int
}

func (c *gateConn) Write(b []byte) (int, error) {
	c.mu.Lock()
	c.n++
	first := c.n == 1
	c.mu.Unlock()
	if first {
		close(c.entered)
		<-c.release
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.countConn.Write(b)
}

// TestControlFrameDuringABlockedWrite: while a write blocks (the peer does
// not read), a pong handed over from another goroutine returns at once,
// the accounting answers, and the pong goes out right after the blocked
// write, before the data gathered after it.
func TestControlFrameDuringABlockedWrite(t *testing.T) {
	t.Parallel()
	gc := &gateConn{entered: make(chan struct{}), release: make(chan struct{})}
	co := NewCoalescer(gc)
	co.Start()
	co.FrameData()
	big := bytes.Repeat([]byte("d"), coalesceSize)
	flushed := make(chan error, 1)
	go func() {
		if _, err := co.WriteData(true, [][]byte{big}); err != nil {
			flushed <- err
			return
		}
		flushed <- co.Flush()
	}()
	<-gc.entered
	pong := wstest.Frame(wstest.OpPong, []byte("p"), wstest.LenAuto, []byte{1, 2, 3, 4})
	returned := make(chan error, 1)
	go func() {
		_, err := co.Write(pong)
		co.Undelivered()
		co.Buffered()
		returned <- err
	}()
	select {
	case err := <-returned:
		if err != nil {
			t.Fatalf("the pong's Write: %v", err)
		}
	case <-time.After(wstest.Failsafe):
		t.Fatal("the pong's Write waited for the blocked write")
	}
	if _, err := co.WriteData(false, [][]byte{[]byte("after")}); err != nil {
		t.Fatal(err)
	}
	close(gc.release)
	if err := <-flushed; err != nil {
		t.Fatal(err)
	}
	if err := co.Flush(); err != nil {
		t.Fatal(err)
	}
	fs := readFrames(t, bytes.Join(gc.writes, nil))
	if len(fs) != 3 || fs[0].op != 2 || fs[1].op != wstest.OpPong || string(fs[2].payload) != "after" {
		t.Errorf("frames %+v, want the big message, the pong, then \"after\"", fs)
	}
	if len(gc.writes) < 2 || len(gc.writes[0]) < coalesceSize {
		t.Errorf("writes of %d bytes first: the blocked write is not the big message's", len(gc.writes[0]))
	}
}

// failConn fails every write.
type failConn struct{ countConn }

func (c *failConn) Write([]byte) (int, error) { return 0, errors.New("broken pipe") }

// TestWriteDataFails: when a write fails, WriteData says how many payloads
// were framed before it, and every later call fails too.
func TestWriteDataFails(t *testing.T) {
	t.Parallel()
	co := NewCoalescer(&failConn{})
	co.Start()
	co.FrameData()
	big := make([]byte, coalesceSize/2)
	n, err := co.WriteData(false, [][]byte{big, big, big, big})
	if n != 1 || err == nil { // the second does not fit whole: the first goes, and fails
		t.Errorf("WriteData = %d, %v; want 1 framed and the write's error", n, err)
	}
	if n, err := co.WriteData(false, [][]byte{[]byte("x")}); n != 0 || err == nil {
		t.Errorf("WriteData after a failed write = %d, %v", n, err)
	}
}

// TestWriteDataThroughGorilla: a gorilla server reads what WriteData
// frames, interleaved with the pings gorilla writes through the same
// coalescer from another goroutine: every message arrives whole and in
// order, and a ping handed over between two batches arrives between them.
func TestWriteDataThroughGorilla(t *testing.T) {
	t.Parallel()
	type event struct {
		ping bool
		data string
	}
	events := make(chan event, 100_000)
	done := make(chan error, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := (&websocket.Upgrader{}).Upgrade(w, r, nil)
		if err != nil {
			done <- err
			return
		}
		defer c.Close()
		c.SetReadLimit(1 << 24)
		c.SetPingHandler(func(s string) error { events <- event{ping: true, data: s}; return nil })
		for {
			_, b, err := c.ReadMessage()
			if err != nil {
				if websocket.IsCloseError(err, websocket.CloseNormalClosure) {
					err = nil
				}
				done <- err
				return
			}
			events <- event{data: string(b)}
		}
	}))
	defer srv.Close()
	var co *Coalescer
	d := websocket.Dialer{
		NetDialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
			co = NewCoalescer(c)
			return co, err
		},
	}
	ws, _, err := d.Dial("ws"+strings.TrimPrefix(srv.URL, "http"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	co.Start()
	co.FrameData()

	batch := func(from, n, size int) [][]byte {
		var ps [][]byte
		for i := from; i < from+n; i++ {
			p := fmt.Appendf(nil, "%d:", i)
			ps = append(ps, append(p, bytes.Repeat([]byte{'x'}, size)...))
		}
		return ps
	}
	first, second := batch(0, 300, 10), batch(300, 3, 200_000)
	if _, err := co.WriteData(false, first); err != nil {
		t.Fatal(err)
	}
	if err := ws.WriteControl(websocket.PingMessage, []byte("between"), time.Now().Add(wstest.Failsafe)); err != nil {
		t.Fatal(err)
	}
	if _, err := co.WriteData(false, second); err != nil {
		t.Fatal(err)
	}
	// then pings from another goroutine while batches go on
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := range 200 {
			ws.WriteControl(websocket.PingMessage, fmt.Appendf(nil, "p%d", i), time.Now().Add(wstest.Failsafe))
		}
	}()
	var rest [][]byte
	for i := range 50 {
		b := batch(303+i*100, 100, i*37)
		rest = append(rest, b...)
		if _, err := co.WriteData(i%2 == 1, b); err != nil {
			t.Fatal(err)
		}
	}
	wg.Wait()
	if err := co.Flush(); err != nil {
		t.Fatal(err)
	}
	ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(1000, ""), time.Now().Add(wstest.Failsafe))
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("the server's read: %v", err)
		}
	case <-time.After(wstest.Failsafe):
		t.Fatal("the server did not see the close")
	}
	close(events)
	var got []event
	for e := range events {
		got = append(got, e)
	}
	want := append(append(append([][]byte{}, first...), second...), rest...)
	var data []string
	pings := 0
	for _, e := range got {
		switch {
		case e.ping && e.data == "between":
			if len(data) != len(first) {
				t.Errorf("the ping between the batches came after %d messages, want %d", len(data), len(first))
			}
		case e.ping:
			pings++
		default:
			data = append(data, e.data)
		}
	}
	if pings != 200 {
		t.Errorf("%d pings arrived, want 200", pings)
	}
	if len(data) != len(want) {
		t.Fatalf("%d messages arrived, want %d", len(data), len(want))
	}
	for i := range want {
		if data[i] != string(want[i]) {
			t.Fatalf("message %d is %.20q, want %.20q", i, data[i], want[i])
		}
	}
}

// FuzzMaskBytes: the word-at-a-time mask equals RFC 6455's byte rule.
func FuzzMaskBytes(f *testing.F) {
	f.Add([]byte("hello, world, a payload of more than 32 bytes"), uint32(0x12345678))
	f.Add([]byte{}, uint32(1))
	f.Fuzz(func(t *testing.T, src []byte, key uint32) {
		var k [4]byte
		binary.LittleEndian.PutUint32(k[:], key)
		dst := make([]byte, len(src))
		maskBytes(dst, src, key)
		for i := range src {
			if want := src[i] ^ k[i%4]; dst[i] != want {
				t.Fatalf("byte %d = %#x, want %#x", i, dst[i], want)
			}
		}
	})
}

// FuzzWriteData: any payloads, split from the input at each NUL and
// repeated to cross the buffer, come out as one frame each, as a server
// reads them.
func FuzzWriteData(f *testing.F) {
	f.Add([]byte("a\x00bc\x00\x00def"), uint16(1), false)
	f.Add([]byte("xy\x00z"), uint16(1999), true)
	f.Fuzz(func(t *testing.T, in []byte, repeat uint16, binary bool) {
		var payloads [][]byte
		for p := range bytes.SplitSeq(in, []byte{0}) {
			payloads = append(payloads, bytes.Repeat(p, int(repeat%2000)))
		}
		co, cc := framing()
		if n, err := co.WriteData(binary, payloads); n != len(payloads) || err != nil {
			t.Fatalf("WriteData = %d, %v", n, err)
		}
		co.Flush()
		op := byte(1)
		if binary {
			op = 2
		}
		checkMessages(t, cc, op, payloads)
	})
}
