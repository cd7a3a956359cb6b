package probe

import (
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/gorilla/websocket"
	"github.com/wsx-cli/wsx/closecodes"
	"github.com/wsx-cli/wsx/format"
	"github.com/wsx-cli/wsx/send"
)

// StepKind is what a step of the conversation does.
type StepKind int

// The steps, as --send, --expect, --ping, --wait, --close and
// --expect-close give them, or the lines of a --steps file.
const (
	StepSend        StepKind = iota // write Message
	StepExpect                      // wait for a reply that matches Expect
	StepPing                        // ping, and wait for the pong
	StepWait                        // let Wait pass, the connection open
	StepClose                       // close with Code and Reason: the close check
	StepExpectClose                 // wait for the server to close with Code
)

// Step is one step of the conversation. Each is a check, run in the order
// given; the first that fails ends the conversation.
type Step struct {
	Kind    StepKind
	Message send.Message    // StepSend
	Expect  Expectation     // StepExpect
	Wait    time.Duration   // StepWait
	Code    closecodes.Code // StepClose, StepExpectClose
	Reason  string          // StepClose
}

// stepNames names the checks of steps, so that the report shows their
// order: "send 1", "reply 1", "send 2", ...; a ping or a wait that comes
// once is "ping" or "wait", else "ping 1", "ping 2"; "close code" waits for
// the server's close, and "close" is wsx's own, the check that ends every
// probe.
func stepNames(steps []Step) []string {
	total := map[StepKind]int{}
	for _, st := range steps {
		total[st.Kind]++
	}
	seen := map[StepKind]int{}
	names := make([]string, len(steps))
	for i, st := range steps {
		seen[st.Kind]++
		n := seen[st.Kind]
		switch st.Kind {
		case StepSend:
			names[i] = fmt.Sprintf("send %d", n)
		case StepExpect:
			names[i] = fmt.Sprintf("reply %d", n)
		case StepPing, StepWait:
			names[i] = map[StepKind]string{StepPing: "ping", StepWait: "wait"}[st.Kind]
			if total[st.Kind] > 1 {
				names[i] += fmt.Sprintf(" %d", n)
			}
		case StepClose:
			names[i] = "close"
		case StepExpectClose:
			names[i] = "close code"
		}
	}
	return names
}

// runSteps runs the conversation, each step a check. After the first step
// that fails, the others are not run: each depends on what came before.
// A close step only sets how wsx closes: the close check that follows is
// that step.
func (p *prober) runSteps() {
	names := stepNames(p.pc.Steps)
	lastExpect := -1
	for i, st := range p.pc.Steps {
		if st.Kind == StepExpect {
			lastExpect = i
		}
	}
	p.in.begin()
	for i, st := range p.pc.Steps {
		name := names[i]
		if st.Kind == StepClose {
			p.closeCode, p.closeReason = st.Code, st.Reason
			continue
		}
		if p.first != "" {
			p.res.skip(name, p.first)
			continue
		}
		p.res.begin()
		switch st.Kind {
		case StepSend:
			p.send(name, st.Message)
		case StepExpect:
			p.expect(name, st.Expect)
		case StepPing:
			p.ping(name)
		case StepWait:
			p.wait(name, st.Wait)
		case StepExpectClose:
			p.checkServerClose(st.Code)
		}
		// Before the first failure no step is skipped for an earlier one's
		// cause: only the checks outside the steps ran, and they blame none.
		if c := p.res.Checks[len(p.res.Checks)-1]; c.failed() {
			p.first = c.Name
		}
		p.prev, p.talked = st.Kind, p.talked || st.Kind == StepSend || st.Kind == StepExpect
		if i == lastExpect {
			p.in.stopKeeping()
		}
	}
	p.in.stopKeeping()
}

// send writes one message; it fences off, first, the replies that came
// before it.
func (p *prober) send(name string, m send.Message) {
	if p.late(name) {
		return
	}
	if p.isEnded() {
		p.fail(connEnded, name, "the connection had ended")
		return
	}
	p.fence(name)
	p.writer.SetWriteDeadline(p.deadline) // a server that stops reading cannot outlast --timeout
	defer p.writer.SetWriteDeadline(time.Time{})
	if err := p.writer.Write(m); err != nil {
		c := connEnded
		if errors.Is(err, os.ErrDeadlineExceeded) {
			c = outOfTime
		}
		p.fail(c, name, "%v", err)
		return
	}
	p.res.add(name, true, "%s", sentText(m))
}

// sentText shows a message sent: as a reply is shown, or, for a file too
// big to hold, its name and size.
func sentText(m send.Message) string {
	if m.File != "" {
		return fmt.Sprintf("%d bytes from %s", m.Size, m.File)
	}
	return quote(m.Data)
}

// fence drops the replies no expect has taken, before a send: an expect
// after the send looks only at what came after it, so that a reply which
// came before the message it answers cannot pass for its answer. Two cases
// fence nothing. Sends in a row are one step: an expect after them takes
// the replies to any of them. And the first send, when no expect came
// before it, keeps what came before it: a greeting the server sends
// unasked may come before or after the first send, and must be there for
// the first expect either way, or whether it is would be a race. Pings and
// waits are answered by no message, so they fence nothing either.
func (p *prober) fence(name string) {
	if !p.talked || p.prev == StepSend {
		return
	}
	p.early, p.fencedBy = p.in.takeAll(), name
	for _, data := range p.early {
		p.out.Verbose("reply not matched: %s (it came before %s)", quote(data), name)
	}
}

// expect takes replies until one matches e; the others are not matched by
// any expect, and -v lists them.
func (p *prober) expect(name string, e Expectation) {
	for {
		data, ok := p.next()
		if !ok {
			c := outOfTime
			if p.ended != nil {
				c = connEnded
			}
			p.fail(c, name, "no reply matched %s %s (%s%s)", e.text, p.why(), p.gotText(), p.earlyText(e))
			return
		}
		if e.match(data) {
			p.res.add(name, true, "%s matched %s", quote(data), e.text)
			return
		}
		p.out.Verbose("reply not matched: %s (%s waits for %s)", quote(data), name, e.text)
	}
}

// earlyText names a reply that would have matched e but came before the
// send that fenced it off: the likely cause of the failure.
func (p *prober) earlyText(e Expectation) string {
	for i := len(p.early) - 1; i >= 0; i-- {
		if e.match(p.early[i]) {
			return fmt.Sprintf("; %s matched, but came before %s", quote(p.early[i]), p.fencedBy)
		}
	}
	return ""
}

// ping sends a ping and waits for its pong.
func (p *prober) ping(name string) {
	if p.late(name) {
		return
	}
	if p.isEnded() {
		p.cannotRun(connEnded, name, "the connection had ended")
		return
	}
	select { // a pong nobody asked for must not answer this ping
	case <-p.pongs:
	default:
	}
	if err := p.reader.Ping(nil); err != nil {
		if p.isEnded() || errors.Is(err, websocket.ErrCloseSent) {
			p.cannotRun(connEnded, name, "the connection had ended")
			return
		}
		p.res.add(name, false, "%v", err)
		return
	}
	pong := func(rtt time.Duration) {
		if p.res.Timings.Ping == 0 {
			p.res.Timings.Ping = rtt
		}
		p.res.add(name, true, "pong in %v", roundDuration(rtt))
	}
	select {
	case rtt := <-p.pongs:
		pong(rtt)
	case res := <-p.readDone:
		p.ended = &res
		select { // the pong may have come just before the end: select picks at random
		case rtt := <-p.pongs:
			pong(rtt)
		default:
			p.fail(connEnded, name, "the connection ended before the pong")
		}
	case <-p.ctx.Done():
		p.fail(outOfTime, name, "no pong within the timeout")
	}
}

// wait lets d pass with the connection open; replies that come meanwhile
// wait for the expects after it. The connection ending meanwhile fails it:
// nothing after it could run.
func (p *prober) wait(name string, d time.Duration) {
	if p.late(name) {
		return
	}
	if p.isEnded() {
		p.fail(connEnded, name, "the connection had ended")
		return
	}
	start := time.Now()
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		p.res.add(name, true, "waited %v", d)
	case res := <-p.readDone:
		p.ended = &res
		p.fail(connEnded, name, "the connection ended %v into the %v wait", roundDuration(time.Since(start)), d)
	case <-p.ctx.Done():
		p.fail(outOfTime, name, "--timeout %v passed %v into the %v wait", p.pc.Timeout, roundDuration(time.Since(start)), d)
	}
}

// inbox holds the replies the reader hands over until an expect takes them,
// and counts every reply, for the failures' details. Once no expect is left
// it holds none: -v lists them as they come.
type inbox struct {
	out  *format.Printer
	wake chan struct{} // capacity 1: a reply was put

	mu      sync.Mutex
	queue   [][]byte
	keep    bool   // an expect is still to run
	left    string // why a reply that is not kept matched nothing, for -v
	n       int
	recent  [][]byte // the last 3
	start   time.Time
	firstAt time.Time // when the first reply came; zero when none did
}

func newInbox(steps []Step, out *format.Printer) *inbox {
	in := &inbox{out: out, wake: make(chan struct{}, 1), left: "no expect"}
	for _, st := range steps {
		in.keep = in.keep || st.Kind == StepExpect
	}
	return in
}

// begin marks the start of the steps, for the first reply's time.
func (in *inbox) begin() {
	in.mu.Lock()
	defer in.mu.Unlock()
	in.start = time.Now()
}

// put takes a reply from the reader.
func (in *inbox) put(data []byte) {
	in.mu.Lock()
	if in.firstAt.IsZero() {
		in.firstAt = time.Now()
	}
	in.n++
	in.recent = append(in.recent, data)
	if len(in.recent) > 3 {
		in.recent = in.recent[1:]
	}
	keep, left := in.keep, in.left
	if keep {
		in.queue = append(in.queue, data)
	}
	in.mu.Unlock()
	if !keep {
		in.out.Verbose("reply not matched: %s (%s)", quote(data), left)
		return
	}
	select {
	case in.wake <- struct{}{}:
	default:
	}
}

// take returns the oldest reply held.
func (in *inbox) take() ([]byte, bool) {
	in.mu.Lock()
	defer in.mu.Unlock()
	if len(in.queue) == 0 {
		return nil, false
	}
	data := in.queue[0]
	in.queue[0] = nil
	in.queue = in.queue[1:]
	return data, true
}

// takeAll returns every reply held.
func (in *inbox) takeAll() [][]byte {
	in.mu.Lock()
	defer in.mu.Unlock()
	q := in.queue
	in.queue = nil
	return q
}

// stopKeeping drops the replies held, listing them with -v, and holds no
// more: no expect is left to take them.
func (in *inbox) stopKeeping() {
	in.mu.Lock()
	q := in.queue
	if in.keep {
		in.left = "after the last expect"
	}
	in.queue, in.keep = nil, false
	left := in.left
	in.mu.Unlock()
	for _, data := range q {
		in.out.Verbose("reply not matched: %s (%s)", quote(data), left)
	}
}

// firstReply is how long after the start of the steps the first reply
// came; 0 when none did.
func (in *inbox) firstReply() time.Duration {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.firstAt.IsZero() {
		return 0
	}
	return in.firstAt.Sub(in.start)
}

// seen is how many replies came, and the last 3 of them.
func (in *inbox) seen() (int, [][]byte) {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.n, append([][]byte(nil), in.recent...)
}
