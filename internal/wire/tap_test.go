package wire

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wsx-cli/wsx/internal/wstest"
)

// tapCase is a server byte stream (after the upgrade answer) and what the Tap
// must make of it.
type tapCase struct {
	name  string
	in    [][]byte    // frames as the server sent them
	want  [][]byte    // frames as handed on to gorilla; nil: same as in
	close *CloseFrame // the first close frame; nil: none
}

var (
	text300   = bytes.Repeat([]byte("0123456789"), 30)        // a 16-bit length
	bin70000  = bytes.Repeat([]byte{0x88, 0x02, 0x03}, 23334) // a 64-bit length that looks like close frames
	mask      = []byte{0x12, 0x34, 0x56, 0x78}
	fake1014  = []byte{0x88, 0x02, 0x03, 0xF6} // a close frame with 1014, inside a data payload
	longCause = strings.Repeat("r", 5000)
)

var tapCases = []tapCase{
	{
		name:  "code and reason",
		in:    [][]byte{wstest.Frame(wstest.OpText, []byte("hello"), wstest.LenAuto, nil), wstest.CloseFrame(1000, "bye")},
		close: &CloseFrame{HasCode: true, Code: 1000, Reason: []byte("bye")},
	},
	{
		name:  "code without reason",
		in:    [][]byte{wstest.CloseFrame(4001, "")},
		close: &CloseFrame{HasCode: true, Code: 4001, Reason: []byte{}},
	},
	{
		name:  "empty payload",
		in:    [][]byte{wstest.Frame(wstest.OpClose, nil, wstest.LenAuto, nil)},
		close: &CloseFrame{},
	},
	{
		name:  "one byte payload",
		in:    [][]byte{wstest.Frame(wstest.OpClose, []byte{0x03}, wstest.LenAuto, nil)},
		close: &CloseFrame{Short: true},
	},
	{
		name:  "masked close frame",
		in:    [][]byte{wstest.Frame(wstest.OpClose, wstest.CloseBody(4001, "token expired"), wstest.LenAuto, mask)},
		close: &CloseFrame{HasCode: true, Code: 4001, Reason: []byte("token expired")},
	},
	{
		name:  "masked close frame with 1014 is not rewritten",
		in:    [][]byte{wstest.Frame(wstest.OpClose, wstest.CloseBody(1014, "bad gateway"), wstest.LenAuto, mask)},
		close: &CloseFrame{HasCode: true, Code: 1014, Reason: []byte("bad gateway")},
	},
	{
		name:  "masked one byte payload",
		in:    [][]byte{wstest.Frame(wstest.OpClose, []byte{0x03}, wstest.LenAuto, mask)},
		close: &CloseFrame{Short: true},
	},
	{
		name: "16-bit length before the close",
		in: [][]byte{
			wstest.Frame(wstest.OpText, text300, wstest.LenAuto, nil),
			wstest.Frame(wstest.OpBinary, text300, wstest.LenAuto, mask),
			wstest.CloseFrame(1001, "going"),
		},
		close: &CloseFrame{HasCode: true, Code: 1001, Reason: []byte("going")},
	},
	{
		name:  "64-bit length before the close",
		in:    [][]byte{wstest.Frame(wstest.OpBinary, bin70000, wstest.LenAuto, nil), wstest.CloseFrame(1014, "upstream")},
		want:  [][]byte{wstest.Frame(wstest.OpBinary, bin70000, wstest.LenAuto, nil), wstest.CloseFrame(1011, "upstream")},
		close: &CloseFrame{HasCode: true, Code: 1014, Reason: []byte("upstream")},
	},
	{
		name: "non-minimal length forms",
		in: [][]byte{
			wstest.Frame(wstest.OpText, []byte("short"), wstest.Len16, nil),
			wstest.Frame(wstest.OpText, fake1014, wstest.Len64, nil),
			wstest.Frame(wstest.OpText, []byte{}, wstest.Len64, mask),
			wstest.Frame(wstest.OpClose, wstest.CloseBody(1014, "x"), wstest.Len16, nil),
		},
		want: [][]byte{
			wstest.Frame(wstest.OpText, []byte("short"), wstest.Len16, nil),
			wstest.Frame(wstest.OpText, fake1014, wstest.Len64, nil),
			wstest.Frame(wstest.OpText, []byte{}, wstest.Len64, mask),
			wstest.Frame(wstest.OpClose, wstest.CloseBody(1011, "x"), wstest.Len16, nil),
		},
		close: &CloseFrame{HasCode: true, Code: 1014, Reason: []byte("x")},
	},
	{
		name: "control and fragmented frames before the close",
		in: [][]byte{
			{0x01, 0x03, 'a', 'b', 'c'}, // text, not final
			wstest.Frame(wstest.OpPing, []byte("p"), wstest.LenAuto, nil),
			wstest.Frame(wstest.OpCont, []byte("def"), wstest.LenAuto, nil),
			wstest.Frame(wstest.OpPong, nil, wstest.LenAuto, nil),
			wstest.CloseFrame(1012, "restart"),
		},
		close: &CloseFrame{HasCode: true, Code: 1012, Reason: []byte("restart")},
	},
	{
		name:  "a close frame inside a data payload is data",
		in:    [][]byte{wstest.Frame(wstest.OpText, fake1014, wstest.LenAuto, nil), wstest.Frame(wstest.OpBinary, fake1014, wstest.LenAuto, nil)},
		close: nil,
	},
	{
		name:  "1014 is rewritten to 1011",
		in:    [][]byte{wstest.Frame(wstest.OpText, []byte("x"), wstest.LenAuto, nil), wstest.CloseFrame(1014, "bad gateway")},
		want:  [][]byte{wstest.Frame(wstest.OpText, []byte("x"), wstest.LenAuto, nil), wstest.CloseFrame(1011, "bad gateway")},
		close: &CloseFrame{HasCode: true, Code: 1014, Reason: []byte("bad gateway")},
	},
	{
		name:  "1014 without reason",
		in:    [][]byte{wstest.CloseFrame(1014, "")},
		want:  [][]byte{wstest.CloseFrame(1011, "")},
		close: &CloseFrame{HasCode: true, Code: 1014, Reason: []byte{}},
	},
	{
		name:  "codes gorilla refuses other than 1014 are handed on",
		in:    [][]byte{wstest.CloseFrame(1005, "")},
		close: &CloseFrame{HasCode: true, Code: 1005, Reason: []byte{}},
	},
	{
		name:  "only the first close frame is kept",
		in:    [][]byte{wstest.CloseFrame(4001, "first"), wstest.CloseFrame(4002, "second")},
		close: &CloseFrame{HasCode: true, Code: 4001, Reason: []byte("first")},
	},
	{
		name:  "a later close frame with 1014 is rewritten too",
		in:    [][]byte{wstest.CloseFrame(4001, "first"), wstest.CloseFrame(1014, "second")},
		want:  [][]byte{wstest.CloseFrame(4001, "first"), wstest.CloseFrame(1011, "second")},
		close: &CloseFrame{HasCode: true, Code: 4001, Reason: []byte("first")},
	},
	{
		name:  "invalid UTF-8 reason kept raw",
		in:    [][]byte{wstest.CloseFrame(4000, "bad\xff\xfe")},
		close: &CloseFrame{HasCode: true, Code: 4000, Reason: []byte("bad\xff\xfe")},
	},
	{
		name:  "an oversized close payload is kept up to 4096 bytes",
		in:    [][]byte{wstest.CloseFrame(4000, longCause)},
		close: &CloseFrame{HasCode: true, Code: 4000, Reason: []byte(longCause[:4094])},
	},
	{
		name:  "no close frame",
		in:    [][]byte{wstest.Frame(wstest.OpText, []byte("a"), wstest.LenAuto, nil), wstest.Frame(wstest.OpBinary, text300, wstest.LenAuto, nil)},
		close: nil,
	},
}

// chunkings splits a stream into the Reads a connection returns.
var chunkings = []struct {
	name  string
	split func([]byte) [][]byte
}{
	{"whole", func(b []byte) [][]byte { return [][]byte{b} }},
	{"bytewise", func(b []byte) [][]byte { return chunksOf(b, 1) }},
	{"by 2", func(b []byte) [][]byte { return chunksOf(b, 2) }},
	{"by 3", func(b []byte) [][]byte { return chunksOf(b, 3) }},
	{"by 7", func(b []byte) [][]byte { return chunksOf(b, 7) }},
	{"with empty reads", func(b []byte) [][]byte {
		var out [][]byte
		for _, c := range chunksOf(b, 5) {
			out = append(out, nil, c)
		}
		return out
	}},
}

func chunksOf(b []byte, n int) [][]byte {
	var out [][]byte
	for len(b) > n {
		out = append(out, b[:n])
		b = b[n:]
	}
	return append(out, b)
}

func TestTapStreams(t *testing.T) {
	t.Parallel()
	for _, tc := range tapCases {
		in := wstest.Cat(append([][]byte{[]byte(wstest.Upgrade)}, tc.in...)...)
		want := in
		if tc.want != nil {
			want = wstest.Cat(append([][]byte{[]byte(wstest.Upgrade)}, tc.want...)...)
		}
		if len(want) != len(in) {
			t.Fatalf("%s: bad case: want and in differ in length", tc.name)
		}
		for _, ch := range chunkings {
			for _, bufSize := range []int{2, 3, 5, 64, 4096} {
				if ch.name == "bytewise" && len(in) > 20000 && bufSize > 5 {
					continue // slow and adds nothing
				}
				name := fmt.Sprintf("%s/%s/buf%d", tc.name, ch.name, bufSize)
				t.Run(name, func(t *testing.T) {
					t.Parallel()
					c := wstest.NewScriptConn(ch.split(in)...)
					tap := NewTap(c)
					got := wstest.ReadAll(t, tap, bufSize)
					checkBytes(t, got, want, in)
					checkClose(t, tap.CloseFrame(), tc.close)
					if n := tap.BytesRead(); n != int64(len(in)) {
						t.Errorf("BytesRead = %d, want %d", n, len(in))
					}
				})
			}
		}
	}
}

// checkBytes compares what the Tap handed on with want, naming the first
// difference; in is the server's stream.
func checkBytes(t testing.TB, got, want, in []byte) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("handed on %d bytes, want %d", len(got), len(want))
	}
	if d := wstest.Diffs(got, want); len(d) > 0 {
		i := d[0]
		t.Fatalf("byte %d handed on as %#02x, want %#02x (server sent %#02x); %d bytes differ",
			i, got[i], want[i], in[i], len(d))
	}
}

func checkClose(t testing.TB, got, want *CloseFrame) {
	t.Helper()
	switch {
	case want == nil && got != nil:
		t.Fatalf("CloseFrame = %+v, want nil", *got)
	case want == nil:
		return
	case got == nil:
		t.Fatalf("CloseFrame = nil, want %+v", *want)
	}
	if got.HasCode != want.HasCode || got.Code != want.Code || got.Short != want.Short ||
		!bytes.Equal(got.Reason, want.Reason) {
		t.Fatalf("CloseFrame = {HasCode:%v Code:%d Reason:%q Short:%v}, want {HasCode:%v Code:%d Reason:%q Short:%v}",
			got.HasCode, got.Code, got.Reason, got.Short, want.HasCode, want.Code, want.Reason, want.Short)
	}
}

// TestTapSplitCode sends a 1014 close frame whose first code byte ends one
// chunk (or one of the caller's buffers): the Tap must hold that byte back
// until the second arrives, and still rewrite the code.
func TestTapSplitCode(t *testing.T) {
	t.Parallel()
	data := wstest.Frame(wstest.OpText, []byte("hi"), wstest.LenAuto, nil)
	cf := wstest.CloseFrame(1014, "bad gateway")
	head := wstest.Cat([]byte(wstest.Upgrade), data, cf[:3]) // ends with the code's first byte
	tail := cf[3:]
	want := wstest.Cat([]byte(wstest.Upgrade), data, wstest.CloseFrame(1011, "bad gateway"))
	whole := wstest.Cat(head, tail)

	cases := []struct {
		name    string
		chunks  [][]byte
		bufSize int
		first   int // bytes the first Read must return
	}{
		{"chunk ends after the first code byte", [][]byte{head, tail}, 4096, len(head) - 1},
		{"code byte alone", [][]byte{head[:len(head)-1], head[len(head)-1:], tail}, 4096, len(head) - 1},
		{"empty read between the code bytes", [][]byte{head, nil, tail}, 4096, len(head) - 1},
		{"header and code byte in their own chunk", [][]byte{head[:len(head)-3], head[len(head)-3:], tail}, 4096, len(head) - 3},
		{"caller's buffer ends after the first code byte", [][]byte{whole}, len(head), len(head) - 1},
		{"second code byte alone", [][]byte{head, tail[:1], tail[1:]}, 4096, len(head) - 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tap := NewTap(wstest.NewScriptConn(tc.chunks...))
			buf := make([]byte, tc.bufSize)
			n, err := tap.Read(buf)
			if err != nil || n != tc.first {
				t.Fatalf("first Read = %d, %v; want %d, nil", n, err, tc.first)
			}
			got := append(bytes.Clone(buf[:n]), wstest.ReadAll(t, tap, tc.bufSize)...)
			checkBytes(t, got, want, whole)
			checkClose(t, tap.CloseFrame(), &CloseFrame{HasCode: true, Code: 1014, Reason: []byte("bad gateway")})
			if n := tap.BytesRead(); n != int64(len(whole)) {
				t.Errorf("BytesRead = %d, want %d (held bytes counted once)", n, len(whole))
			}
		})
	}
}

// TestTapSplitCodePipe splits the code across two writes to a real,
// blocking connection: the second Read waits for the second write.
func TestTapSplitCodePipe(t *testing.T) {
	t.Parallel()
	client, server := net.Pipe()
	defer client.Close()
	cf := wstest.CloseFrame(1014, "later")
	head := wstest.Cat([]byte(wstest.Upgrade), cf[:3])
	writeErr := make(chan error, 1)
	go func() {
		defer server.Close()
		for _, p := range [][]byte{head, cf[3:]} {
			if _, err := server.Write(p); err != nil {
				writeErr <- err
				return
			}
		}
		writeErr <- nil
	}()
	tap := NewTap(client)
	got := wstest.ReadAll(t, tap, 4096)
	if err := <-writeErr; err != nil {
		t.Fatal(err)
	}
	in := wstest.Cat([]byte(wstest.Upgrade), cf)
	checkBytes(t, got, wstest.Cat([]byte(wstest.Upgrade), wstest.CloseFrame(1011, "later")), in)
	checkClose(t, tap.CloseFrame(), &CloseFrame{HasCode: true, Code: 1014, Reason: []byte("later")})
}

// TestTapConcurrentAccessors reads the CloseFrame and counters while the
// stream is being read (for the race detector).
func TestTapConcurrentAccessors(t *testing.T) {
	t.Parallel()
	client, server := net.Pipe()
	defer client.Close()
	in := wstest.Cat([]byte(wstest.Upgrade), wstest.Frame(wstest.OpText, text300, wstest.LenAuto, nil), wstest.CloseFrame(1014, "r"))
	go func() {
		defer server.Close()
		for _, c := range chunksOf(in, 9) {
			if _, err := server.Write(c); err != nil {
				return
			}
		}
	}()
	tap := NewTap(client)
	done := make(chan []byte)
	readErr := make(chan error, 1)
	go func() {
		got, err := wstest.ReadTap(tap, 16, 1<<20)
		readErr <- err
		done <- got
	}()
	var last int64
	for {
		select {
		case got := <-done:
			if err := <-readErr; err != nil {
				t.Fatal(err)
			}
			if len(got) != len(in) {
				t.Fatalf("handed on %d bytes, want %d", len(got), len(in))
			}
			checkClose(t, tap.CloseFrame(), &CloseFrame{HasCode: true, Code: 1014, Reason: []byte("r")})
			return
		default:
			n := tap.BytesRead()
			if n < last {
				t.Fatalf("BytesRead went back from %d to %d", last, n)
			}
			last = n
			_ = tap.CloseFrame()
			_ = tap.Request()
		}
	}
}

// TestTapCodeAtEOF ends the stream right after the first code byte: the
// held byte is handed on at the end, unchanged, and no close frame is kept.
func TestTapCodeAtEOF(t *testing.T) {
	t.Parallel()
	in := wstest.Cat([]byte(wstest.Upgrade), wstest.CloseFrame(1014, "x")[:3])
	tap := NewTap(wstest.NewScriptConn(in))
	got := wstest.ReadAll(t, tap, 4096)
	checkBytes(t, got, in, in)
	checkClose(t, tap.CloseFrame(), nil)
}

// TestTapReadError passes a read error on with every byte before it.
func TestTapReadError(t *testing.T) {
	t.Parallel()
	in := wstest.Cat([]byte(wstest.Upgrade), wstest.CloseFrame(1014, "x")[:3])
	c := &errConn{data: in, err: io.ErrUnexpectedEOF}
	tap := NewTap(c)
	buf := make([]byte, 4096)
	var got []byte
	for range 10 {
		n, err := tap.Read(buf)
		got = append(got, buf[:n]...)
		if err != nil {
			if err != io.ErrUnexpectedEOF {
				t.Fatalf("err = %v, want io.ErrUnexpectedEOF", err)
			}
			checkBytes(t, got, in, in)
			return
		}
	}
	t.Fatal("the read error never came through")
}

// errConn returns data and err together on its first Read.
type errConn struct {
	net.Conn
	data []byte
	err  error
}

func (c *errConn) Read(b []byte) (int, error) {
	n := copy(b, c.data)
	c.data = c.data[n:]
	if len(c.data) == 0 {
		return n, c.err
	}
	return n, nil
}

// TestTapSmallBuffers reads one byte at a time: the Tap cannot hold a byte
// back then, but it must still hand on every byte, end, and keep the frame.
func TestTapSmallBuffers(t *testing.T) {
	t.Parallel()
	in := wstest.Cat([]byte(wstest.Upgrade), wstest.Frame(wstest.OpText, text300, wstest.LenAuto, nil), wstest.CloseFrame(1014, "small"))
	tap := NewTap(wstest.NewScriptConn(chunksOf(in, 4)...))
	got := wstest.ReadAll(t, tap, 1)
	if len(got) != len(in) {
		t.Fatalf("handed on %d bytes, want %d", len(got), len(in))
	}
	if d := wstest.Diffs(got, in); len(d) > 1 {
		t.Fatalf("%d bytes differ, want at most the code's low byte", len(d))
	}
	checkClose(t, tap.CloseFrame(), &CloseFrame{HasCode: true, Code: 1014, Reason: []byte("small")})
}

// TestTapReadEmptyBuffer: io.Reader says a Read into an empty buffer
// returns 0 at once.
func TestTapReadEmptyBuffer(t *testing.T) {
	t.Parallel()
	c := wstest.NewScriptConn([]byte(wstest.Upgrade), wstest.CloseFrame(1000, ""))
	tap := NewTap(c)
	n, err := tap.Read(nil)
	if n != 0 || err != nil {
		t.Fatalf("Read(nil) = %d, %v; want 0, nil", n, err)
	}
	if got := wstest.ReadAll(t, tap, 4096); len(got) != len(wstest.Upgrade)+4 {
		t.Fatalf("handed on %d bytes after Read(nil), want %d", len(got), len(wstest.Upgrade)+4)
	}
}

func TestTapRequest(t *testing.T) {
	t.Parallel()
	req := "GET /feed HTTP/1.1\r\nHost: example.com\r\nUpgrade: websocket\r\n\r\n"
	frames := string(wstest.Frame(wstest.OpText, []byte("after"), wstest.LenAuto, mask))
	cases := []struct {
		name   string
		writes []string
	}{
		{"one write", []string{req}},
		{"request and frame in one write", []string{req + frames}},
		{"terminator split", []string{req[:len(req)-1], req[len(req)-1:] + frames}},
		{"terminator split in half", []string{req[:len(req)-2], req[len(req)-2:], frames}},
		{"bytewise", strings.Split(req+frames, "")},
		{"later writes with blank lines", []string{req, "\r\n\r\n", frames}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := wstest.NewScriptConn()
			tap := NewTap(c)
			var all string
			for _, w := range tc.writes {
				n, err := tap.Write([]byte(w))
				if err != nil || n != len(w) {
					t.Fatalf("Write = %d, %v", n, err)
				}
				all += w
			}
			if got := string(tap.Request()); got != req {
				t.Errorf("Request() = %q, want %q", got, req)
			}
			if got := c.Written.String(); got != all {
				t.Errorf("the connection got %q, want %q", got, all)
			}
		})
	}
}

// TestTapRefusedUpgradeBody: when the server refuses the upgrade, the bytes
// after its header block are an HTTP body, not frames. The Tap must hand
// them on at once, so that the body of a 401 (shown to the user) is read
// without waiting for more data.
func TestTapRefusedUpgradeBody(t *testing.T) {
	t.Parallel()
	client, server := net.Pipe()
	defer client.Close()
	serverDone := make(chan struct{})
	go func() {
		defer close(serverDone)
		defer server.Close()
		resp := "HTTP/1.1 401 Unauthorized\r\nContent-Length: 3\r\n\r\nhex"
		if _, err := server.Write([]byte(resp)); err != nil {
			return
		}
		io.Copy(io.Discard, server) // keep-alive: wait for the client to hang up
	}()
	body := make(chan string, 1)
	tap := NewTap(client)
	go func() {
		resp, err := http.ReadResponse(bufio.NewReader(tap), nil)
		if err != nil {
			body <- "error: " + err.Error()
			return
		}
		b, _ := io.ReadAll(resp.Body)
		body <- string(b)
	}()
	select {
	case got := <-body:
		if got != "hex" {
			t.Errorf("body = %q, want %q", got, "hex")
		}
		client.Close()
	case <-time.After(wstest.Failsafe):
		t.Error("reading the 401's body blocked: the Tap held its last byte back")
		client.Close()
		<-body
	}
	<-serverDone
}

// TestTapCountsMessages checks the count of messages whose last frame the
// tap has handed on, which tells the reader whether its next read may wait.
func TestTapCountsMessages(t *testing.T) {
	t.Parallel()
	fragment := wstest.Frame(wstest.OpText, []byte("a"), wstest.LenAuto, nil)
	fragment[0] &^= 0x80 // not final: the message goes on
	frames := []struct {
		frame    []byte
		messages int64 // the count once the frame has been handed on
	}{
		{wstest.Frame(wstest.OpText, []byte("one"), wstest.LenAuto, nil), 1},
		{wstest.Frame(wstest.OpBinary, []byte{0, 1}, wstest.Len64, nil), 2},
		{wstest.Frame(wstest.OpPing, []byte("p"), wstest.LenAuto, nil), 2}, // a control frame is no message
		{fragment, 2},
		{wstest.Frame(wstest.OpPong, nil, wstest.LenAuto, nil), 2}, // between fragments
		{wstest.Frame(wstest.OpCont, []byte("b"), wstest.LenAuto, nil), 3},
		{wstest.Frame(wstest.OpText, []byte("masked"), wstest.Len16, []byte{1, 2, 3, 4}), 4},
		{wstest.Frame(wstest.OpText, nil, wstest.LenAuto, nil), 5},
		{wstest.CloseFrame(1000, ""), 5},
	}
	stream := []byte(wstest.Upgrade)
	var ends []int // where each frame ends in stream
	for _, f := range frames {
		stream = append(stream, f.frame...)
		ends = append(ends, len(stream))
	}
	// Byte by byte: the count moves only once a frame's last byte is handed on.
	tap := NewTap(wstest.NewScriptConn(stream))
	buf := make([]byte, 1)
	handed, ended := 0, 0
	for {
		n, err := tap.Read(buf)
		handed += n
		for ended < len(ends) && handed >= ends[ended] {
			ended++
		}
		want := int64(0)
		if ended > 0 {
			want = frames[ended-1].messages
		}
		if got := tap.Messages(); got != want {
			t.Fatalf("after %d bytes: messages = %d, want %d", handed, got, want)
		}
		if err != nil {
			break
		}
	}
	// All at once, as gorilla's 4 KiB reads would get them.
	tap = NewTap(wstest.NewScriptConn(stream))
	wstest.ReadAll(t, tap, 4096)
	if got := tap.Messages(); got != 5 {
		t.Errorf("messages = %d after the whole stream, want 5", got)
	}
}
