package cmd

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/gorilla/websocket"
	"github.com/wsx-cli/wsx/closecodes"
	"github.com/wsx-cli/wsx/format"
	"github.com/wsx-cli/wsx/listen"
)

// finish ends the session. When the reading side ended first it reports
// why; otherwise wsx closes: queued messages first, then its close frame,
// then it waits for the server's echo. end is the reason wsx closes (nil
// when the goal was met).
func (r *run) finish(end error) error {
	defer r.s.ws.NetConn().Close()
	defer r.summarize()
	if end == errReaderEnded {
		return r.readerEnded(<-r.readDone)
	}
	code, reason := r.cfg.closeCode, r.cfg.closeReason
	if c := r.closeWith; c != nil {
		code, _ = closeCommand(c, code)
		if c.Reason != "" {
			reason = c.Reason
		}
	}
	res, sig := r.closeByUs(code, reason)
	if f := res.Frame; f != nil && crossed(f, code) {
		if err := r.serverClosed(f, 0); end == nil && sig == nil {
			return err
		}
	} else {
		r.ourClose(code, reason, f)
	}
	if sig != nil { // a signal ended the wait for the echo
		return interrupted(sig)
	}
	return r.fail(end)
}

// ourClose reports the close wsx started, and the server's echo.
func (r *run) ourClose(code closecodes.Code, reason string, f *listen.CloseFrame) {
	c := format.Close{By: "client", Code: code, HasCode: true, Reason: []byte(reason)}
	if r.gaveUp && r.wrote != nil {
		c.Unsent = r.wrote.Unsent // the server stopped reading: what wsx held is lost
	}
	if f != nil {
		c.Echo, c.EchoCode = true, closecodes.Code(f.Code)
		if !f.HasCode {
			c.EchoCode = closecodes.NoStatusReceived
		}
	}
	r.out.Closed(c, f == nil) // a missing echo is a warning: it shows even with -q
}

// crossed reports whether the close frame that answered ours is really the
// server's own close, sent before ours arrived: it carries another code, or
// breaks the protocol. Then the server's close is what wsx reports.
func crossed(f *listen.CloseFrame, ours closecodes.Code) bool {
	return (f.HasCode && closecodes.Code(f.Code) != ours) || violation(f) != ""
}

// summarize prints what went each way, for send.
func (r *run) summarize() {
	if !r.cfg.summary {
		return
	}
	sent, sentBytes := r.writer.Written()
	got, gotBytes := r.reader.Received()
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
func (r *run) fail(err error) error {
	var e *Error
	if err == nil || !errors.As(err, &e) {
		return err
	}
	if e.Code != ExitInterrupted && !e.Reported {
		r.out.Error(e.Msg, e.Hints...)
	}
	return &Error{Code: e.Code, Msg: e.Msg, Reported: true}
}

// closeByUs runs wsx's side of the closing handshake. sig is the signal
// that asked to stop waiting at once, if one came.
func (r *run) closeByUs(code closecodes.Code, reason string) (res listen.Result, sig os.Signal) {
	r.stopWriter()
	if err := r.closer.Close(uint16(code), reason); err != nil && !errors.Is(err, websocket.ErrCloseSent) {
		r.out.Verbose("close frame not sent: %v", err)
	}
	t := time.NewTimer(r.cfg.closeTimeout)
	defer t.Stop()
	done, sig := r.awaitEcho(t, &res)
	if sig != nil || done {
		return res, sig
	}
	r.s.ws.NetConn().Close()
	t.Reset(r.cfg.closeTimeout) // the reader ends once its connection is closed; bounded all the same
	select {
	case res = <-r.readDone:
	case <-t.C:
	case sig = <-r.env.Signals:
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
func (r *run) awaitEcho(t *time.Timer, res *listen.Result) (done bool, sig os.Signal) {
	seen := r.s.tap.BytesRead()
	for range closeWaitLimit {
		select {
		case *res = <-r.readDone:
			return true, nil
		case <-t.C:
		case sig := <-r.env.Signals:
			return false, sig
		}
		n := r.s.tap.BytesRead()
		if n == seen {
			break
		}
		seen = n
		t.Reset(r.cfg.closeTimeout)
	}
	return false, nil
}

// stopWriter stops the writer after the message it is writing, and returns
// how many messages it had read but not sent.
func (r *run) stopWriter() int {
	if r.wrote == nil && r.writer.Stop() {
		t := time.NewTimer(r.cfg.closeTimeout)
		defer t.Stop()
		select {
		case w := <-r.writeDone:
			r.wrote = &w
		case <-t.C: // the server is not reading: give up the message
			r.gaveUp = true
			r.s.ws.NetConn().Close()
			t.Reset(r.cfg.closeTimeout)
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
		go func() { r.readDone <- r.reader.Drain() }()
		r.closeByUs(closecodes.InvalidPayload, "invalid UTF-8")
		return r.fail(errorf(ExitClosed, "message %d is text but not valid UTF-8 (byte %d); closed with 1007",
			res.Invalid.Message, res.Invalid.Offset))
	case res.Output != nil:
		go func() { r.readDone <- r.reader.Drain() }()
		closed, sig := r.closeByUs(closecodes.NormalClosure, "")
		r.ourClose(closecodes.NormalClosure, "", closed.Frame)
		switch {
		case sig != nil:
			return interrupted(sig)
		case errors.Is(res.Output, syscall.EPIPE):
			return nil // stdout was closed (| head): a normal end
		}
		return r.fail(errorf(ExitError, "writing to stdout: %v", res.Output))
	case res.TooBig:
		r.stopWriter()
		return r.fail(errorf(ExitClosed, "a message was larger than --max-size %d bytes; closed with 1009 (message too big)", r.dc.maxSize).
			hint("raise --max-size"))
	case res.Frame != nil:
		return r.serverClosed(res.Frame, r.stopWriter())
	}
	return r.dropped(res.Err)
}

// serverClosed reports the server's close frame exactly; unsent counts the
// messages wsx had read but could not send.
func (r *run) serverClosed(f *listen.CloseFrame, unsent int) error {
	c := format.Close{By: "server", Code: closecodes.NoStatusReceived, HasCode: f.HasCode, Reason: f.Reason, Unsent: unsent}
	if f.HasCode {
		c.Code = closecodes.Code(f.Code)
	}
	c.Violation = violation(f)
	short := r.cfg.count > 0 && r.reader.Kept() < r.cfg.count
	abnormal := c.Violation != "" || !r.cfg.expectClose[c.Code] || unsent > 0 || short
	r.out.Closed(c, abnormal)
	if short {
		return r.fail(errorf(ExitClosed, "the server closed after %d of %d messages", r.reader.Kept(), r.cfg.count))
	}
	if abnormal {
		return &Error{Code: ExitClosed, Reported: true}
	}
	return nil
}

// violation says how a close frame broke RFC 6455, or "".
func violation(f *listen.CloseFrame) string {
	code := closecodes.Code(f.Code)
	switch {
	case f.Short:
		return "a close payload of 1 byte has no room for a code"
	case f.HasCode && code.NeverOnWire():
		return fmt.Sprintf("close code %d must never be sent", f.Code)
	case f.HasCode && code == closecodes.Reserved:
		return "close code 1004 is reserved"
	case f.HasCode && !code.Sendable():
		return fmt.Sprintf("close code %d is not a valid close code", f.Code)
	case !utf8.Valid(f.Reason):
		return "the close reason is not valid UTF-8"
	case len(f.Reason) > 123:
		return fmt.Sprintf("the close reason is %d bytes; at most 123 fit", len(f.Reason))
	}
	return ""
}

// dropped reports a connection that ended without a close frame.
func (r *run) dropped(err error) error {
	unsent := r.stopWriter()
	if isDrop(err) {
		r.out.Closed(format.Close{Code: closecodes.AbnormalClosure, HasCode: true, Unsent: unsent}, true)
		return &Error{Code: ExitClosed, Reported: true}
	}
	return r.fail(errorf(ExitClosed, "the server broke the protocol: %s; closed with 1002", trimPrefix(err)))
}

// isDrop tells a lost connection from a protocol error gorilla detected.
func isDrop(err error) bool {
	var ce *websocket.CloseError
	var ne net.Error
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed) ||
		errors.As(err, &ne) || (errors.As(err, &ce) && ce.Code == websocket.CloseAbnormalClosure) ||
		errors.Is(err, syscall.ECONNRESET)
}
