// Package session runs one session on an open connection: the reader and
// the writer started, the end decided (the goal, the timeout, the server's
// close, a signal), the closing handshake run and its line reported.
package session

import (
	"errors"
	"fmt"
	"os"
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
	MaxSize      int64 // the dialer's --max-size, for the message that names it
	StreamText   bool  // text over 1 MiB may stream to stdout before it is checked whole
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
}

// newDrain starts the wait for the server to take the input and go quiet.
func (r *run) newDrain() *drain {
	q := quietWindow(r.s.Handshake.Duration, r.cfg.CloseTimeout)
	r.out.Verbose("input ended: waiting for the server to take it and go quiet for %v", q)
	return newDrain(r.co, r.s.Tap, q, r.cfg.CloseTimeout, time.Now())
}

func newRun(s *dial.Conn, sc *Options, out *format.Printer) *run {
	r := &run{
		s: s, cfg: sc, out: out,
		closer:    send.NewCloser(s.WS, sc.CloseTimeout+time.Second),
		readDone:  make(chan listen.Result, 1),
		writeDone: make(chan send.Result, 1),
		stopPing:  make(chan struct{}),
	}
	r.co, _ = s.WS.NetConn().(*wire.Coalescer)
	r.reader = listen.NewReader(s.WS, s.Tap, out, listen.Options{
		Count: sc.Count, ShowPongs: sc.Interactive, Filters: sc.Filters, Select: sc.Select,
		StreamText: sc.StreamText,
	})
	r.writer = send.NewWriter(s.WS)
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
	go func() { r.writeDone <- r.writer.Run(src) }()
	if r.cfg.PingInterval > 0 {
		go r.ping(r.cfg.PingInterval)
	}
	defer close(r.stopPing)
	return r.loop()
}

func (r *run) ping(every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			if r.reader.Ping(nil) != nil {
				return
			}
		case <-r.stopPing:
			return
		}
	}
}

// errStdoutGone ends a session whose stdout's reader went away (| head).
var errStdoutGone = errors.New("stdout closed")

// errReaderEnded marks a session that ended on the reading side (the server
// closed, the connection dropped, stdout closed); finish reports it.
var errReaderEnded = errors.New("reader ended")

// loop waits for the event that ends the session.
func (r *run) loop() error {
	var timeout, linger <-chan time.Time
	if r.cfg.Timeout > 0 {
		timeout = time.After(r.cfg.Timeout)
	}
	idle := newIdleTimer(r.cfg.Idle, r.reader.LastMessage)
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
			return r.timedOut()
		case sig := <-r.cfg.Signals:
			return exit.BySignal(sig)
		}
	}
}

// inputEnded decides what the writer's end means.
func (r *run) inputEnded(w send.Result) (bool, error) {
	switch {
	case w.Interrupted:
		return true, exit.BySignal(os.Interrupt)
	case w.Quit != nil:
		r.closeWith = w.Quit
		return true, nil
	case w.Input != nil:
		var ie *send.InputError
		if errors.As(w.Input, &ie) {
			return true, exit.Usagef("%v", w.Input).Hint("nothing after it was sent")
		}
		return true, exit.Errorf(exit.Runtime, "reading stdin: %v", w.Input)
	}
	return false, nil // EOF, or a write error: the reader will say why
}

func (r *run) timedOut() error {
	what := "the end of the input"
	switch {
	case r.cfg.KeepOpen && r.cfg.Count == 0:
		return exit.Errorf(exit.Timeout, "timed out after %v (%s received)", r.cfg.Timeout, count(r.reader.Kept(), "message"))
	case r.cfg.SendAll && r.cfg.Count > 0 && r.reader.Kept() >= r.cfg.Count:
		what = fmt.Sprintf("the end of the input (%s received)", count(r.reader.Kept(), "message"))
	case r.cfg.Count == 1:
		what = fmt.Sprintf("1 message (got %d)", r.reader.Kept())
	case r.cfg.Count > 1:
		what = fmt.Sprintf("%d messages (got %d)", r.cfg.Count, r.reader.Kept())
	}
	return exit.Errorf(exit.Timeout, "timed out after %v waiting for %s", r.cfg.Timeout, what)
}

// idleTimer ends a session after a stretch with no incoming message.
type idleTimer struct {
	d     time.Duration
	last  func() time.Time
	start time.Time
	t     *time.Timer
}

func newIdleTimer(d time.Duration, last func() time.Time) *idleTimer {
	it := &idleTimer{d: d, last: last, start: time.Now()}
	if d > 0 {
		it.t = time.NewTimer(d)
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
