package session

import (
	"errors"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/wsx-cli/wsx/format"
	"github.com/wsx-cli/wsx/internal/dial"
	"github.com/wsx-cli/wsx/internal/exit"
	"github.com/wsx-cli/wsx/send"
)

// Reconnect is --reconnect: after an end worth a retry (a drop, a close
// code outside --expect-close, a ping timeout, a busy or unreachable
// server), wsx waits and connects again.
type Reconnect struct {
	Delay time.Duration // the first wait; each one after doubles, up to MaxDelay
	Max   int           // attempts in a row without a connection that stayed open; 0: no limit
	// Clock is what the waits are timed by; nil: the real one.
	Clock Clock
	// Jitter returns a number in [0, 1) that spreads each wait; nil:
	// math/rand/v2.
	Jitter func() float64
}

// Clock tells the time and waits: the backoff's, so that tests can give one
// that never waits.
type Clock interface {
	Now() time.Time
	After(d time.Duration) <-chan time.Time
}

type realClock struct{}

func (realClock) Now() time.Time                         { return time.Now() }
func (realClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

const (
	// MaxDelay is the longest wait between attempts (when --reconnect-delay
	// is not longer): a server back after an outage is found within it.
	MaxDelay = 30 * time.Second
	// StableAfter is how long a connection must stay open for the backoff
	// to start again from the first delay and attempt 1: shorter ones are
	// part of the same outage (a server that accepts, then falls over).
	StableAfter = 30 * time.Second
	// jitterSpread is how far each wait may move from the doubling's value,
	// either way, so that clients dropped together do not return together.
	jitterSpread = 0.2
)

// reconnector is the backoff of a reconnecting session.
type reconnector struct {
	o        Reconnect
	clock    Clock
	jitter   func() float64
	attempt  int       // attempts made since the last connection that stayed open
	openedAt time.Time // when the connection now open opened; zero: none is
	opened   bool      // a connection has opened
}

func newReconnector(o Reconnect) *reconnector {
	b := &reconnector{o: o, clock: o.Clock, jitter: o.Jitter}
	if b.clock == nil {
		b.clock = realClock{}
	}
	if b.jitter == nil {
		b.jitter = rand.Float64
	}
	return b
}

// maxDelay is the cap of every wait.
func (b *reconnector) maxDelay() time.Duration { return max(MaxDelay, b.o.Delay) }

// open notes that a connection opened now.
func (b *reconnector) open() {
	b.openedAt, b.opened = b.clock.Now(), true
}

// next plans the next attempt: its number and the wait before it, or false
// when --reconnect-max attempts have been made. retryAfter, when hasRA, is
// the wait the server asked for: it replaces the backoff's, at least the
// first delay (a Retry-After of 0 must not make a busy loop) and at most
// the maximum.
func (b *reconnector) next(retryAfter time.Duration, hasRA bool) (format.Reconnect, bool) {
	if !b.openedAt.IsZero() && b.clock.Now().Sub(b.openedAt) >= StableAfter {
		b.attempt = 0
	}
	b.openedAt = time.Time{}
	if b.o.Max > 0 && b.attempt >= b.o.Max {
		return format.Reconnect{}, false
	}
	b.attempt++
	p := format.Reconnect{Attempt: b.attempt, Max: b.o.Max, Delay: b.delay(b.attempt)}
	if hasRA {
		p.Delay = min(max(retryAfter, b.o.Delay), b.maxDelay())
		p.RetryAfter, p.HasRetryAfter = retryAfter, true
	}
	return p, true
}

// delay is the wait before attempt n: the first delay doubled n-1 times, up
// to the maximum, moved by up to ±20% at random and kept under the maximum,
// to the millisecond.
func (b *reconnector) delay(n int) time.Duration {
	d, top := b.o.Delay, b.maxDelay()
	for i := 1; i < n && d < top; i++ {
		d *= 2
	}
	d = min(d, top)
	d = time.Duration(float64(d) * (1 - jitterSpread + 2*jitterSpread*b.jitter()))
	return max(min(d, top).Round(time.Millisecond), time.Millisecond)
}

// retryEnd ends a connection (or an attempt) that another follows: its end
// was reported with the wait; status is the exit status it would have had.
type retryEnd struct {
	plan   format.Reconnect
	status int
}

func (e *retryEnd) Error() string { return "connecting again" }

// carry is what one connection of a reconnecting session hands the next:
// the counts that span connections, the --timeout deadline, and the input;
// a session of one connection has one too, its start. Only the session's
// own goroutine touches it; each run takes a copy when it starts.
type carry struct {
	rc          *reconnector
	deadline    time.Time // when --timeout ends; zero: never
	kept        int       // messages kept on every connection so far
	lastMessage time.Time // when the last of them came, or when the run began
	src         *resend
	// the last writer's result, while it is not in (it may be waiting for
	// input that has not come), and once it is
	prevDone  <-chan send.Result
	prevWrote *send.Result
}

// resend is the input of a reconnecting session. A message that a writer
// read and did not write comes first on the next connection; the --send
// list (a source that rewinds) is sent again whole; the end of the input,
// once seen, stays the end (a terminal read again would wait for more).
type resend struct {
	send.Source
	held   []send.Message
	ended  bool
	rewind interface{ Rewind() }
}

func newResend(src send.Source) *resend {
	s := &resend{Source: src}
	s.rewind, _ = src.(interface{ Rewind() })
	return s
}

func (s *resend) Next() (send.Message, error) {
	if len(s.held) > 0 {
		m := s.held[0]
		s.held = s.held[1:]
		return m, nil
	}
	if s.ended {
		return send.Message{}, io.EOF
	}
	m, err := s.Source.Next()
	s.ended = err == io.EOF
	return m, err
}

// NextBatch hands over what is held, or a batch of the source's.
func (s *resend) NextBatch(dst []send.Message) ([]send.Message, error) {
	if len(s.held) > 0 {
		dst = append(dst, s.held...)
		s.held = nil
		return dst, nil
	}
	if s.ended {
		return dst, io.EOF
	}
	dst, err := send.NextBatch(s.Source, dst)
	s.ended = err == io.EOF
	return dst, err
}

func (s *resend) Pending() int { return len(s.held) + s.Source.Pending() }

// MeterInput shows the progress of the input beneath, which goes on from
// one connection to the next.
func (s *resend) MeterInput(p *format.Printer) (end func()) { return send.MeterInput(s.Source, p) }

func (s *resend) Ready() bool { return len(s.held) > 0 || s.Source.Ready() }

// after readies the input for a new connection, given how the writer of
// the connection before ended. It runs on the new writer's goroutine, once
// the writer before has returned: the input is the writers' alone, one
// after the other.
func (s *resend) after(w send.Result) {
	switch {
	case s.rewind != nil:
		s.rewind.Rewind()
		s.ended = false
	case len(w.Held) > 0:
		// the source's buffer moves on with its next read: the held
		// messages get one buffer of their own
		var size int
		for _, m := range w.Held {
			size += len(m.Data)
		}
		data := make([]byte, 0, size)
		s.held = make([]send.Message, len(w.Held))
		for i, m := range w.Held {
			data = append(data, m.Data...)
			m.Data = data[len(data)-len(m.Data):]
			s.held[i] = m
		}
	}
}

// newCarry is the start of a session: nothing kept yet, silence from now,
// and --timeout counted from now; rc is the backoff (nil: no --reconnect).
func newCarry(o *Options, rc *reconnector) *carry {
	c := &carry{rc: rc, lastMessage: time.Now()}
	if o.Timeout > 0 {
		c.deadline = c.lastMessage.Add(o.Timeout)
	}
	return c
}

// handOn takes what the ended run r leaves for the next connection.
func (c *carry) handOn(r *run) {
	c.kept = r.kept()
	if t := r.reader.LastMessage(); t.After(c.lastMessage) {
		c.lastMessage = t
	}
	c.prevWrote, c.prevDone = r.wrote, nil
	if r.wrote == nil {
		c.prevDone = r.writeDone
	}
}

// reconnecting is DialAndRun with --reconnect: one connection after
// another, each end that is worth it followed by a wait and a new attempt,
// until an end that is not (a normal close, the goal met, --timeout, a
// signal, --reconnect-max attempts made), whose exit status is the run's.
func reconnecting(dc *dial.Config, o Options, out *format.Printer, src send.Source) error {
	rc := newReconnector(*o.Reconnect)
	c := newCarry(&o, rc)
	c.src = newResend(src)
	var last *retryEnd
	for {
		if last != nil {
			if stop, err := c.wait(last, &o, out); stop {
				return err
			}
		}
		s, err := c.dial(dc, &o, out)
		if errors.As(err, &last) {
			continue
		}
		if err != nil {
			return err
		}
		if rc.attempt == 0 {
			out.Open(s.Handshake)
		} else {
			out.Reopened(s.Handshake, rc.attempt, rc.opened)
		}
		rc.open()
		r := newRun(s, &o, out, c)
		if err = r.finish(r.start(c.src)); !errors.As(err, &last) {
			return err
		}
		c.handOn(r)
	}
}

// dial makes one attempt. A failure worth a retry is reported as one, with
// the wait, and returned as a *retryEnd; any other is reported as it would
// be without --reconnect.
func (c *carry) dial(dc *dial.Config, o *Options, out *format.Printer) (*dial.Conn, error) {
	s, a, sig, err := dialOnce(dc, o.Signals, c.deadline, out)
	if sig != nil { // Ctrl-C while connecting
		return nil, exit.BySignal(sig)
	}
	if err == nil {
		return s, nil
	}
	if !c.deadline.IsZero() && !time.Now().Before(c.deadline) {
		return nil, failed(out, timedOut(o, c.kept))
	}
	why, status, ra, hasRA, ok := retryable(err, a, dc, c.rc.opened, c.rc.clock.Now())
	if !ok {
		return nil, failed(out, err)
	}
	p, ok := c.rc.next(ra, hasRA)
	if !ok {
		return nil, failed(out, err)
	}
	var e *exit.Error
	errors.As(err, &e)
	p.Why, p.Status, p.Error = why, status, e.Msg
	out.Reconnecting(p, nil)
	return nil, &retryEnd{plan: p, status: e.Code}
}

// wait waits before the next attempt, as planned by the end before. It
// stops the run (stop, with the run's error) on a signal, at --timeout,
// when --idle-timeout has passed with no message (the status of the end
// before), when stdout's reader has gone (exit 0, as at any other time), or
// when the input ended in a way that ends the run (Ctrl-C at the prompt, a
// line that cannot be sent).
func (c *carry) wait(last *retryEnd, o *Options, out *format.Printer) (stop bool, err error) {
	var deadline, idle <-chan time.Time
	if !c.deadline.IsZero() {
		t := time.NewTimer(time.Until(c.deadline))
		defer t.Stop()
		deadline = t.C
	}
	if o.Idle > 0 {
		t := time.NewTimer(time.Until(c.lastMessage.Add(o.Idle)))
		defer t.Stop()
		idle = t.C
	}
	after := c.rc.clock.After(last.plan.Delay)
	for {
		select {
		case <-after:
			return false, nil
		case <-deadline:
			return true, failed(out, timedOut(o, c.kept))
		case <-idle:
			return true, failed(out, exit.Errorf(last.status, "no message for --idle-timeout %v: stopped reconnecting", o.Idle))
		case sig := <-o.Signals:
			return true, exit.BySignal(sig)
		case <-o.StdoutGone:
			return true, nil
		case w := <-c.prevDone:
			c.prevDone, c.prevWrote = nil, &w
			if err := inputError(w); err != nil {
				return true, failed(out, err)
			}
		}
	}
}

// retryable says whether a failed attempt is worth another: a refusal with
// 429, 502, 503 or 504 (why "refused"; status, and the Retry-After it gave,
// if it gave one), or a connection that could not be set up (why
// "connect"), except a TLS failure (a certificate does not mend itself) and
// a host name that did not resolve before any connection had opened (most
// likely mistyped; once one has opened, a failed look-up is the resolver's
// trouble, and passes).
func retryable(err error, a dial.Attempt, dc *dial.Config, opened bool, now time.Time) (why string, status int, retryAfter time.Duration, hasRA, ok bool) {
	var e *exit.Error
	if !errors.As(err, &e) {
		return "", 0, 0, false, false
	}
	var ref *dial.Refusal
	switch {
	case errors.As(err, &ref):
		switch ref.Status {
		case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
			ra, has := RetryAfter(ref.Headers, now)
			return "refused", ref.Status, ra, has, true
		}
	case e.Code == exit.Connect:
		t := a.Timings
		resolved := dc.Proxy != nil || t.Addr != "" // the dialer names the address it tried once the name resolved
		tlsFailed := dc.Target.URL.Scheme == "wss" && t.TCP > 0 && t.TLS == 0
		if tlsFailed || (!resolved && !opened) {
			return "", 0, 0, false, false
		}
		return "connect", 0, 0, false, true
	}
	return "", 0, 0, false, false
}

// RetryAfter reads a Retry-After header among headers (as the tap read
// them): a number of seconds, or an HTTP date, which counts from now.
func RetryAfter(headers [][2]string, now time.Time) (time.Duration, bool) {
	for _, h := range headers {
		if !strings.EqualFold(h[0], "Retry-After") {
			continue
		}
		v := strings.TrimSpace(h[1])
		if n, err := strconv.ParseUint(v, 10, 32); err == nil {
			return time.Duration(n) * time.Second, true
		}
		if t, err := http.ParseTime(v); err == nil {
			return max(t.Sub(now), 0), true
		}
		return 0, false
	}
	return 0, false
}
