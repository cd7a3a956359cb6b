package serve

import (
	"strconv"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// outbox is a connection's queue of delayed replies (ReplyDelay). The reader, or in
// Broadcast mode any sender's reader, pushes; the connection's deliver goroutine
// writes each reply when it is due. Due times only grow, so the replies go out in
// the order they were pushed.
type outbox struct {
	delay time.Duration

	mu     sync.Mutex
	items  []reply
	shut   bool          // stopped (StopAtClose) or the writer is gone: push drops
	wake   chan struct{} // capacity 1: something was pushed
	exited chan struct{} // closed when the deliver goroutine ends
}

// reply is a queued data message, or a flush's mark (done set, no data).
type reply struct {
	due  time.Time
	kind int
	data []byte
	done chan struct{}
}

func newOutbox(delay time.Duration) *outbox {
	return &outbox{delay: delay, wake: make(chan struct{}, 1), exited: make(chan struct{})}
}

// push queues a reply due ReplyDelay from now.
func (o *outbox) push(kind int, data []byte) {
	o.add(reply{kind: kind, data: data}, true)
}

// add queues r, due now plus the delay when delayed (a mark is due at once, after
// what is before it), and reports whether it was queued.
func (o *outbox) add(r reply, delayed bool) bool {
	o.mu.Lock()
	if o.shut {
		o.mu.Unlock()
		return false
	}
	if delayed {
		r.due = time.Now().Add(o.delay) // under mu: due times grow in queue order
	}
	o.items = append(o.items, r)
	o.mu.Unlock()
	select {
	case o.wake <- struct{}{}:
	default:
	}
	return true
}

// head returns the first item without taking it.
func (o *outbox) head() (reply, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.shut || len(o.items) == 0 {
		return reply{}, false
	}
	return o.items[0], true
}

// pop takes the first item; it fails once the queue is shut.
func (o *outbox) pop() (reply, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.shut || len(o.items) == 0 {
		return reply{}, false
	}
	r := o.items[0]
	o.items[0] = reply{}
	o.items = o.items[1:]
	return r, true
}

// stop shuts the queue, ends any flush waiting on it, and returns how many replies
// it dropped.
func (o *outbox) stop() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	n := 0
	for _, r := range o.items {
		if r.done != nil {
			close(r.done)
		} else {
			n++
		}
	}
	o.items, o.shut = nil, true
	return n
}

// flush waits until every reply queued so far is written, the writer is gone, or
// the server closes.
func (o *outbox) flush(quit <-chan struct{}) {
	done := make(chan struct{})
	if !o.add(reply{done: done}, false) {
		return
	}
	select {
	case <-done:
	case <-o.exited:
	case <-quit:
	}
}

// flush sends the queued replies before the connection closes or drops.
func (c *conn) flush() {
	if c.out != nil {
		c.out.flush(c.s.quit)
	}
}

// startQueue gives the connection its queue of delayed replies, and the goroutine
// that writes it, before the greetings open it to broadcasts; run stops it when
// the connection ends.
func (c *conn) startQueue() {
	o := c.s.opts
	if o.ReplyDelay > 0 && (o.Mode == Echo || o.Mode == Broadcast) {
		c.out = newOutbox(o.ReplyDelay)
		c.helpers.Add(1)
		go func() {
			defer c.helpers.Done()
			c.deliver()
		}()
	}
}

// startStream starts the ticks after the greetings, so that none goes first; run
// stops them when the connection ends.
func (c *conn) startStream() {
	if every := c.s.opts.StreamEvery; every > 0 {
		c.streaming = true
		c.helpers.Add(1)
		go func() {
			defer c.helpers.Done()
			c.stream(every)
		}()
	}
}

// deliver writes each queued reply when it is due, until the connection ends or a
// write fails; then the queue takes no more.
func (c *conn) deliver() {
	o := c.out
	defer func() {
		o.stop()
		close(o.exited)
	}()
	timer := time.NewTimer(0)
	timer.Stop() // armed by Reset for each reply that must wait
	defer timer.Stop()
	for {
		r, ok := o.head()
		if !ok {
			if !await(c, o.wake) {
				return
			}
			continue
		}
		if wait := time.Until(r.due); wait > 0 && r.done == nil {
			timer.Reset(wait)
			if !await(c, timer.C) {
				return
			}
		}
		if c.writeQueued() != nil {
			return
		}
	}
}

// writeQueued takes the first queued reply and writes it, under the write lock so
// that StopAtClose cannot come between the two.
func (c *conn) writeQueued() error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	r, ok := c.out.pop()
	switch {
	case !ok:
		return errStopped
	case r.done != nil:
		close(r.done)
		return nil
	}
	return c.writeLocked(r.kind, r.data)
}

// stream sends "tick N" every interval until the connection ends or a write fails
// (the close was answered, StopAtClose, a client gone).
func (c *conn) stream(every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for await(c, t.C) {
		if c.tick() != nil {
			return
		}
	}
}

// await waits for ch; it reports false when the connection ends or the server
// closes first.
func await[T any](c *conn, ch <-chan T) bool {
	select {
	case <-ch:
		return true
	case <-c.ended:
		return false
	case <-c.s.quit:
		return false
	}
}

func (c *conn) tick() error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	n := c.ticks.Add(1) // before the write: the client may answer a tick before the write returns
	if err := c.writeLocked(websocket.TextMessage, []byte("tick "+strconv.FormatInt(n, 10))); err != nil {
		c.ticks.Add(-1)
		return err
	}
	return nil
}
