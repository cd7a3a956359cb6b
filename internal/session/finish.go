package session

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"syscall"
	"time"

	"github.com/gorilla/websocket"
	"github.com/wsx-cli/wsx/closecodes"
	"github.com/wsx-cli/wsx/format"
	"github.com/wsx-cli/wsx/internal/dial"
	"github.com/wsx-cli/wsx/internal/exit"
	"github.com/wsx-cli/wsx/internal/wire"
	"github.com/wsx-cli/wsx/listen"
)

// finish ends the session. When the reading side ended first it reports
// why; otherwise wsx closes: queued messages first, then its close frame,
// then it waits for the server's echo. end is the reason wsx closes (nil
// when the goal was met).
func (r *run) finish(end error) error {
	defer r.s.WS.NetConn().Close()
	defer r.summarize()
	switch end {
	case errReaderEnded:
		return r.readerEnded(<-r.readDone)
	case errStalled:
		return r.stalled()
	case errStdoutGone:
		return r.stdoutGone()
	case errPingTimeout:
		return r.pingTimedOut()
	}
	code, reason := r.closeCodeReason()
	if r.co != nil {
		if u := r.co.Undelivered(); u.Known {
			r.queued = &u.Bytes
			r.out.Verbose("at the close: %s still queued", count(int(u.Bytes), "byte"))
		}
	}
	res, sig := r.closeByUs(code, reason)
	if err := r.closeTrouble(res); err != nil && sig == nil {
		return err
	}
	if f := res.Frame; f != nil && crossed(f, code) {
		if err := r.serverClosed(f, 0); end == nil && sig == nil {
			return err
		}
	} else {
		r.ourClose(code, reason, f)
	}
	if sig != nil { // a signal ended the wait for the echo
		return exit.BySignal(sig)
	}
	return r.fail(end)
}

// ourClose reports the close wsx started, and the server's echo.
func (r *run) ourClose(code closecodes.Code, reason string, f *wire.CloseFrame) {
	r.out.Closed(r.ourCloseInfo(code, reason, f), f == nil) // a missing echo is a warning: it shows even with -q
}

// ourCloseInfo describes the close wsx started, and the server's echo f.
func (r *run) ourCloseInfo(code closecodes.Code, reason string, f *wire.CloseFrame) format.Close {
	c := format.Close{By: "client", Code: code, HasCode: true, Reason: []byte(reason), Queued: r.queued}
	if r.gaveUp && r.wrote != nil {
		c.Unsent = r.wrote.Unsent // the server stopped reading: what wsx held is lost
	}
	if f != nil {
		c.Echo, c.EchoCode = true, closecodes.Code(f.Code)
		if !f.HasCode {
			c.EchoCode = closecodes.NoStatusReceived
		}
	}
	return c
}

// crossed reports whether the close frame that answered ours is really the
// server's own close, sent before ours arrived: it carries another code, or
// breaks the protocol. Then the server's close is what wsx reports.
func crossed(f *wire.CloseFrame, ours closecodes.Code) bool {
	return (f.HasCode && closecodes.Code(f.Code) != ours) || f.Violation() != ""
}

// summarize prints what went each way, for send.
func (r *run) summarize() {
	if !r.cfg.Summary {
		return
	}
	sent, sentBytes := r.writer.Written()
	got, gotBytes := r.reader.Received()
	if d := r.drained; d != nil && d.stalled.Bytes > 0 { // never "sent" for what did not leave
		read := sent
		if r.wrote != nil {
			read += r.wrote.Unsent
		}
		r.out.Status("delivered %d of %s, received %s (%s)", max(r.co.Messages()-d.stalled.Messages, 0), count(read, "message"),
			count(got, "message"), count(int(gotBytes), "byte"))
		return
	}
	r.out.Status("sent %s (%s), received %s (%s)", count(sent, "message"), count(int(sentBytes), "byte"),
		count(got, "message"), count(int(gotBytes), "byte"))
}

func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// fail prints err in the session's voice (jsonl gets an error event) and
// returns it as already reported.
func (r *run) fail(err error) error { return failed(r.out, err) }

// closeByUs runs wsx's side of the closing handshake. sig is the signal
// that asked to stop waiting at once, if one came.
func (r *run) closeByUs(code closecodes.Code, reason string) (res listen.Result, sig os.Signal) {
	return r.closeWithin(code, reason, r.cfg.CloseTimeout)
}

// closeWithin is closeByUs waiting for the echo while the server has sent
// nothing for wait (at most closeWaitLimit times that in all).
func (r *run) closeWithin(code closecodes.Code, reason string, wait time.Duration) (res listen.Result, sig os.Signal) {
	r.stopWriter()
	if err := r.closer.Close(uint16(code), reason); err != nil && !errors.Is(err, websocket.ErrCloseSent) {
		r.out.Verbose("close frame not sent: %v", err)
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	done, sig := r.awaitEcho(t, wait, &res)
	if sig != nil || done {
		return res, sig
	}
	r.s.WS.NetConn().Close()
	t.Reset(wait) // the reader ends once its connection is closed; bounded all the same
	select {
	case res = <-r.readDone:
	case <-t.C:
	case sig = <-r.cfg.Signals:
	}
	return res, sig
}

// closeWaitLimit bounds the whole wait for the close echo, in units of
// --close-timeout, however long the server keeps sending.
const closeWaitLimit = 10

// awaitEcho waits for the reader to end after wsx's close frame. The wait
// ends after --close-timeout with nothing from the server: a server still
// sending (echoes of a long input) is still working through what wsx sent,
// and giving up on it would cut that off. done: the reader ended; sig: a
// signal asked to stop waiting.
func (r *run) awaitEcho(t *time.Timer, wait time.Duration, res *listen.Result) (done bool, sig os.Signal) {
	seen := r.s.Tap.BytesRead()
	for range closeWaitLimit {
		select {
		case *res = <-r.readDone:
			if res.Output == nil || res.Frame != nil || res.Err != nil {
				return true, nil
			}
			// stdout failed while the echo was awaited: read on, printing
			// nothing, for the server's close frame
			r.outputGone = r.outputGone || errors.Is(res.Output, syscall.EPIPE)
			r.outputErr = res.Output
			go func() { r.readDone <- r.reader.Drain() }()
			continue
		case <-t.C:
		case sig := <-r.cfg.Signals:
			return false, sig
		}
		n := r.s.Tap.BytesRead()
		if n == seen || r.outputGone {
			break // nothing came, or nobody reads what comes
		}
		seen = n
		t.Reset(wait)
	}
	return false, nil
}

// stopWriter stops the writer after the message it is writing, and returns
// how many messages it had read but not sent.
func (r *run) stopWriter() int {
	if r.wrote == nil && r.writer.Stop() {
		t := time.NewTimer(r.cfg.CloseTimeout)
		defer t.Stop()
		select {
		case w := <-r.writeDone:
			r.wrote = &w
		case <-t.C: // the server is not reading: give up the message
			r.gaveUp = true
			// counted while the kernel can still say, for a reconnect's line
			r.undeliveredAtClose = r.undelivered()
			r.s.WS.NetConn().Close()
			t.Reset(r.cfg.CloseTimeout)
			select {
			case w := <-r.writeDone:
				r.wrote = &w
			case <-t.C: // still stuck (reading input): what it holds is unknown
				return 0
			}
		}
	}
	if r.wrote == nil {
		select {
		case w := <-r.writeDone:
			r.wrote = &w
		default:
			return 0 // waiting for input that was never read: nothing lost
		}
	}
	return r.wrote.Unsent
}

// readerEnded reports why the reading side ended first.
func (r *run) readerEnded(res listen.Result) error {
	switch {
	case res.Invalid != nil:
		// the error first, as found; then the close it leads to, reported
		// as any close wsx starts (jsonl: the error event, then the close)
		err := failed(r.out, exit.Errorf(exit.Closed, "message %d is text but not valid UTF-8 (byte %d); closed with 1007",
			res.Invalid.Message, res.Invalid.Offset))
		return r.closeAfterInvalid(err, closecodes.InvalidPayload, "invalid UTF-8")
	case res.Output != nil:
		r.outputGone = errors.Is(res.Output, syscall.EPIPE)
		go func() { r.readDone <- r.reader.Drain() }()
		if err := r.closeNormally(); err != nil || r.outputGone {
			return err // stdout was closed (| head): a normal end, unless a signal came
		}
		return r.fail(exit.Errorf(exit.Runtime, "writing to stdout: %v", res.Output))
	case res.TooBig:
		r.stopWriter()
		err := r.fail(exit.Errorf(exit.Closed, "a message was larger than --max-size %d bytes; closed with 1009 (message too big)", r.cfg.MaxSize).
			Hint("raise --max-size"))
		r.failedClose(closecodes.MessageTooBig)
		return err
	case res.Frame != nil:
		unsent := r.stopWriter()
		if err := r.closedAgain(res.Frame); err != nil {
			return err
		}
		return r.serverClosed(res.Frame, unsent)
	}
	return r.dropped(res.Err)
}

// closedAgain reports the server's close as one wsx retries, when it is
// (a valid close frame with a code outside --expect-close, and --reconnect
// has attempts left); nil otherwise.
func (r *run) closedAgain(f *wire.CloseFrame) error {
	c := serverClose(f)
	if c.Violation != "" || r.cfg.ExpectClose[c.Code] {
		return nil
	}
	return r.again("close", c)
}

// again reports c as an end wsx follows with another connection, if
// --reconnect has an attempt left and the goal one to make: one line with
// the wait, and no unsent messages (they go on the next connection). nil:
// wsx does not connect again.
func (r *run) again(why string, c format.Close) error {
	p := r.retrying(why, c.Code)
	if p == nil {
		return nil
	}
	c.Unsent = 0
	r.out.Reconnecting(*p, &c)
	return &retryEnd{plan: *p, status: exit.Closed}
}

// retrying plans the next attempt after this connection's end, when there
// is one to make; nil when not. It counts, while the connection can still
// say, the messages written that the server may not have received.
func (r *run) retrying(why string, code closecodes.Code) *format.Reconnect {
	if r.from.rc == nil || !r.goalLeft() {
		return nil
	}
	p, ok := r.from.rc.next(0, false)
	if !ok {
		return nil
	}
	p.Why, p.Code = why, code
	p.Undelivered = r.undelivered()
	if r.gaveUp { // the connection is closed: the count made before
		p.Undelivered = max(p.Undelivered, r.undeliveredAtClose)
	}
	return &p
}

// undelivered counts the messages written that the server may not have
// received; it must be asked before the connection is closed.
func (r *run) undelivered() int {
	if r.co == nil {
		return 0
	}
	return r.co.Undelivered().Messages
}

// goalLeft reports whether another connection has something to do: --count
// not reached, and for connect, input still to send.
func (r *run) goalLeft() bool {
	switch {
	case r.cfg.Count > 0 && r.kept() >= r.cfg.Count:
		return false
	case r.cfg.KeepOpen || r.cfg.Count > 0:
		return true
	}
	select {
	case <-r.writer.InputDone():
		// the input ended, but its last flush may have failed with the
		// drop: then lines are left to send on the next connection
		return r.wrote != nil && (r.wrote.Write != nil || r.wrote.Unsent > 0)
	default:
		return r.wrote == nil || !r.wrote.EOF
	}
}

// serverClosed reports the server's close frame exactly; unsent counts the
// messages wsx had read but could not send.
func (r *run) serverClosed(f *wire.CloseFrame, unsent int) error {
	c := serverClose(f)
	c.Unsent = unsent
	short := r.cfg.Count > 0 && r.kept() < r.cfg.Count
	abnormal := c.Violation != "" || !r.cfg.ExpectClose[c.Code] || unsent > 0 || short
	r.out.Closed(c, abnormal)
	if short {
		return r.fail(exit.Errorf(exit.Closed, "the server closed after %d of %d messages", r.kept(), r.cfg.Count))
	}
	if abnormal {
		return exit.Silent(exit.Closed)
	}
	return nil
}

// dropped reports a connection that ended without a close frame.
func (r *run) dropped(err error) error {
	unsent := r.stopWriter()
	if dial.IsDrop(err) {
		c := format.Close{Code: closecodes.AbnormalClosure, HasCode: true, Unsent: unsent}
		if err := r.again("drop", c); err != nil {
			return err
		}
		r.out.Closed(c, true)
		return exit.Silent(exit.Closed)
	}
	e := r.fail(exit.Errorf(exit.Closed, "the server broke the protocol: %s; closed with 1002", strings.TrimPrefix(err.Error(), "websocket: ")))
	r.failedClose(closecodes.ProtocolError)
	return e
}

// failedClose reports the close gorilla sent when a read failed (1002,
// 1009): after the error, as every end has its close line; no echo can be
// read after a read error, so none is awaited.
func (r *run) failedClose(code closecodes.Code) {
	r.out.Closed(format.Close{By: "client", Code: code, HasCode: true, Unawaited: true}, true)
}

// stalled reports a server that stopped taking data after the input ended:
// what it did not take is counted, and no close frame is sent (it would
// wait behind that data); the connection is dropped.
func (r *run) stalled() error {
	// Only a coalescer's bytes can be undelivered. The kernel's queue is read
	// first, while it can be; then the close ends a blocked write, and the
	// bytes of it the kernel took are known.
	q, known := wire.SendQueue(r.co)
	r.s.WS.NetConn().Close()
	if r.wrote == nil {
		t := time.NewTimer(r.cfg.CloseTimeout)
		select {
		case w := <-r.writeDone:
			r.wrote = &w
		case <-t.C:
		}
		t.Stop()
	}
	u := r.co.UndeliveredGiven(q, known)
	r.drained.stalled = u
	n := fmt.Sprintf("%s (%s)", count(u.Messages, "message"), count(int(u.Bytes), "byte"))
	if u.AtLeast {
		n = "more than " + n
	}
	r.out.Verbose("at the close: %s still queued", count(int(u.Bytes), "byte"))
	return r.fail(exit.Errorf(exit.Closed, "the server stopped reading: %s not delivered within --close-timeout %v", n, r.cfg.CloseTimeout).
		Hint("a slow server may need a longer --close-timeout"))
}

// stdoutGone ends a session whose stdout's reader went away: a normal
// close (1000), exit 0, and what arrives meanwhile no longer extends the
// wait for the close echo.
func (r *run) stdoutGone() error {
	r.outputGone = true
	return r.closeNormally()
}

// closeNormally closes with 1000 and reports it; the error is a signal's
// that cut the wait for the echo short.
func (r *run) closeNormally() error {
	closed, sig := r.closeByUs(closecodes.NormalClosure, "")
	r.ourClose(closecodes.NormalClosure, "", closed.Frame)
	if sig != nil {
		return exit.BySignal(sig)
	}
	return nil
}

// closeTrouble is what went wrong with a message that arrived while wsx
// waited for the close echo: it is handled as any other message is, so one
// over --max-size or not UTF-8 makes the close abnormal (exit 5).
func (r *run) closeTrouble(res listen.Result) error {
	switch {
	case res.TooBig:
		return r.fail(exit.Errorf(exit.Closed, "a message that arrived during the close was larger than --max-size %d bytes (message too big)", r.cfg.MaxSize).
			Hint("raise --max-size"))
	case res.Invalid != nil:
		// wsx's close frame is out: the error is reported, and the wait for
		// the echo goes on, so that the close line says how it ended
		err := failed(r.out, exit.Errorf(exit.Closed, "message %d, which arrived during the close, is text but not valid UTF-8 (byte %d)",
			res.Invalid.Message, res.Invalid.Offset))
		// the close frame finish chose was sent: this only waits for the echo
		code, reason := r.closeCodeReason()
		return r.closeAfterInvalid(err, code, reason)
	case r.outputErr != nil && !errors.Is(r.outputErr, syscall.EPIPE):
		return r.fail(exit.Errorf(exit.Runtime, "writing to stdout: %v", r.outputErr))
	}
	return nil
}

// closeLine reports the close wsx started with code after a message that
// was not UTF-8, as finish reports any other: the server's own close when
// the frame that answered carries another code (an abnormal end: the
// session failed), else wsx's and the echo. The failure was reported
// already: the line decides no exit status.
func (r *run) closeLine(code closecodes.Code, reason string, f *wire.CloseFrame) {
	if f == nil || !crossed(f, code) {
		r.ourClose(code, reason, f)
		return
	}
	r.out.Closed(serverClose(f), true)
}

// serverClose describes the server's close frame f as it came: 1005 when
// it had no code, and how it broke RFC 6455, if it did.
func serverClose(f *wire.CloseFrame) format.Close {
	c := format.Close{By: "server", Code: closecodes.NoStatusReceived, HasCode: f.HasCode, Reason: f.Reason, Violation: f.Violation()}
	if f.HasCode {
		c.Code = closecodes.Code(f.Code)
	}
	return c
}

// closeCodeReason is what wsx closes with: --close-code and --close-reason,
// or what a /close at the prompt asked for.
func (r *run) closeCodeReason() (closecodes.Code, string) {
	code, reason := r.cfg.CloseCode, r.cfg.CloseReason
	if c := r.closeWith; c != nil {
		code, _ = closeCommand(c, code)
		if c.Reason != "" {
			reason = c.Reason
		}
	}
	return code, reason
}

// closeAfterInvalid closes with code after a message that was not UTF-8,
// whose error err was reported, and prints the close line; a signal that
// cut the wait for the echo short gives its own status.
func (r *run) closeAfterInvalid(err error, code closecodes.Code, reason string) error {
	go func() { r.readDone <- r.reader.Drain() }()
	closed, sig := r.closeByUs(code, reason)
	r.closeLine(code, reason, closed.Frame)
	if sig != nil {
		return exit.BySignal(sig)
	}
	return err
}

// pingTimedOut ends a connection whose ping got no pong within
// --ping-timeout: wsx closes with 1011, waiting for the echo no longer than
// a pong (a peer that did not answer a ping is unlikely to answer a
// close), and reports it, or connects again with --reconnect.
func (r *run) pingTimedOut() error {
	msg := fmt.Sprintf("no pong within --ping-timeout %v: the connection is dead; closed with 1011", r.cfg.PingTimeout)
	const reason = "no pong"
	// counted while the kernel can still say: a writer stuck behind a dead
	// peer is given up by closing the connection
	before := r.undelivered()
	r.stopWriter()
	p := r.retrying("ping-timeout", closecodes.InternalError)
	if p != nil {
		p.Undelivered = max(p.Undelivered, before)
	}
	closed, sig := r.closeWithin(closecodes.InternalError, reason, min(r.cfg.CloseTimeout, r.cfg.PingTimeout))
	var err error
	if p != nil {
		p.Error = msg
		c := r.ourCloseInfo(closecodes.InternalError, reason, closed.Frame)
		c.Unsent = 0 // it goes on the next connection
		r.out.Reconnecting(*p, &c)
		err = &retryEnd{plan: *p, status: exit.Closed}
	} else {
		err = failed(r.out, exit.Errorf(exit.Closed, "%s", msg))
		r.closeLine(closecodes.InternalError, reason, closed.Frame)
	}
	if sig != nil { // a signal ended the wait for the echo
		return exit.BySignal(sig)
	}
	return err
}
