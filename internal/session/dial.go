package session

import (
	"context"
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
	ctx, stopWatch := WatchSignals(o.Signals)
	s, err := dial.Dial(ctx, dc, out)
	if sig := stopWatch(); sig != nil { // Ctrl-C while connecting
		if err == nil {
			send.NewCloser(s.WS, time.Second).Close(1000, "")
			s.WS.NetConn().Close()
		}
		return exit.BySignal(sig)
	}
	if err != nil {
		return err
	}
	return Run(s, o, out, src)
}

// Run runs a session on the open connection s: src is sent, what arrives is
// printed on out, and the session ends as o says. It closes s.
func Run(s *dial.Conn, o Options, out *format.Printer, src send.Source) error {
	out.Open(s.Handshake)
	r := newRun(s, &o, out)
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
