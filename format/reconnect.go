package format

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/wsx-cli/wsx/closecodes"
)

// Reconnect is what wsx does after an end it retries (--reconnect): which
// attempt comes next, how long it waits first, and what ended the last
// connection or attempt.
type Reconnect struct {
	Attempt int           // the attempt that comes next, from 1 (the first after an end)
	Max     int           // --reconnect-max; 0: no limit
	Delay   time.Duration // the wait before it
	// RetryAfter, when HasRetryAfter, is the wait the refusal's Retry-After
	// asked for: Delay is that, unless it was beyond the shortest or the
	// longest wait.
	RetryAfter    time.Duration
	HasRetryAfter bool
	// Why names the end: "drop" (no close frame), "close" (a close code
	// outside --expect-close), "ping-timeout", "refused" (an HTTP status)
	// or "connect" (the connection could not be set up).
	Why    string
	Code   closecodes.Code // the close code that ended the connection; 0 when none opened
	Status int             // the HTTP status of a refused upgrade; 0 when none came
	// Error is what went wrong, for an end that has no close line of its
	// own to head the line (a failed attempt, a ping timeout).
	Error string
	// Undelivered counts the messages written on the connection that the
	// server may not have received (not acknowledged when it ended).
	Undelivered int
}

// Reconnecting reports an end that wsx retries, in one stderr line that
// shows even with -q: the close line, or r.Error, then what may be lost and
// when the next attempt comes:
//
//	connection dropped: 1006 (abnormal closure), no close frame; 2 messages may not have arrived; reconnecting in 1.00s (attempt 1 of 5)
//
// c is the connection's close, nil when no connection opened. In jsonl mode
// the close event (when c is not nil) and a "reconnect" event go to stdout.
func (p *Printer) Reconnecting(r Reconnect, c *Close) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.mode == JSONL {
		b := p.pend
		if c != nil {
			b = p.appendCloseEvent(b, *c)
		}
		p.writeEvent(p.appendReconnectEvent(b, r))
	}
	head := r.Error
	if c != nil && head == "" {
		head = p.closeLine(*c, true)
	}
	head, _, _ = strings.Cut(head, "\n") // a refusal's headers and body stay for the last one
	p.errLines(head + reconnectTail(r))
}

// reconnectTail is the end of a Reconnecting line.
func reconnectTail(r Reconnect) string {
	var s strings.Builder
	if r.Undelivered > 0 {
		fmt.Fprintf(&s, "; %s may not have arrived", plural(r.Undelivered, "message"))
	}
	s.WriteString("; reconnecting in " + waitText(r.Delay))
	switch {
	case !r.HasRetryAfter:
	case r.Delay == r.RetryAfter:
		s.WriteString(", as Retry-After asks")
	case r.Delay < r.RetryAfter:
		s.WriteString(", the longest wait (Retry-After asks " + r.RetryAfter.String() + ")")
	default:
		s.WriteString(", the shortest wait (Retry-After asks " + r.RetryAfter.String() + ")")
	}
	s.WriteString(" (" + attemptText(r.Attempt, r.Max) + ")")
	return s.String()
}

// waitText is a wait, whole milliseconds as such ("835ms"), longer ones as
// humanDuration has them ("1.15s").
func waitText(d time.Duration) string {
	if d < time.Second && d%time.Millisecond == 0 {
		return strconv.FormatInt(d.Milliseconds(), 10) + "ms"
	}
	return humanDuration(d)
}

func attemptText(attempt, max int) string {
	if max > 0 {
		return fmt.Sprintf("attempt %d of %d", attempt, max)
	}
	return "attempt " + strconv.Itoa(attempt)
}

// appendReconnectEvent adds a "reconnect" event.
func (p *Printer) appendReconnectEvent(b []byte, r Reconnect) []byte {
	b = p.appendEventHead(b, "reconnect")
	b = appendKey(b, "attempt")
	b = strconv.AppendInt(b, int64(r.Attempt), 10)
	b = appendKey(b, "max")
	if r.Max > 0 {
		b = strconv.AppendInt(b, int64(r.Max), 10)
	} else {
		b = append(b, "null"...)
	}
	b = appendKey(b, "delay_ms")
	b = appendMillis(b, r.Delay)
	b = appendKey(b, "retry_after_ms")
	if r.HasRetryAfter {
		b = appendMillis(b, r.RetryAfter)
	} else {
		b = append(b, "null"...)
	}
	b = appendKey(b, "why")
	b = appendStr(b, r.Why)
	b = appendKey(b, "code")
	if r.Code != 0 {
		b = strconv.AppendUint(b, uint64(r.Code), 10)
	} else {
		b = append(b, "null"...)
	}
	b = appendKey(b, "status")
	if r.Status != 0 {
		b = strconv.AppendInt(b, int64(r.Status), 10)
	} else {
		b = append(b, "null"...)
	}
	b = appendKey(b, "undelivered")
	b = strconv.AppendInt(b, int64(r.Undelivered), 10)
	if r.Error != "" {
		b = appendKey(b, "error")
		b = appendStr(b, r.Error)
	}
	return appendEventEnd(b)
}

// Reopened reports a connection opened by a retry: "reconnected to ..."
// (or "connected to ..." when none had opened before) with the attempt, a
// status line as Open's; in jsonl mode an "open" event with an "attempt"
// field.
func (p *Printer) Reopened(h Handshake, attempt int, again bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.mode == JSONL {
		b := p.appendOpenFields(p.pend, h)
		b = appendKey(b, "attempt")
		b = strconv.AppendInt(b, int64(attempt), 10)
		p.writeEvent(appendEventEnd(b))
	}
	if !p.quiet {
		verb := "connected"
		if again {
			verb = "reconnected"
		}
		p.errLines(fmt.Sprintf("%s to %s (subprotocol: %s, extensions: %s) in %s (attempt %d)",
			verb, h.URL, orNone(h.Subprotocol), orNone(h.Extensions), humanDuration(h.Duration), attempt))
	}
}
