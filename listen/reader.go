// Package listen is wsx's incoming side: the single reader loop that reads
// messages, turns them into events and decides when the reading ends.
package listen

import (
	"bytes"
	"errors"
	"io"
	"math"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"

	"github.com/wsx-cli/wsx/format"
	"github.com/wsx-cli/wsx/internal/utf8check"
	"github.com/wsx-cli/wsx/internal/wire"
)

// Options control the reader loop.
type Options struct {
	Count int // messages to keep before CountReached fires; 0 for no limit
	// ShowPongs reports each pong as a status line even without -v, for
	// the interactive prompt's /ping.
	ShowPongs bool
	// Filters keep only JSON text messages that pass every test.
	Filters Filters
	// Select prints only the value at this gjson path; "" prints messages whole.
	Select string
	// OnMessage, when set, receives each kept message instead of the
	// printer; data is its own, free to keep.
	OnMessage func(binary bool, data []byte)
	// OnPong, when set, is told of each pong and its round trip.
	OnPong func(data string, rtt time.Duration)
	// StreamText lets a text message over 1 MiB stream to stdout as it
	// arrives (raw format), checked as it goes: invalid UTF-8 near its end
	// is found after the start was printed. Otherwise text is held whole
	// and checked before any of it is printed; binary streams either way.
	StreamText bool
	// Progress shows a meter on the printer's meter line for a message
	// over 1 MiB while it arrives, from its first MiB on: its bytes and
	// rate (a message has no size before its end). See
	// session.Options.Progress.
	Progress bool
}

// Reader is the single goroutine that reads from a connection.
type Reader struct {
	conn *websocket.Conn
	tap  *wire.Tap
	out  *format.Printer
	opts Options
	// streams says, for text ([0]) and binary ([1]), whether a message
	// over streamAbove is printed as it arrives
	streams [2]bool
	buf     []byte // the message being read, reused
	check   utf8check.Checker
	count   chan struct{}
	pings   *pings
	// own is counted by the reader goroutine alone, without atomic
	// operations (three per message cost more than the tap); publish
	// copies it for the other goroutines whenever the reader may wait,
	// when Count is met and when Run ends.
	own   counts
	seen  atomic.Int64 // messages received, as published
	kept  atomic.Int64 // messages that passed the filters, as published
	bytes atomic.Int64 // payload bytes received, as published
	epoch time.Time    // when the reader was made
	last  atomic.Int64 // when the last message arrived: 1 + nanoseconds since epoch; 0 before the first
}

// counts are what the reader has received and kept.
type counts struct{ seen, kept, bytes int64 }

// publish makes the reader's counts visible to Received and Kept.
func (r *Reader) publish() {
	r.seen.Store(r.own.seen)
	r.kept.Store(r.own.kept)
	r.bytes.Store(r.own.bytes)
}

// stamp records now as the time of the last message.
func (r *Reader) stamp() {
	r.last.Store(1 + int64(time.Since(r.epoch))) // the monotonic clock alone: half the cost of time.Now
}

// NewReader makes the reader loop for conn, whose bytes pass through tap.
func NewReader(conn *websocket.Conn, tap *wire.Tap, out *format.Printer, o Options) *Reader {
	r := &Reader{conn: conn, tap: tap, out: out, opts: o, count: make(chan struct{}), pings: newPings(), epoch: time.Now()}
	whole := len(o.Filters) == 0 && o.Select == "" && o.OnMessage == nil // nothing needs the message whole
	r.streams = [2]bool{whole && o.StreamText && out.Streamable(false), whole && out.Streamable(true)}
	conn.SetPingHandler(r.ping)
	conn.SetPongHandler(r.pong)
	return r
}

// CountReached is closed when Options.Count messages have been kept.
func (r *Reader) CountReached() <-chan struct{} { return r.count }

// Received is how many messages have arrived so far, and their bytes: all
// of them once Run has ended, or while it waits for the network; during a
// burst of messages already in memory, those before the burst.
func (r *Reader) Received() (messages int, bytes int64) {
	return int(r.seen.Load()), r.bytes.Load()
}

// Kept is how many messages passed the filters (all of them without any),
// as of the same moment as Received; all of them when CountReached fires.
func (r *Reader) Kept() int { return int(r.kept.Load()) }

// LastMessage is when the last message arrived (zero before the first):
// when Run read a message that came from the network, or a later time.
// Messages that were already whole in memory came with an earlier read
// from the network, so their time is that of the message read then; this
// spares a clock read per message in a burst.
func (r *Reader) LastMessage() time.Time {
	if n := r.last.Load(); n != 0 {
		return r.epoch.Add(time.Duration(n - 1))
	}
	return time.Time{}
}

// Result says how the reader loop ended.
type Result struct {
	Frame    *wire.CloseFrame // the server's close frame; nil when none came
	Err      error            // the read error that ended the loop
	Messages int              // messages received
	Invalid  *InvalidText
	Output   error // writing to stdout failed
	TooBig   bool  // a message was over the read limit; gorilla answered 1009
}

// InvalidText reports a text message that is not valid UTF-8.
type InvalidText struct {
	Message int // 1-based
	Offset  int
}

// Run reads until the connection ends and returns why.
//
// Messages are printed with the printer's Queue, which may hold them to
// write many at once (see format.Printer.Queue). Run flushes whenever the
// next message is not already whole in memory, that is before any read
// that may wait for the network, and before it returns; so each message is
// on stdout before wsx waits for the next one, and before whatever the
// caller prints when Run ends.
func (r *Reader) Run() (res Result) {
	ahead := newAhead(r.tap.Messages())
	defer func() {
		r.publish()
		if err := r.out.Flush(); err != nil && res.Output == nil {
			res.Output = err
		}
	}()
	for {
		// A message that is not whole in memory may wait for the network:
		// what was read so far is published and flushed first, and the
		// message's time is taken when it starts and when it has been read.
		// One whole in memory came with a read that happened before the
		// last time taken, which therefore stands for it too.
		fresh := !ahead.whole(r.tap.Messages(), res.Messages)
		if fresh {
			r.publish()
			if err := r.out.Flush(); err != nil {
				res.Output = err
				return res
			}
		}
		typ, rd, err := r.conn.NextReader()
		if err != nil {
			return r.ended(res, err)
		}
		res.Messages++
		r.own.seen++
		if fresh {
			r.stamp()
		}
		binary := typ == websocket.BinaryMessage
		stop := r.message(&res, binary, rd)
		if fresh {
			r.stamp()
		}
		if stop {
			return res
		}
	}
}

// ahead tells whether the next message is already whole in memory, so
// that reading it cannot wait for the network. The tap counts the messages
// whose last byte it has handed to gorilla; the reader counts those it has
// read; the difference is what gorilla holds, less what it held when Run
// started (messages that came with the upgrade answer), which is not known
// exactly. ahead starts from the most that can be, so it never says a
// message is there when it is not, and lowers it as reading shows it
// lower: it is exact once those first messages are read.
type ahead struct {
	before int64 // messages gorilla had read before Run, at most
}

func newAhead(handed int64) *ahead { return &ahead{before: handed} }

// whole reports whether the message after the read ones is whole in
// gorilla's buffer; handed is the tap's count now.
func (a *ahead) whole(handed int64, read int) bool {
	a.before = min(a.before, handed-int64(read)) // read ones were all handed on
	return handed-a.before > int64(read)
}

func (r *Reader) ended(res Result, err error) Result {
	res.Err = err
	res.Frame = r.tap.CloseFrame()
	res.TooBig = errors.Is(err, websocket.ErrReadLimit)
	return res
}

// done reports whether Count messages have been kept.
func (r *Reader) done() bool {
	return r.opts.Count > 0 && r.own.kept >= int64(r.opts.Count)
}

// message handles one incoming message; stop ends the loop (res says why).
func (r *Reader) message(res *Result, binary bool, rd io.Reader) (stop bool) {
	if r.done() { // the goal is met: later messages are read, not printed
		n, err := io.Copy(io.Discard, rd)
		r.own.bytes += n
		return r.readFailed(res, err)
	}
	streamable := r.streams[b2i(binary)]
	limit := math.MaxInt
	if streamable || r.opts.Progress {
		limit = streamAbove + 1 // what is read past it is streamed, or shown on a meter
	}
	var check *utf8check.Checker
	if !binary {
		check = &r.check
		*check = utf8check.Checker{}
	}
	data, err := r.read(r.buf[:0], rd, limit, check)
	if len(data) == limit && err == nil { // a big message, of which the start is in
		if streamable { // printed as it arrives
			return r.stream(res, binary, data, rd)
		}
		data, err = r.readMetered(res, data, rd, check) // held whole, with a meter
	}
	r.own.bytes += int64(len(data))
	if err != nil {
		if bad, ok := err.(*utf8check.Error); ok {
			res.Invalid = &InvalidText{Message: res.Messages, Offset: int(bad.Offset)}
			return true
		}
		return r.readFailed(res, err)
	}
	data, ok := r.keep(binary, data)
	if !ok {
		return false
	}
	return r.print(res, binary, data)
}

// print hands on a kept message. The one that meets Count is flushed at
// once: it must be on stdout before the goal counts as met, so that a
// failed write is reported rather than taken for success.
func (r *Reader) print(res *Result, binary bool, data []byte) (stop bool) {
	if r.opts.OnMessage != nil {
		r.opts.OnMessage(binary, bytes.Clone(data))
		r.kept1()
		return false
	}
	err := r.out.Queue(format.In, binary && r.opts.Select == "", data)
	if err == nil && r.own.kept+1 == int64(r.opts.Count) {
		err = r.out.Flush()
	}
	if err != nil {
		res.Output = err
		return true
	}
	r.kept1()
	return false
}

// b2i is 1 for true, 0 for false.
func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// readMetered reads the rest of a big message after its start, data, with
// a meter.
func (r *Reader) readMetered(res *Result, data []byte, rd io.Reader, check *utf8check.Checker) ([]byte, error) {
	m := r.meter(res, data)
	defer m.Done()
	return r.read(data, m.Reader(rd), math.MaxInt, check)
}

// meter starts the meter of the message being read, of which start has
// arrived.
func (r *Reader) meter(res *Result, start []byte) *format.Meter {
	return r.out.Meter("receiving message "+strconv.Itoa(res.Messages), 0, int64(len(start)))
}

// read reads a message to its end, or until b holds limit bytes, onto b
// (the reader's buffer, emptied, or the start of the message), which it
// returns: the data is valid until the next message. With check, the text
// is checked as it comes, piece by piece as gorilla hands the frames on,
// so that invalid UTF-8 ends the read at the fragment that holds it (a
// *utf8check.Error), not when the message ends.
func (r *Reader) read(b []byte, rd io.Reader, limit int, check *utf8check.Checker) ([]byte, error) {
	var err error
	for len(b) < limit {
		if len(b) == cap(b) {
			b = slices.Grow(b, max(cap(b), 512)) // room to read into
		}
		var n int
		n, err = rd.Read(b[len(b):min(cap(b), limit)])
		if check != nil && n > 0 {
			if _, cerr := check.Write(b[len(b) : len(b)+n]); cerr != nil {
				err = cerr
			}
		}
		b = b[:len(b)+n]
		if err != nil {
			break
		}
	}
	if err == io.EOF {
		err = nil
		if check != nil {
			err = check.Close()
		}
	}
	if cap(b) <= maxKeptBuf {
		r.buf = b
	}
	return b, err
}

// maxKeptBuf is the largest message buffer the reader keeps for the next
// message: room for the start of a streamed message; a bigger one, after a
// big message in another format, is left to the collector.
const maxKeptBuf = 2 * streamAbove

// streamAbove is the size from which a message is printed as it arrives
// (when the output allows), so that its size does not cost memory. Smaller
// messages are checked whole before any of them is printed.
const streamAbove = 1 << 20

// stream prints a message as it arrives, its start first, checking text
// as it goes; with Progress, the rest is counted on a meter.
func (r *Reader) stream(res *Result, binary bool, start []byte, rd io.Reader) (stop bool) {
	if r.opts.Progress {
		m := r.meter(res, start)
		defer m.Done()
		rd = m.Reader(rd)
	}
	cr := &checkedReader{r: io.MultiReader(bytes.NewReader(start), rd), text: !binary}
	n, readErr, writeErr := r.out.Stream(binary, cr)
	r.own.bytes += n
	var bad *utf8check.Error
	switch {
	case errors.As(readErr, &bad):
		res.Invalid = &InvalidText{Message: res.Messages, Offset: int(bad.Offset)}
		return true
	case r.readFailed(res, readErr):
		return true
	case writeErr != nil:
		res.Output = writeErr
		return true
	}
	r.kept1()
	return false
}

// readFailed records an error that cut a message short.
func (r *Reader) readFailed(res *Result, err error) bool {
	if err == nil {
		return false
	}
	*res = r.ended(*res, err)
	return true
}

// keep applies the filters and --select to a message.
func (r *Reader) keep(binary bool, data []byte) ([]byte, bool) {
	if len(r.opts.Filters) > 0 && (binary || !r.opts.Filters.Match(data)) {
		return nil, false
	}
	if r.opts.Select == "" {
		return data, true
	}
	if binary {
		return nil, false
	}
	return Select(data, r.opts.Select)
}

// kept1 counts a kept message and signals when the count is reached.
func (r *Reader) kept1() {
	r.own.kept++
	if r.own.kept == int64(r.opts.Count) {
		r.publish()
		close(r.count)
	}
}

// checkedReader checks text for UTF-8 as it is read.
type checkedReader struct {
	r    io.Reader
	text bool
	c    utf8check.Checker
}

func (c *checkedReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if !c.text {
		return n, err
	}
	if _, cerr := c.c.Write(p[:n]); cerr != nil {
		return 0, cerr
	}
	if err == io.EOF {
		if cerr := c.c.Close(); cerr != nil {
			return 0, cerr
		}
	}
	return n, err
}

// Drain reads and drops messages until the connection ends: after Run
// stopped early, the close handshake still needs the server's close frame.
func (r *Reader) Drain() Result {
	for {
		if _, _, err := r.conn.ReadMessage(); err != nil {
			return Result{Err: err, Frame: r.tap.CloseFrame()}
		}
	}
}

func (r *Reader) ping(data string) error {
	r.out.Control("ping", format.In, []byte(data), 0)
	r.out.Control("pong", format.Out, []byte(data), 0) // before the write, as for Ping
	err := r.conn.WriteControl(websocket.PongMessage, []byte(data), time.Now().Add(time.Second))
	if errors.Is(err, websocket.ErrCloseSent) {
		return nil
	}
	return err
}

func (r *Reader) pong(data string) error {
	rtt := r.pings.rtt(data)
	if r.opts.OnPong != nil {
		r.opts.OnPong(data, rtt)
	}
	if r.opts.ShowPongs && r.out.Mode() != format.JSONL {
		r.out.Status("< pong %q (rtt %v)", data, rtt.Round(time.Microsecond))
		return nil
	}
	r.out.Control("pong", format.In, []byte(data), rtt)
	return nil
}

// Ping sends a ping whose round trip is reported when its pong arrives.
func (r *Reader) Ping(data []byte) error {
	if len(data) == 0 {
		data = r.pings.next()
	}
	r.pings.sent(string(data))
	// reported before it is written: the pong may be read, and reported,
	// before WriteControl returns
	r.out.Control("ping", format.Out, data, 0)
	return r.conn.WriteControl(websocket.PingMessage, data, time.Now().Add(time.Second))
}

// pings remembers when each ping left, to time its pong.
type pings struct {
	mu   sync.Mutex
	seq  int
	when map[string]time.Time
}

func newPings() *pings { return &pings{when: map[string]time.Time{}} }

func (p *pings) next() []byte {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.seq++
	return []byte("wsx-" + strconv.Itoa(p.seq))
}

func (p *pings) sent(data string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.when) < 1024 {
		p.when[data] = time.Now()
	}
}

func (p *pings) rtt(data string) time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	t, ok := p.when[data]
	if !ok {
		return 0
	}
	delete(p.when, data)
	return time.Since(t)
}
