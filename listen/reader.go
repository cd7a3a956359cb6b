package listen

import (
	"errors"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/gorilla/websocket"
	"github.com/wsx-cli/wsx/format"
)

// Options control the reader loop.
type Options struct {
	Count int // messages to keep before CountReached fires; 0 for no limit
	// ShowPongs reports each pong as a status line even without -v, for
	// the interactive prompt's /ping.
	ShowPongs bool
}

// Reader is the single goroutine that reads from a connection.
type Reader struct {
	conn  *websocket.Conn
	tap   *Tap
	out   *format.Printer
	opts  Options
	count chan struct{}
	pings *pings
	seen  atomic.Int64
}

// NewReader makes the reader loop for conn, whose bytes pass through tap.
func NewReader(conn *websocket.Conn, tap *Tap, out *format.Printer, o Options) *Reader {
	r := &Reader{conn: conn, tap: tap, out: out, opts: o, count: make(chan struct{}), pings: newPings()}
	conn.SetPingHandler(r.ping)
	conn.SetPongHandler(r.pong)
	return r
}

// CountReached is closed when Options.Count messages have been kept.
func (r *Reader) CountReached() <-chan struct{} { return r.count }

// Received is how many messages have arrived so far.
func (r *Reader) Received() int { return int(r.seen.Load()) }

// Result says how the reader loop ended.
type Result struct {
	Frame    *CloseFrame // the server's close frame; nil when none came
	Err      error       // the read error that ended the loop
	Messages int         // messages received
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
func (r *Reader) Run() Result {
	var res Result
	for {
		typ, data, err := r.conn.ReadMessage()
		if err != nil {
			res.Err = err
			res.Frame = r.tap.CloseFrame()
			res.TooBig = errors.Is(err, websocket.ErrReadLimit)
			return res
		}
		res.Messages++
		r.seen.Add(1)
		if typ == websocket.TextMessage && !utf8.Valid(data) {
			res.Invalid = &InvalidText{Message: res.Messages, Offset: invalidAt(data)}
			return res
		}
		if r.opts.Count > 0 && res.Messages > r.opts.Count {
			continue // the goal is met; later messages are not printed
		}
		if err := r.out.Message(format.In, typ == websocket.BinaryMessage, data); err != nil {
			res.Output = err
			return res
		}
		if res.Messages == r.opts.Count {
			close(r.count)
		}
	}
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

func invalidAt(b []byte) int {
	for i := 0; i < len(b); {
		c, size := utf8.DecodeRune(b[i:])
		if c == utf8.RuneError && size == 1 {
			return i
		}
		i += size
	}
	return len(b)
}

func (r *Reader) ping(data string) error {
	r.out.Control("ping", format.In, []byte(data), 0)
	err := r.conn.WriteControl(websocket.PongMessage, []byte(data), time.Now().Add(time.Second))
	if err == nil {
		r.out.Control("pong", format.Out, []byte(data), 0)
	}
	if errors.Is(err, websocket.ErrCloseSent) {
		return nil
	}
	return err
}

func (r *Reader) pong(data string) error {
	rtt := r.pings.rtt(data)
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
	err := r.conn.WriteControl(websocket.PingMessage, data, time.Now().Add(time.Second))
	if err == nil {
		r.out.Control("ping", format.Out, data, 0)
	}
	return err
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
