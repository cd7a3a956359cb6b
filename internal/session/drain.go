package session

import (
	"errors"
	"time"

	"github.com/wsx-cli/wsx/internal/wire"
)

// WaitAuto is Options.Wait when --wait was not given: after the input ends,
// wsx closes once the server has taken everything and gone quiet (drain).
const WaitAuto time.Duration = -1

// quietFloor is the shortest quiet window: on loopback a reply takes well
// under a millisecond, but a server may take a few to compute it.
const quietFloor = 100 * time.Millisecond

// quietRounds is the quiet window in handshakes: the opening handshake
// (DNS, TCP, TLS, the upgrade) takes a few round trips, so twice it is
// several round trips, however far away the server is.
const quietRounds = 2

// quietWindow is how long the server must have sent nothing before wsx
// closes after the input ended: twice the opening handshake, at least
// quietFloor, at most limit (--close-timeout).
func quietWindow(handshake, limit time.Duration) time.Duration {
	q := max(quietRounds*handshake, quietFloor)
	if limit > 0 {
		q = min(q, limit)
	}
	return q
}

// errStalled ends a session whose server stopped taking data.
var errStalled = errors.New("the server stopped reading")

// drain decides when a session whose input has ended may send its close
// frame, as the browser's advice to look at bufferedAmount before closing
// has it. Two phases, both watched by polling counters:
//
//  1. delivery: while bytes wsx wrote are still in its buffer or the
//     kernel's send queue, wait; while that queue shrinks, the server is
//     taking data and wsx waits on (within --timeout). When it has not
//     shrunk for --close-timeout, the server stopped reading (errStalled).
//  2. quiet: once everything is delivered, wait until the server has sent
//     nothing for the quiet window, because many servers (Python
//     websockets, websocketd) stop sending once they read a close frame and
//     would cut their replies; replies still arriving keep the session
//     open. A server that never goes quiet (a feed) ends the wait
//     --close-timeout after the delivery.
type drain struct {
	co    *wire.Coalescer // nil: nothing of wsx's to count
	tap   *wire.Tap
	quiet time.Duration
	limit time.Duration // --close-timeout

	queued    int64     // undelivered bytes when last looked at
	moved     time.Time // when the queue last shrank (or the drain began)
	delivered time.Time // when everything was delivered; zero before
	heard     int64     // bytes read from the server when last looked at
	heardAt   time.Time // when they last grew (or the drain began)
	stalled   wire.Undelivered
}

func newDrain(co *wire.Coalescer, tap *wire.Tap, quiet, limit time.Duration, now time.Time) *drain {
	return &drain{co: co, tap: tap, quiet: quiet, limit: limit, moved: now, heardAt: now, heard: tap.BytesRead(), queued: -1}
}

// tick is how often the drain looks at its counters.
func (d *drain) tick() time.Duration {
	return min(max(d.quiet/4, 5*time.Millisecond), 250*time.Millisecond)
}

// check looks at the counters at now: done when wsx may close; err is
// errStalled when the server stopped taking data (d.stalled says what it
// did not take).
func (d *drain) check(now time.Time) (done bool, err error) {
	if d.delivered.IsZero() {
		u := wire.Undelivered{}
		if d.co != nil {
			u = d.co.Undelivered()
		}
		switch {
		case u.Bytes == 0:
			d.delivered, d.heardAt = now, now // the quiet window counts from the delivery
		case d.queued < 0 || u.Bytes < d.queued:
			d.queued, d.moved = u.Bytes, now
			return false, nil
		case d.limit > 0 && now.Sub(d.moved) >= d.limit:
			d.stalled = u
			return false, errStalled
		default:
			return false, nil
		}
	}
	if n := d.tap.BytesRead(); n != d.heard {
		d.heard, d.heardAt = n, now
	}
	return now.Sub(d.heardAt) >= d.quiet || (d.limit > 0 && now.Sub(d.delivered) >= d.limit), nil
}
