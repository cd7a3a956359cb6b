package cmd

import (
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/gorilla/websocket"
	"github.com/urfave/cli/v2"
	"github.com/wsx-cli/wsx/closecodes"
	"github.com/wsx-cli/wsx/format"
	"github.com/wsx-cli/wsx/listen"
	"github.com/wsx-cli/wsx/send"
)

// sessionConfig is the goal and the close of a session.
type sessionConfig struct {
	timeout      time.Duration
	closeTimeout time.Duration
	wait         time.Duration
	count        int
	closeCode    closecodes.Code
	closeReason  string
	expectClose  map[closecodes.Code]bool
	interactive  bool // a person at a terminal: pongs are shown
	keepOpen     bool // listen: the end of the input is not the end
	idle         time.Duration
	summary      bool // send: messages and bytes each way, at the end
	sendAll      bool // send: --count is met only once every message is sent
	filters      listen.Filters
	selectPath   string
}

// readConfigs reads what every session command takes: the shared dialer's
// flags for rawURL, the session flags and --count.
func readConfigs(c *cli.Context, env *Env, rawURL string) (*dialConfig, *sessionConfig, error) {
	dc, err := readDialConfig(c, env, rawURL)
	if err != nil {
		return nil, nil, err
	}
	sc, err := readSessionConfig(c)
	if err != nil {
		return nil, nil, err
	}
	if sc.count = c.Int("count"); sc.count < 0 {
		return nil, nil, usageError("invalid --count %d: must not be negative", sc.count)
	}
	return dc, sc, nil
}

// readWait reads --wait (connect, send).
func (sc *sessionConfig) readWait(c *cli.Context) (err error) {
	sc.wait, err = durationFlag(c, "wait")
	return err
}

func readSessionConfig(c *cli.Context) (*sessionConfig, error) {
	sc := &sessionConfig{closeReason: c.String("close-reason")}
	var err error
	if sc.timeout, err = durationFlag(c, "timeout"); err != nil {
		return nil, err
	}
	if sc.closeTimeout, err = durationFlag(c, "close-timeout"); err != nil {
		return nil, err
	}
	if sc.closeCode, err = parseCloseCode("close-code", c.String("close-code")); err != nil {
		return nil, err
	}
	if len(sc.closeReason) > 123 {
		return nil, usageError("invalid --close-reason: %d bytes, at most 123 fit in a close frame", len(sc.closeReason))
	}
	if !utf8.ValidString(sc.closeReason) {
		return nil, usageError("invalid --close-reason: not valid UTF-8")
	}
	if sc.expectClose, err = parseCodeList("expect-close", c.String("expect-close")); err != nil {
		return nil, err
	}
	return sc, nil
}

// run is one session on an open connection: the writer sends the input,
// the reader prints what arrives, and run decides when and how it ends.
type run struct {
	env    *Env
	s      *session
	dc     *dialConfig
	cfg    *sessionConfig
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
}

func newRun(env *Env, s *session, dc *dialConfig, sc *sessionConfig, out *format.Printer) *run {
	r := &run{
		env: env, s: s, dc: dc, cfg: sc, out: out,
		closer:    send.NewCloser(s.ws, sc.closeTimeout+time.Second),
		readDone:  make(chan listen.Result, 1),
		writeDone: make(chan send.Result, 1),
		stopPing:  make(chan struct{}),
	}
	r.reader = listen.NewReader(s.ws, s.tap, out, listen.Options{
		Count: sc.count, ShowPongs: sc.interactive, Filters: sc.filters, Select: sc.selectPath,
	})
	r.writer = send.NewWriter(s.ws)
	r.writer.Sent = func(m send.Message) {
		if m.File == "" { // a streamed file is not held, so jsonl has no "out" event for it
			out.Message(format.Out, m.Binary, m.Data)
		}
	}
	r.writer.Command = r.command
	s.ws.SetCloseHandler(answerClose(s.tap, r.closer))
	return r
}

// answerClose makes gorilla's close handler: it runs inside the reader when
// a close frame arrives that gorilla accepts, and answers with the server's
// real code, which the tap kept (gorilla sees 1011 for 1014).
func answerClose(tap *listen.Tap, closer *send.Closer) func(int, string) error {
	return func(code int, _ string) error {
		if f := tap.CloseFrame(); f != nil {
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
		if _, err := closeCommand(c, r.cfg.closeCode); err != nil {
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
	if r.dc.pingInterval > 0 {
		go r.ping(r.dc.pingInterval)
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

// errReaderEnded marks a session that ended on the reading side (the server
// closed, the connection dropped, stdout closed); finish reports it.
var errReaderEnded = errors.New("reader ended")

// loop waits for the event that ends the session.
func (r *run) loop() error {
	var timeout, linger <-chan time.Time
	if r.cfg.timeout > 0 {
		timeout = time.After(r.cfg.timeout)
	}
	idle := newIdleTimer(r.cfg.idle, r.reader.LastMessage)
	defer idle.stop()
	writeDone, countReached, counted := r.writeDone, r.reader.CountReached(), false
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
			if w.EOF && r.cfg.count == 0 && !r.cfg.keepOpen {
				if r.cfg.wait == 0 {
					return nil
				}
				timeout = nil // the goal (all of the input sent) is met: --wait only lingers
				linger = time.After(r.cfg.wait)
			}
		case <-countReached:
			if !r.cfg.sendAll || writeDone == nil {
				return nil
			}
			countReached, counted = nil, true // the rest of the input goes first
		case <-linger:
			return nil
		case <-idle.c():
			if idle.expired() {
				return nil
			}
		case res := <-r.readDone:
			r.readDone <- res // finish reads it again
			return errReaderEnded
		case <-timeout:
			return r.timedOut()
		case sig := <-r.env.Signals:
			return interrupted(sig)
		}
	}
}

// inputEnded decides what the writer's end means.
func (r *run) inputEnded(w send.Result) (bool, error) {
	switch {
	case w.Interrupted:
		return true, interrupted(os.Interrupt)
	case w.Quit != nil:
		r.closeWith = w.Quit
		return true, nil
	case w.Input != nil:
		var ie *send.InputError
		if errors.As(w.Input, &ie) {
			return true, usageError("%v", w.Input).hint("nothing after it was sent")
		}
		return true, errorf(ExitError, "reading stdin: %v", w.Input)
	}
	return false, nil // EOF, or a write error: the reader will say why
}

func (r *run) timedOut() error {
	what := "the end of the input"
	switch {
	case r.cfg.keepOpen && r.cfg.count == 0:
		return errorf(ExitTimeout, "timed out after %v (%s received)", r.cfg.timeout, count(r.reader.Kept(), "message"))
	case r.cfg.sendAll && r.cfg.count > 0 && r.reader.Kept() >= r.cfg.count:
		what = fmt.Sprintf("the end of the input (%s received)", count(r.reader.Kept(), "message"))
	case r.cfg.count == 1:
		what = fmt.Sprintf("1 message (got %d)", r.reader.Kept())
	case r.cfg.count > 1:
		what = fmt.Sprintf("%d messages (got %d)", r.cfg.count, r.reader.Kept())
	}
	return errorf(ExitTimeout, "timed out after %v waiting for %s", r.cfg.timeout, what)
}

func interrupted(sig os.Signal) error {
	if sig == syscall.SIGTERM {
		return &Error{Code: 128 + int(syscall.SIGTERM), Msg: "terminated", Reported: true}
	}
	return &Error{Code: ExitInterrupted, Msg: "interrupted", Reported: true}
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
