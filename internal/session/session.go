// Package session runs one session on an open connection: the reader and
// the writer started, the end decided (the goal, the timeout, the server's
// close, a signal), the closing handshake run and its line reported.
package session

import (
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/gorilla/websocket"
	"github.com/wsx-cli/wsx/closecodes"
	"github.com/wsx-cli/wsx/format"
	"github.com/wsx-cli/wsx/internal/dial"
	"github.com/wsx-cli/wsx/internal/exit"
	"github.com/wsx-cli/wsx/internal/wire"
	"github.com/wsx-cli/wsx/listen"
	"github.com/wsx-cli/wsx/send"
)

// Options are the goal and the close of a session.
type Options struct {
	Timeout      time.Duration // the goal must be met by then (exit 6); 0: none
	CloseTimeout time.Duration // how long to wait for the close echo while nothing moves
	Wait         time.Duration // keep receiving this long after the input ends; WaitAuto: until the server is done
	Count        int           // the goal: this many incoming messages; 0: none
	CloseCode    closecodes.Code
	CloseReason  string
	ExpectClose  map[closecodes.Code]bool // server close codes that count as normal
	Interactive  bool                     // a person at a terminal: pongs are shown
	KeepOpen     bool                     // listen: the end of the input is not the end
	Idle         time.Duration            // end normally after this long with no message
	Summary      bool                     // send: messages and bytes each way, at the end
	SendAll      bool                     // send: --count is met only once every message is sent
	Filters      listen.Filters
	Select       string
	PingInterval time.Duration
	// PingTimeout, when above 0, is how long a ping may go without its pong
	// (and without anything else from the server) before the connection
	// counts as dead; without PingInterval, pings go every PingTimeout.
	PingTimeout time.Duration
	// Reconnect, when not nil, connects again after an end worth a retry.
	Reconnect  *Reconnect
	MaxSize    int64 // the dialer's --max-size, for the message that names it
	StreamText bool  // text over 1 MiB may stream to stdout before it is checked whole
	// Progress shows a meter on stderr, one line that erases itself at
	// the end, for big transfers: a message over 1 MiB being sent (a
	// @FILE, --whole) or received, and stdin once over 1 MiB of it has
	// been read (see format.Printer.Meter). Off by default. cmd turns it
	// on when stderr is a terminal (Env.StderrTTY) and -q is not given,
	// or when --progress forces it; --no-progress turns it off. It stays
	// off at the interactive prompt, whose line editor owns the terminal,
	// and on a pipe or a file unless forced: there the meter's redraws
	// would be bytes in a log.
	Progress bool
	// StdoutGone, when not nil, is closed when stdout's reader has gone
	// away (| head), so the session ends without waiting for a write to fail.
	StdoutGone <-chan struct{}
	// Signals delivers SIGINT and SIGTERM; nil when nobody will send any.
	Signals <-chan os.Signal
}

// run is one session on an open connection: the writer sends the input,
// the reader prints what arrives, and run decides when and how it ends.
type run struct {
	s      *dial.Conn
	co     *wire.Coalescer // under the connection, for delivery accounting; nil: none
	cfg    *Options
	out    *format.Printer
	closer *send.Closer
	reader *listen.Reader
	writer *send.Writer

	readDone  chan listen.Result
	writeDone chan send.Result
	wrote     *send.Result // the writer's result, once it is in
	gaveUp    bool         // the writer was stuck writing when wsx closed: its message was given up
	stopPing  chan struct{}
	closeWith *send.Command // a /close typed at the prompt
	drained   *drain        // the drain that ended the wait, if one did
	stopDrain func()        // stops the drain's ticker
	// outputGone: stdout's reader went away, so what arrives no longer
	// extends the wait for the close echo
	outputGone bool
	outputErr  error  // writing stdout failed while the echo was awaited
	queued     *int64 // bytes the server had not taken when wsx closed; nil: not known
	// undeliveredAtClose is the messages not delivered when a stuck writer
	// was given up, counted before that closed the connection
	undeliveredAtClose int

	live     *liveness     // --ping-timeout's watch
	pingDead chan struct{} // the pinger's word that the connection is dead
	// from is what the connections before handed on, as it was when this
	// one opened (a copy: the next one's is written while this run's writer
	// may still read it); for a session of one connection, its start
	from carry
}

// newDrain starts the wait for the server to take the input and go quiet.
func (r *run) newDrain() *drain {
	q := quietWindow(r.s.Handshake.Duration, r.cfg.CloseTimeout)
	r.out.Verbose("input ended: waiting for the server to take it and go quiet for %v", q)
	return newDrain(r.co, r.s.Tap, q, r.cfg.CloseTimeout, time.Now())
}

// newRun sets up the session on s; from, when not nil, is what the
// connection before it (of a reconnecting session) handed on.
func newRun(s *dial.Conn, sc *Options, out *format.Printer, from *carry) *run {
	if from == nil {
		from = newCarry(sc, nil)
	}
	r := &run{
		from: *from,
		s:    s, cfg: sc, out: out,
		closer:    send.NewCloser(s.WS, sc.CloseTimeout+time.Second),
		readDone:  make(chan listen.Result, 1),
		writeDone: make(chan send.Result, 1),
		stopPing:  make(chan struct{}),
		pingDead:  make(chan struct{}),
		live:      newLiveness(),
	}
	count := sc.Count
	if count > 0 {
		count -= from.kept // --count is of the messages kept on every connection
	}
	r.co, _ = s.WS.NetConn().(*wire.Coalescer)
	r.reader = listen.NewReader(s.WS, s.Tap, out, listen.Options{
		Count: count, ShowPongs: sc.Interactive, Filters: sc.Filters, Select: sc.Select,
		StreamText: sc.StreamText, OnPong: func(string, time.Duration) { r.live.ponged() },
		Progress: sc.Progress,
	})
	r.writer = send.NewWriter(s.WS)
	if sc.Progress {
		r.writer.Progress = out
	}
	r.writer.Sent = func(m send.Message) {
		if m.File == "" { // a streamed file is not held, so jsonl has no "out" event for it
			out.Message(format.Out, m.Binary, m.Data)
		}
	}
	r.writer.Command = r.command
	s.WS.SetCloseHandler(AnswerClose(s.Tap, r.closer))
	return r
}

// AnswerClose makes gorilla's close handler: it runs inside the reader when
// a close frame arrives that gorilla accepts, and answers with the server's
// real code, which the tap kept (gorilla sees 1011 for 1014).
func AnswerClose(tap *wire.Tap, closer *send.Closer) func(int, string) error {
	return func(code int, _ string) error {
		if f := tap.CloseFrame(); f != nil {
			if f.Violation() != "" { // one gorilla let through: a 1-byte payload
				closer.Answer(uint16(closecodes.ProtocolError), true)
				return nil
			}
			closer.Answer(f.Code, f.HasCode)
			return nil
		}
		closer.Answer(uint16(code), code != websocket.CloseNoStatusReceived)
		return nil
	}
}

// command runs a slash command on the writer's goroutine.
func (r *run) command(c *send.Command) bool {
	switch c.Kind {
	case send.CmdPing:
		if err := r.reader.Ping(c.Data); err != nil {
			r.out.Warn("ping: %v", err)
		}
		return false
	case send.CmdClose:
		if _, err := closeCommand(c, r.cfg.CloseCode); err != nil {
			r.out.Warn("%v", err)
			return false
		}
	}
	return true
}

// start runs the reader, the writer and the pinger, and waits for the
// session to end. It returns what wsx must do: nil when the input and goal
// are done, otherwise the error that ends the session.
func (r *run) start(src send.Source) error {
	if p, ok := src.(*send.Paced); ok {
		p.Cancel = r.writer.Stopping()
	}
	go func() { r.readDone <- r.reader.Run() }()
	go func() { r.writeDone <- r.runWriter(src) }()
	switch {
	case r.cfg.PingInterval > 0:
		go r.ping(r.cfg.PingInterval, r.cfg.PingTimeout)
	case r.cfg.PingTimeout > 0:
		go r.ping(r.cfg.PingTimeout, r.cfg.PingTimeout)
	}
	if r.cfg.PingTimeout > 0 {
		go r.watch(r.cfg.PingTimeout)
	}
	defer close(r.stopPing)
	return r.loop()
}

// runWriter runs the writer on src. On a connection after another, the
// writer before must have returned first (it may still be waiting for input
// when its connection ends), and what it read but did not write goes first.
func (r *run) runWriter(src send.Source) send.Result {
	if r.from.prevDone != nil || r.from.prevWrote != nil {
		w := r.from.prevWrote
		if w == nil {
			got := <-r.from.prevDone
			w = &got
		}
		if inputError(*w) != nil {
			return *w // it ended the input (Ctrl-C at the prompt, a bad line): this run reports it
		}
		if rs, ok := src.(*resend); ok {
			rs.after(*w)
		}
	}
	return r.writer.Run(src)
}

// ping sends a ping every interval. With a timeout, each is noted first
// (its pong may be read before Ping returns), for the watch.
func (r *run) ping(every, timeout time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			if timeout > 0 {
				r.live.pinged(time.Now(), r.moved())
			}
			if r.reader.Ping(nil) != nil && timeout == 0 {
				return
			}
		case <-r.stopPing:
			return
		}
	}
}

// watch tells the loop when the connection is dead: a ping has waited
// timeout for its pong while nothing moved. It runs apart from ping, whose
// write may block behind a stuck writer: that must not hide the timeout.
func (r *run) watch(timeout time.Duration) {
	t := time.NewTimer(timeout)
	t.Stop()
	defer t.Stop()
	for {
		select {
		case <-r.live.kick:
			t.Reset(timeout)
		case now := <-t.C:
			dead, left := r.live.check(now, r.moved(), timeout)
			if dead {
				select {
				case r.pingDead <- struct{}{}:
				case <-r.stopPing:
				}
				return
			}
			if left > 0 {
				t.Reset(left)
			}
		case <-r.stopPing:
			return
		}
	}
}

// moved is a count that grows while the connection carries anything: bytes
// from the server, and wsx's messages delivered to it.
func (r *run) moved() int64 {
	n := r.s.Tap.BytesRead()
	if r.co != nil {
		n += int64(r.co.Messages() - r.co.Undelivered().Messages)
	}
	return n
}

// liveness follows the pings of --ping-timeout: when the oldest ping that
// no pong has answered went out, and how much had moved by then. A
// connection that carries data is alive, pong or not: the server's pong may
// be queued behind what it sends, and a server still taking wsx's messages
// is there.
type liveness struct {
	mu    sync.Mutex
	since time.Time     // the oldest unanswered ping; zero: every ping answered
	moved int64         // run.moved at since
	kick  chan struct{} // a ping now waits, where none did
}

func newLiveness() *liveness { return &liveness{kick: make(chan struct{}, 1)} }

func (l *liveness) pinged(now time.Time, moved int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.since.IsZero() {
		l.since, l.moved = now, moved
		select {
		case l.kick <- struct{}{}:
		default:
		}
	}
}

func (l *liveness) ponged() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.since = time.Time{}
}

// check looks at now: dead when a ping has waited timeout with nothing
// moving meanwhile; otherwise left is how long until it may be (0: no ping
// is waiting).
func (l *liveness) check(now time.Time, moved int64, timeout time.Duration) (dead bool, left time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch waited := now.Sub(l.since); {
	case l.since.IsZero():
		return false, 0
	case moved != l.moved: // the wait starts again from now
		l.since, l.moved = now, moved
		return false, timeout
	case waited < timeout:
		return false, timeout - waited
	}
	return true, 0
}

// errPingTimeout ends a session whose ping went unanswered (--ping-timeout).
var errPingTimeout = errors.New("ping timeout")

// errStdoutGone ends a session whose stdout's reader went away (| head).
var errStdoutGone = errors.New("stdout closed")

// errReaderEnded marks a session that ended on the reading side (the server
// closed, the connection dropped, stdout closed); finish reports it.
var errReaderEnded = errors.New("reader ended")

// loop waits for the event that ends the session.
func (r *run) loop() error {
	var timeout, linger <-chan time.Time
	if !r.from.deadline.IsZero() {
		t := time.NewTimer(time.Until(r.from.deadline))
		defer t.Stop()
		timeout = t.C
	}
	idle := newIdleTimer(r.cfg.Idle, r.reader.LastMessage, r.from.lastMessage)
	defer idle.stop()
	writeDone, countReached, counted := r.writeDone, r.reader.CountReached(), false
	var dr *drain
	var drainTick <-chan time.Time
	inputDone := r.writer.InputDone()
	startDrain := func() {
		if dr == nil {
			dr = r.newDrain()
			ticker := time.NewTicker(dr.tick())
			drainTick, r.stopDrain = ticker.C, ticker.Stop
		}
	}
	defer func() {
		if r.stopDrain != nil {
			r.stopDrain()
		}
	}()
	for {
		select {
		case w := <-writeDone:
			writeDone = nil
			r.wrote = &w
			if end, err := r.inputEnded(w); end {
				return err
			}
			if w.EOF && counted {
				return nil
			}
			if w.EOF && r.cfg.Count == 0 && !r.cfg.KeepOpen {
				switch {
				case r.cfg.Wait == 0:
					return nil
				case r.cfg.Wait == WaitAuto:
					startDrain()
				default:
					timeout = nil // the goal (all of the input sent) is met: --wait only lingers
					linger = time.After(r.cfg.Wait)
				}
			}
		case <-inputDone: // the last of the input may still be being written
			inputDone = nil
			if r.cfg.Wait == WaitAuto && r.cfg.Count == 0 && !r.cfg.KeepOpen {
				startDrain()
			}
		case <-countReached:
			if !r.cfg.SendAll || writeDone == nil {
				return nil
			}
			countReached, counted = nil, true // the rest of the input goes first
		case <-linger:
			return nil
		case now := <-drainTick:
			done, err := dr.check(now)
			if !dr.delivered.IsZero() {
				timeout = nil // the goal (all of the input taken) is met
			}
			if err != nil {
				r.drained = dr
				return err
			}
			if done {
				r.drained = dr
				return nil
			}
		case <-r.cfg.StdoutGone:
			return errStdoutGone
		case <-idle.c():
			if idle.expired() {
				return nil
			}
		case res := <-r.readDone:
			r.readDone <- res // finish reads it again
			return errReaderEnded
		case <-timeout:
			return timedOut(r.cfg, r.kept())
		case <-r.pingDead:
			return errPingTimeout
		case sig := <-r.cfg.Signals:
			return exit.BySignal(sig)
		}
	}
}

// inputEnded decides what the writer's end means.
func (r *run) inputEnded(w send.Result) (bool, error) {
	if w.Quit != nil {
		r.closeWith = w.Quit
		return true, nil
	}
	if err := inputError(w); err != nil {
		return true, err
	}
	return false, nil // EOF, or a write error: the reader will say why
}

// inputError is the end that the writer's result asks for, if it asks for
// one: Ctrl-C at the prompt, input that cannot be sent or read.
func inputError(w send.Result) error {
	switch {
	case w.Interrupted:
		return exit.BySignal(os.Interrupt)
	case w.Input != nil:
		var ie *send.InputError
		if errors.As(w.Input, &ie) {
			return exit.Usagef("%v", w.Input).Hint("nothing after it was sent")
		}
		return exit.Errorf(exit.Runtime, "reading stdin: %v", w.Input)
	}
	return nil
}

// kept is how many messages have been kept, on every connection.
func (r *run) kept() int { return r.from.kept + r.reader.Kept() }

// timedOut is the end --timeout makes, with kept messages kept by then.
func timedOut(o *Options, kept int) error {
	what := "the end of the input"
	switch {
	case o.KeepOpen && o.Count == 0:
		return exit.Errorf(exit.Timeout, "timed out after %v (%s received)", o.Timeout, count(kept, "message"))
	case o.SendAll && o.Count > 0 && kept >= o.Count:
		what = fmt.Sprintf("the end of the input (%s received)", count(kept, "message"))
	case o.Count == 1:
		what = fmt.Sprintf("1 message (got %d)", kept)
	case o.Count > 1:
		what = fmt.Sprintf("%d messages (got %d)", o.Count, kept)
	}
	return exit.Errorf(exit.Timeout, "timed out after %v waiting for %s", o.Timeout, what)
}

// idleTimer ends a session after a stretch with no incoming message.
type idleTimer struct {
	d     time.Duration
	last  func() time.Time
	start time.Time
	t     *time.Timer
}

// newIdleTimer watches for d of silence since start, or since the last
// message once one came.
func newIdleTimer(d time.Duration, last func() time.Time, start time.Time) *idleTimer {
	it := &idleTimer{d: d, last: last, start: start}
	if d > 0 {
		it.t = time.NewTimer(max(d-time.Since(start), 0))
	}
	return it
}

// c fires when the silence may have lasted long enough; nil when unused.
func (it *idleTimer) c() <-chan time.Time {
	if it.t == nil {
		return nil
	}
	return it.t.C
}

// expired reports whether the silence has lasted d; if not, it waits again
// for the rest.
func (it *idleTimer) expired() bool {
	since := it.last()
	if since.IsZero() {
		since = it.start
	}
	if left := it.d - time.Since(since); left > 0 {
		it.t.Reset(left)
		return false
	}
	return true
}

func (it *idleTimer) stop() {
	if it.t != nil {
		it.t.Stop()
	}
}
