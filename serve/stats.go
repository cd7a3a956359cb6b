package serve

import (
	"fmt"
	"strconv"
	"strings"
)

// Stats sum up one connection once it has ended.
type Stats struct {
	ID          int    // 1, 2, ... in accept order
	Subprotocol string // the one the server answered with; "" for none
	Messages    int    // data messages received
	Bytes       int64  // payload bytes received
	CloseCode   int    // the code on the summary line: see ClosedBy
	CloseReason string // the reason on the summary line
	// ClosedBy is "client" (its close frame's code, 1005 when it had none, or 1006
	// when the connection was lost), "server" (the code the server sent, 1005 for an
	// empty close frame) or "drop" (1006: DropAfter, or Close shutting down).
	ClosedBy string
	InOrder  bool // every text message that parses as a decimal integer was previous+1
	// Dropped counts the replies still queued (ReplyDelay) when the client's close
	// frame was read and StopAtClose dropped them.
	Dropped int
	// Ticks counts the "tick N" messages sent (StreamEvery) when the summary line
	// was logged; with NoCloseEcho that is at the client's close, and more may follow.
	Ticks int
}

// orderCheck follows the integers in text messages, as `seq 1 N` produces them.
type orderCheck struct {
	started bool
	last    int64
	broken  bool
}

func (o *orderCheck) see(text string) {
	n, err := strconv.ParseInt(text, 10, 64)
	if err != nil {
		return
	}
	if o.started && n != o.last+1 {
		o.broken = true
	}
	o.started, o.last = true, n
}

// tally is the end of a summary line: what was received, and whether in order;
// then, when they apply, the replies StopAtClose dropped and the ticks sent.
func (c *conn) tally() string {
	order := "in order"
	if !c.stats.InOrder {
		order = "out of order"
	}
	t := fmt.Sprintf("received %s, %s, %s",
		count(int64(c.stats.Messages), "message"), count(c.stats.Bytes, "byte"), order)
	if c.stopped {
		t += fmt.Sprintf("; %s dropped at the close", count(int64(c.stats.Dropped), "reply"))
	}
	if c.streaming {
		t += "; sent " + count(int64(c.stats.Ticks), "tick")
		if c.closeSeen && !c.closeSent && !c.stopped && c.s.opts.NoCloseEcho {
			t += " so far" // the close is not answered: the feed goes on
		}
	}
	return t
}

// closeEvent words a close: `closed by client: 1000 "reason"`; no reason when empty.
func closeEvent(who string, code int, reason string) string {
	if reason == "" {
		return fmt.Sprintf("%s: %d", who, code)
	}
	return fmt.Sprintf("%s: %d %q", who, code, reason)
}

func count(n int64, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	if u, ok := strings.CutSuffix(unit, "y"); ok {
		return fmt.Sprintf("%d %sies", n, u)
	}
	return fmt.Sprintf("%d %ss", n, unit)
}
