package format

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/wsx-cli/wsx/closecodes"
)

// Close describes how a connection ended.
type Close struct {
	By        string // "server", "client" (wsx), or "" when the connection dropped without a close frame
	Code      closecodes.Code
	HasCode   bool   // false: the close frame carried no code (reported as 1005 no status received)
	Reason    []byte // raw reason bytes as received (may be invalid UTF-8)
	Echo      bool   // for By=="client": whether the server's close echo arrived
	EchoCode  closecodes.Code
	Unsent    int    // messages read from input but not sent because the server closed
	Violation string // non-empty: why the close frame broke the protocol
	// Queued, for By=="client", is how many bytes wsx had written that the
	// server had not yet taken when wsx sent its close frame; nil when not
	// known.
	Queued *int64
	// Unawaited, for By=="client": the close frame went out after a read
	// error (gorilla sent it), when no echo can be read any more: the line
	// says nothing of an echo.
	Unawaited bool
}

// code is the code to report: 1006 for a drop, 1005 for a frame without one.
func (c Close) code() closecodes.Code {
	switch {
	case c.By == "":
		return closecodes.AbnormalClosure
	case !c.HasCode:
		return closecodes.NoStatusReceived
	default:
		return c.Code
	}
}

// Closed reports the end of the connection in one stderr line, such as
// `closed by server: 4001 (private use) "token expired"`. Quiet suppresses
// the line unless the close was abnormal, broke the protocol or left input
// unsent. In jsonl mode it also writes a "close" event on stdout.
func (p *Printer) Closed(c Close, abnormal bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.mode == JSONL {
		p.writeEvent(p.appendCloseEvent(p.pend, c))
	}
	if !p.quiet || abnormal || c.Unsent > 0 || c.Violation != "" {
		p.errLines(p.closeLine(c, abnormal))
	}
}

// closeLine builds the stderr line for Closed.
func (p *Printer) closeLine(c Close, abnormal bool) string {
	head, paintCode := "closed by "+c.By+":", p.paint.Good
	if c.By == "" {
		head = "connection dropped:"
	}
	if abnormal || c.Violation != "" || c.By == "" {
		paintCode = p.paint.Bad
	}
	var s strings.Builder
	s.WriteString(p.paint.Bold(head) + " " + paintCode(c.code().String()))
	s.WriteString(reasonText(c.Reason))
	if c.By == "" {
		s.WriteString(", no close frame")
	}
	if c.Violation != "" {
		s.WriteString(": protocol violation: " + c.Violation)
	}
	s.WriteString(echoText(c))
	if c.Unsent > 0 {
		s.WriteString("; " + plural(c.Unsent, "message") + " not sent")
	}
	return s.String()
}

// reasonText is ` "reason"` (Go-quoted), with " (invalid UTF-8)" when the
// reason is not UTF-8, or "" for no reason.
func reasonText(reason []byte) string {
	if len(reason) == 0 {
		return ""
	}
	s := " " + strconv.Quote(string(reason))
	if !utf8.Valid(reason) {
		s += " (invalid UTF-8)"
	}
	return s
}

// echoText says whether the server echoed a close that wsx started; the
// echoed code is named when it differs from the one sent.
func echoText(c Close) string {
	switch {
	case c.By != "client" || c.Unawaited:
		return ""
	case !c.Echo:
		return "; no close echo from server"
	case c.EchoCode == c.code():
		return "; server echoed " + strconv.Itoa(int(c.EchoCode))
	default:
		return "; server echoed " + c.EchoCode.String()
	}
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}

// appendCloseEvent adds a "close" event.
func (p *Printer) appendCloseEvent(b []byte, c Close) []byte {
	b = p.appendEventHead(b, "close")
	b = appendKey(b, "by")
	b = appendStrOrNull(b, c.By)
	b = appendKey(b, "code")
	b = strconv.AppendUint(b, uint64(c.code()), 10)
	b = appendKey(b, "name")
	b = appendStr(b, c.code().Slug())
	b = appendKey(b, "reason")
	b = appendString(b, c.Reason)
	if c.By == "client" && !c.Unawaited {
		b = appendKey(b, "echo")
		b = strconv.AppendBool(b, c.Echo)
		if c.Echo {
			b = appendKey(b, "echo_code")
			b = strconv.AppendUint(b, uint64(c.EchoCode), 10)
		}
	}
	if c.Unsent > 0 {
		b = appendKey(b, "unsent")
		b = strconv.AppendInt(b, int64(c.Unsent), 10)
	}
	if c.Violation != "" {
		b = appendKey(b, "violation")
		b = appendStr(b, c.Violation)
	}
	if c.By == "client" && c.Queued != nil {
		b = appendKey(b, "queued")
		b = strconv.AppendInt(b, *c.Queued, 10)
	}
	return appendEventEnd(b)
}
