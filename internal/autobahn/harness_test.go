package autobahn

// The harness: a case is what the Autobahn fuzzing server does (its frames,
// written as the suite writes them) and what wsx must do in answer. The
// server is a wstest.RawServer; wsx is the real command, `wsx listen URL`,
// run in-process through cmd.Main.
//
// The suite's expectations are events its fuzzer receives from an echo
// client. wsx is no echo client: what a case expects echoed must appear on
// wsx's stdout (text as it came and a newline, the default raw format on a
// pipe; binary as one base64 line, --binary-as base64, so that an empty
// binary message is still seen and the message boundaries are kept).
// Pongs must come back with the ping's payload, on the wire. Where the
// fuzzer would close normally once it has what it expects ("closedByMe"
// in the case), the server waits for those pongs and lines and then sends
// close 1000, as the suite's Case.finishWhenDone does. Where the case
// expects the client to fail the connection, wsx's close frame must carry
// the code the case names (or the connection may be dropped, where the
// case says so), nothing of the offending message may be printed, and wsx
// exits 5. Every frame wsx sends must be masked, with RSV bits clear, and
// nothing may follow its close frame.
//
// A wait is bounded, never a sleep: the server waits for wsx's frames and
// stdout lines with a deadline, wsx runs with --timeout and
// --close-timeout, and the test waits for cmd.Main with a failsafe.

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/wsx-cli/wsx/cmd"
	"github.com/wsx-cli/wsx/internal/wstest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// failFastWithin bounds the wait for wsx's close frame right after the
// fragment that makes a message invalid (section 6.4).
const failFastWithin = 5 * time.Second

// defaultLimit bounds each wait of a case, and is the --timeout of its run.
const defaultLimit = 10 * time.Second

// A step is one thing the fuzzing server does.
type step func(p *peer) error

// abCase is one Autobahn case: what the server does, and what wsx must do.
type abCase struct {
	id    string
	flags []string      // wsx flags beyond the bounds every run has
	steps []step        // the server's part, in order
	limit time.Duration // bound of each wait, and wsx's --timeout; 0: defaultLimit

	out    string           // wsx's stdout, exactly
	pongs  []string         // the pongs wsx must send, in order, before its close frame
	closes []int            // the codes wsx's close frame may carry; 1005: an empty close
	drop   bool             // wsx may instead drop the connection without a close frame
	exit   int              // wsx's exit status
	stderr []*regexp.Regexp // each must match wsx's stderr

	// build, when set, makes the case when it runs (its steps and stdout
	// hold the big messages of section 9, made one case at a time)
	build func() abCase
}

// lines is how many lines of stdout the case expects.
func (c *abCase) lines() int { return strings.Count(c.out, "\n") }

// clientFrame is one frame wsx sent, unmasked.
type clientFrame struct {
	fin     bool
	rsv     byte
	op      byte
	masked  bool
	payload []byte
}

func (f clientFrame) String() string {
	if f.op == wstest.OpClose {
		return "close " + closeText(f.payload)
	}
	return fmt.Sprintf("op %d fin %v rsv %d %q", f.op, f.fin, f.rsv, shorten(f.payload))
}

// closeCode is a close payload's code: 1005 when it is empty, -1 when it
// is one byte (no room for a code).
func closeCode(payload []byte) int {
	switch len(payload) {
	case 0:
		return 1005
	case 1:
		return -1
	}
	return int(binary.BigEndian.Uint16(payload))
}

func closeText(payload []byte) string {
	switch c := closeCode(payload); {
	case c == 1005:
		return "(empty)"
	case c < 0:
		return fmt.Sprintf("(1 byte %#x)", payload[0])
	default:
		return fmt.Sprintf("%d %q", c, payload[2:])
	}
}

// readFrame reads one frame of wsx's and unmasks it, telling whether it
// was masked (wstest.RawConn.ReadFrame does not say).
func readFrame(r io.Reader) (clientFrame, error) {
	var h [2]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return clientFrame{}, err
	}
	f := clientFrame{fin: h[0]&0x80 != 0, rsv: h[0] >> 4 & 7, op: h[0] & 0x0f, masked: h[1]&0x80 != 0}
	n := uint64(h[1] & 0x7f)
	switch n {
	case 126:
		var b [2]byte
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return clientFrame{}, err
		}
		n = uint64(binary.BigEndian.Uint16(b[:]))
	case 127:
		var b [8]byte
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return clientFrame{}, err
		}
		n = binary.BigEndian.Uint64(b[:])
	}
	var mask [4]byte
	if f.masked {
		if _, err := io.ReadFull(r, mask[:]); err != nil {
			return clientFrame{}, err
		}
	}
	if n > 1<<20 { // wsx listen sends control frames only
		return clientFrame{}, fmt.Errorf("a frame of %d bytes from wsx", n)
	}
	f.payload = make([]byte, n)
	if _, err := io.ReadFull(r, f.payload); err != nil {
		return clientFrame{}, err
	}
	for i := range f.payload {
		f.payload[i] ^= mask[i%4]
	}
	return f, nil
}

// peer is the fuzzing server's side of one connection.
type peer struct {
	c     *abCase
	conn  *wstest.RawConn
	out   *lineBuffer // wsx's stdout
	limit time.Duration

	mu      sync.Mutex
	frames  []clientFrame // what wsx sent so far
	readErr error         // why reading wsx's frames ended; nil while it goes on
	changed chan struct{}

	closeSent bool     // the server has written a close frame
	notes     []string // what went wrong, seen from the server
	wrote     error    // the write that failed because wsx had hung up, if one did
}

// report is what the server saw of wsx.
type report struct {
	frames   []clientFrame
	readErr  error
	notes    []string
	writeErr error // the server's write that failed because wsx had hung up
}

// play runs a case's server side on one connection.
func play(conn *wstest.RawConn, c *abCase, out *lineBuffer, limit time.Duration) report {
	p := &peer{c: c, conn: conn, out: out, limit: limit, changed: make(chan struct{}, 1)}
	if err := conn.Upgrade(); err != nil {
		return report{notes: []string{"upgrade: " + err.Error()}}
	}
	// wsx must end well within these; they only make sure nothing hangs
	conn.SetDeadline(time.Now().Add(3 * limit))
	readDone := make(chan struct{})
	go p.read(readDone)
	defer func() {
		conn.Close()
		<-readDone
	}()
	for _, s := range c.steps {
		err := s(p)
		var we *writeError
		if errors.As(err, &we) {
			// wsx hung up while the server was still sending: the suite's
			// fuzzer stops there too; whether wsx closed as it should is
			// judged by its frames
			p.wrote = we.err
			break
		}
		if err != nil {
			p.note("%v", err)
			break
		}
	}
	p.finish()
	p.mu.Lock()
	defer p.mu.Unlock()
	return report{frames: p.frames, readErr: p.readErr, notes: p.notes, writeErr: p.wrote}
}

// read collects wsx's frames until the connection ends.
func (p *peer) read(done chan<- struct{}) {
	defer close(done)
	for {
		f, err := readFrame(p.conn)
		p.mu.Lock()
		if err != nil {
			p.readErr = err
		} else {
			p.frames = append(p.frames, f)
		}
		p.mu.Unlock()
		select {
		case p.changed <- struct{}{}:
		default:
		}
		if err != nil {
			return
		}
	}
}

func (p *peer) note(format string, args ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.notes = append(p.notes, fmt.Sprintf(format, args...))
}

// await waits, at most d, until done holds of wsx's frames so far and
// whether the connection has ended.
func (p *peer) await(d time.Duration, what string, done func(frames []clientFrame, ended bool) bool) error {
	timeout := time.NewTimer(d)
	defer timeout.Stop()
	for {
		p.mu.Lock()
		ok, ended, err, got := done(p.frames, p.readErr != nil), p.readErr != nil, p.readErr, fmt.Sprint(p.frames)
		p.mu.Unlock()
		switch {
		case ok:
			return nil
		case ended:
			return fmt.Errorf("the connection ended (%v) before %s; wsx sent %s", err, what, got)
		}
		select {
		case <-p.changed:
		case <-timeout.C:
			return fmt.Errorf("no %s within %v; wsx sent %s", what, d, got)
		}
	}
}

// closeFrom is the index of wsx's close frame, or -1.
func closeFrom(frames []clientFrame) int {
	for i, f := range frames {
		if f.op == wstest.OpClose {
			return i
		}
	}
	return -1
}

// finish ends the server's part: it waits for wsx's close frame (or the
// end of the connection), answers it as the suite's server does when it
// has not closed itself (the same code, no reason), then waits for wsx to
// hang up.
func (p *peer) finish() {
	err := p.await(p.limit, "close frame from wsx", func(fs []clientFrame, ended bool) bool {
		return ended || closeFrom(fs) >= 0
	})
	if err != nil {
		p.note("%v", err)
		return
	}
	p.mu.Lock()
	i := closeFrom(p.frames)
	var payload []byte
	if i >= 0 {
		payload = p.frames[i].payload
	}
	p.mu.Unlock()
	if i >= 0 && !p.closeSent {
		echo := []byte{}
		if len(payload) >= 2 {
			echo = payload[:2]
		}
		// wsx may have hung up already (a failed connection need not wait
		// for the echo): a write error here is no fault of wsx's
		p.conn.Write(frame(true, 0, wstest.OpClose, echo))
		p.closeSent = true
	}
	if err := p.await(p.limit, "hang-up by wsx", func(_ []clientFrame, ended bool) bool { return ended }); err != nil {
		p.note("%v", err)
	}
}

// write writes bytes to wsx, noting a close frame among the frames.
func (p *peer) write(b []byte, frames ...[]byte) error {
	for _, f := range frames {
		if f[0]&0x0f == wstest.OpClose {
			p.closeSent = true
		}
	}
	if _, err := p.conn.Write(b); err != nil {
		return &writeError{err}
	}
	return nil
}

// writeError is a write to wsx that failed: wsx has hung up.
type writeError struct{ err error }

func (e *writeError) Error() string { return "writing to wsx: " + e.err.Error() }

// send writes frames in one write, as autobahn's sendFrame does when the
// case gives neither sync nor chopsize.
func send(frames ...[]byte) step {
	return func(p *peer) error { return p.write(wstest.Cat(frames...), frames...) }
}

// sendSync writes each frame in a write of its own (sync = True).
func sendSync(frames ...[]byte) step {
	return func(p *peer) error {
		for _, f := range frames {
			if err := p.write(f, f); err != nil {
				return err
			}
		}
		return nil
	}
}

// sendChops writes each frame in writes of n bytes (chopsize = n), as
// autobahn's sendData does: a chop never spans two frames.
func sendChops(n int, frames ...[]byte) step {
	return func(p *peer) error {
		for _, f := range frames {
			for i := 0; i < len(f); i += n {
				if err := p.write(f[i:min(i+n, len(f))], f); err != nil {
					return err
				}
			}
		}
		return nil
	}
}

// sendBytes writes raw bytes, for the cases that send a frame's payload in
// parts of their own (beginMessageFrame, sendMessageFrameData).
func sendBytes(b []byte) step {
	return func(p *peer) error { return p.write(b) }
}

// awaitPongs waits until wsx has sent n pongs in all.
func awaitPongs(n int) step {
	return func(p *peer) error {
		return p.await(p.limit, fmt.Sprintf("%d pongs", n), func(fs []clientFrame, _ bool) bool {
			k := 0
			for _, f := range fs {
				if f.op == wstest.OpPong {
					k++
				}
			}
			return k >= n
		})
	}
}

// awaitLines waits until wsx has printed n lines in all.
func awaitLines(n int) step {
	return func(p *peer) error { return p.out.await(n, p.limit) }
}

// closeWhenDone is the suite's finishWhenDone: once what the case expects
// has come back (its pongs, its lines on stdout), the fuzzer closes with
// 1000.
func closeWhenDone() step {
	return func(p *peer) error {
		if err := awaitPongs(len(p.c.pongs))(p); err != nil {
			return err
		}
		if err := awaitLines(p.c.lines())(p); err != nil {
			return err
		}
		return send(closeFrame(1000, ""))(p)
	}
}

// failFast waits, at most failFastWithin, for wsx's close frame, right
// after the part of a message that makes it invalid; the suite sends the
// rest of the message only when no close came, and so does this step, after
// noting that wsx did not fail fast.
func failFast(rest ...step) step {
	return func(p *peer) error {
		err := p.await(failFastWithin, "close frame from wsx right after the invalid part", func(fs []clientFrame, _ bool) bool {
			return closeFrom(fs) >= 0
		})
		if err == nil {
			return nil
		}
		p.note("wsx did not fail fast: %v", err)
		for _, s := range rest {
			if err := s(p); err != nil {
				return err
			}
		}
		return nil
	}
}

// frame builds one unmasked server frame: any opcode (reserved ones too)
// and any RSV bits (0-7), as autobahn's sendFrame does.
func frame(fin bool, rsv, op byte, payload []byte) []byte {
	h := wstest.FrameHeader(fin, op, len(payload))
	h[0] |= rsv << 4
	return append(h, payload...)
}

// fr is a final frame with no RSV bits.
func fr(op byte, payload string) []byte { return frame(true, 0, op, []byte(payload)) }

// closeFrame is a close frame with code and reason.
func closeFrame(code uint16, reason string) []byte {
	return frame(true, 0, wstest.OpClose, wstest.CloseBody(code, reason))
}

// message is what autobahn's sendMessage(payload, isBinary, fragmentSize)
// writes (autobahn-python, autobahn/websocket/protocol.py): one frame when
// fragSize is 0 or the payload fits in it; otherwise frames of fragSize
// bytes, the first with the message's opcode and the rest continuations,
// the last final. When the payload is a multiple of fragSize, the loop
// there ends with an empty final continuation, and so does this.
func message(op byte, payload []byte, fragSize int) [][]byte {
	if fragSize == 0 || len(payload) <= fragSize {
		return [][]byte{frame(true, 0, op, payload)}
	}
	var frames [][]byte
	n, first := len(payload), true
	for i, done := 0, false; !done; i += fragSize {
		j := i + fragSize
		if j > n {
			done, j = true, n
		}
		o := byte(wstest.OpCont)
		if first {
			o, first = op, false
		}
		frames = append(frames, frame(done, 0, o, payload[i:j]))
	}
	return frames
}

// repeatTo is autobahn's sendFrame payload_len: payload repeated, cut at n bytes.
func repeatTo(payload string, n int) []byte {
	b := bytes.Repeat([]byte(payload), n/len(payload)+1)
	return b[:n]
}

// lineBuffer is wsx's stdout: it counts the lines written, and lets the
// server wait for them (the stand-in for an echo client's echo).
type lineBuffer struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	lines   int
	changed chan struct{}
}

func newLineBuffer() *lineBuffer { return &lineBuffer{changed: make(chan struct{}, 1)} }

func (b *lineBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.lines += bytes.Count(p, []byte{'\n'})
	select {
	case b.changed <- struct{}{}:
	default:
	}
	return b.buf.Write(p)
}

func (b *lineBuffer) Bytes() []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	return bytes.Clone(b.buf.Bytes())
}

// await waits, at most d, until n lines have been written.
func (b *lineBuffer) await(n int, d time.Duration) error {
	timeout := time.NewTimer(d)
	defer timeout.Stop()
	for {
		b.mu.Lock()
		got, size := b.lines, b.buf.Len()
		b.mu.Unlock()
		if got >= n {
			return nil
		}
		select {
		case <-b.changed:
		case <-timeout.C:
			return fmt.Errorf("wsx printed %d of %d lines (%d bytes) within %v", got, n, size, d)
		}
	}
}

// runCases runs each case as a subtest named by its number, one after another.
func runCases(t *testing.T, cases []abCase) {
	seen := map[string]bool{}
	for i := range cases {
		c := &cases[i]
		if seen[c.id] {
			t.Fatalf("case %s is listed twice", c.id)
		}
		seen[c.id] = true
		t.Run(c.id, func(t *testing.T) {
			if c.build != nil {
				b := c.build()
				b.id, b.limit = c.id, c.limit
				runCase(t, &b)
				return
			}
			runCase(t, c)
		})
	}
}

// runCase plays one case against `wsx listen` and checks what wsx did.
func runCase(t *testing.T, c *abCase) {
	limit := c.limit
	if limit == 0 {
		limit = defaultLimit
	}
	out, stderr := newLineBuffer(), wstest.NewSyncBuffer()
	reports := make(chan report, 1)
	var once sync.Once
	srv := wstest.StartRawServer(t, func(conn *wstest.RawConn) {
		first := false
		once.Do(func() { first = true })
		if !first {
			return // wsx connects once
		}
		reports <- play(conn, c, out, limit)
	})
	args := append([]string{"listen", srv.URL(), "--timeout", limit.String(), "--close-timeout", "2s"}, c.flags...)
	env := &cmd.Env{Stdin: strings.NewReader(""), Stdout: out, Stderr: stderr}
	done := make(chan int, 1)
	start := time.Now()
	go func() { done <- cmd.Main(args, env) }()
	var code int
	select {
	case code = <-done:
	case <-time.After(limit + 15*time.Second):
		t.Fatalf("wsx did not exit within %v; stderr:\n%s", limit+15*time.Second, stderr)
	}
	elapsed := time.Since(start)
	var rep report
	select {
	case rep = <-reports:
	case <-time.After(3*limit + 5*time.Second):
		t.Fatalf("the server reported nothing within %v", 3*limit+5*time.Second)
	}
	if testing.Verbose() {
		t.Logf("wsx ran %v; exit %d; sent %v; stderr: %s", elapsed.Round(time.Millisecond), code, rep.frames, strings.TrimSpace(stderr.String()))
	}
	check(t, c, code, out.Bytes(), stderr.String(), rep)
}

// check judges a run.
func check(t *testing.T, c *abCase, code int, stdout []byte, stderr string, rep report) {
	t.Helper()
	for _, n := range rep.notes {
		t.Errorf("server: %s", n)
	}
	if code != c.exit {
		t.Errorf("exit status %d, want %d", code, c.exit)
	}
	if !bytes.Equal(stdout, []byte(c.out)) {
		t.Errorf("stdout is %s, want %s", describe(stdout), describe([]byte(c.out)))
	}
	for _, re := range c.stderr {
		if !re.MatchString(stderr) {
			t.Errorf("stderr does not match %q", re)
		}
	}
	checkFrames(t, c, rep)
	if t.Failed() {
		t.Logf("wsx sent %v; the server's writes ended with %v; stderr:\n%s", rep.frames, rep.writeErr, stderr)
	}
}

// checkFrames checks what wsx sent: the pongs the case expects, in order,
// then one close frame with an expected code (or, where the case allows
// it, none), and nothing after it; every frame masked and without RSV bits;
// and then wsx hung up.
func checkFrames(t *testing.T, c *abCase, rep report) {
	t.Helper()
	var pongs []string
	closes := 0
	for i, f := range rep.frames {
		if !f.masked {
			t.Errorf("frame %d (%v) is not masked", i+1, f)
		}
		if f.rsv != 0 || !f.fin {
			t.Errorf("frame %d (%v) has RSV bits %d or is not final", i+1, f, f.rsv)
		}
		if closes > 0 {
			t.Errorf("frame %d (%v) came after wsx's close frame", i+1, f)
			continue
		}
		switch f.op {
		case wstest.OpPong:
			pongs = append(pongs, string(f.payload))
		case wstest.OpClose:
			closes++
			if got := closeCode(f.payload); !containsInt(c.closes, got) {
				t.Errorf("wsx closed with %s, want a close with %v", closeText(f.payload), c.closes)
			}
		default:
			t.Errorf("frame %d (%v) is not a pong or a close", i+1, f)
		}
	}
	if !equalStrings(pongs, c.pongs) {
		t.Errorf("wsx answered with pongs %q, want %q", shortenAll(pongs), shortenAll(c.pongs))
	}
	if closes == 0 && !c.drop {
		t.Errorf("wsx sent no close frame, want a close with %v", c.closes)
	}
	if !ended(rep.readErr) {
		t.Errorf("the connection did not end with wsx hanging up: %v", rep.readErr)
	}
}

// ended reports whether err is how a connection ends when the peer hangs
// up: EOF, or a reset when it hung up with bytes it had not read.
func ended(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET)
}

func containsInt(list []int, v int) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// describe shows stdout briefly: small ones quoted, big ones by size and
// their ends.
func describe(b []byte) string {
	if len(b) <= 200 {
		return fmt.Sprintf("%q", b)
	}
	return fmt.Sprintf("%d bytes (%d lines) %q...%q", len(b), bytes.Count(b, []byte{'\n'}), b[:40], b[len(b)-40:])
}

func shorten(b []byte) []byte {
	if len(b) > 60 {
		return append(bytes.Clone(b[:60]), "..."...)
	}
	return b
}

func shortenAll(s []string) []string {
	out := make([]string, len(s))
	for i, x := range s {
		out[i] = string(shorten([]byte(x)))
	}
	return out
}
