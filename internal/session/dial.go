package session

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/wsx-cli/wsx/closecodes"
	"github.com/wsx-cli/wsx/format"
	"github.com/wsx-cli/wsx/internal/dial"
	"github.com/wsx-cli/wsx/internal/exit"
	"github.com/wsx-cli/wsx/send"
)

// DialAndRun dials, then runs a session that sends src. A signal while
// connecting ends the dial (and closes a connection that just opened).
func DialAndRun(dc *dial.Config, o Options, out *format.Printer, src send.Source) error {
	if o.Reconnect != nil {
		return reconnecting(dc, o, out, src)
	}
	s, _, sig, err := dialOnce(dc, o.Signals, time.Time{}, out)
	if sig != nil {
		return exit.BySignal(sig)
	}
	if err != nil {
		return failed(out, err) // jsonl gets its error event: the session never opened
	}
	return Run(s, o, out, src)
}

// dialOnce makes one attempt, which deadline (unless zero) bounds. A signal
// while connecting ends the dial, and closes a connection that just opened:
// then sig is the signal, and s is nil.
func dialOnce(dc *dial.Config, signals <-chan os.Signal, deadline time.Time, out *format.Printer) (s *dial.Conn, a dial.Attempt, sig os.Signal, err error) {
	ctx, stopWatch := WatchSignals(signals)
	if !deadline.IsZero() {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, deadline)
		defer cancel()
	}
	s, a, err = dial.Try(ctx, dc, out)
	if sig = stopWatch(); sig != nil {
		if err == nil {
			send.NewCloser(s.WS, time.Second).Close(1000, "")
			s.WS.NetConn().Close()
		}
		return nil, a, sig, nil
	}
	return s, a, nil, err
}

// failed prints err through out: the stderr lines, and in jsonl mode an
// "error" event with the hints, the exit status and the HTTP answer of a
// refused upgrade. It returns err as already reported. An error reported
// already (a signal's, which has no words) is returned as it is.
func failed(out *format.Printer, err error) error {
	var e *exit.Error
	if !errors.As(err, &e) || e.Reported {
		return err
	}
	f := format.Failure{Msg: e.Msg, Hints: e.Hints, Exit: e.Code}
	var r *dial.Refusal
	if errors.As(e, &r) {
		f.Answer = &format.Answer{Status: r.Status, Headers: r.Headers, Body: r.Body}
	}
	out.Failed(f)
	return e.AsReported()
}

// Run runs a session on the open connection s: src is sent, what arrives is
// printed on out, and the session ends as o says. It closes s.
func Run(s *dial.Conn, o Options, out *format.Printer, src send.Source) error {
	out.Open(s.Handshake)
	r := newRun(s, &o, out, nil)
	return r.finish(r.start(src))
}

// closeCommand reads the code of "/close [code|name] [reason]".
func closeCommand(c *send.Command, def closecodes.Code) (closecodes.Code, error) {
	if c.Code == "" {
		return def, nil
	}
	code, err := closecodes.Parse(c.Code)
	switch {
	case err != nil:
		return 0, fmt.Errorf("invalid /close: %v", err)
	case !code.Sendable():
		return 0, fmt.Errorf("invalid /close: %s may not be sent in a close frame", code)
	}
	return code, nil
}

// WatchSignals gives a context that a signal cancels, for the phases that
// do not watch the signals themselves (connecting, probing). stop ends the
// watch and returns the signal that came, if one did.
func WatchSignals(signals <-chan os.Signal) (ctx context.Context, stop func() os.Signal) {
	ctx, cancel := context.WithCancel(context.Background())
	done, finished := make(chan struct{}), make(chan struct{})
	var got os.Signal
	go func() {
		defer close(finished)
		select {
		case got = <-signals:
			cancel()
		case <-done:
		}
	}()
	return ctx, func() os.Signal {
		close(done)
		<-finished
		cancel()
		return got
	}
}
