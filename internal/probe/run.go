package probe

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/gorilla/websocket"
	"github.com/wsx-cli/wsx/closecodes"
	"github.com/wsx-cli/wsx/format"
	"github.com/wsx-cli/wsx/internal/dial"
	"github.com/wsx-cli/wsx/internal/exit"
	"github.com/wsx-cli/wsx/internal/session"
	"github.com/wsx-cli/wsx/listen"
	"github.com/wsx-cli/wsx/send"
)

// probeResult is everything one probe found.
type probeResult struct {
	URL         string
	Address     string
	TLS         *tlsInfo
	Status      string // "101 Switching Protocols"; "" when no HTTP answer came
	Subprotocol string
	Extensions  string
	Timings     probeTimings
	Close       *probeClose
	Checks      []check
	exit        int       // 3 or 4 when the upgrade failed and no --expect-status covered it
	started     time.Time // when the check being run started; see begin
}

type tlsInfo struct {
	Version, Cipher, Subject, Issuer string
	NotAfter                         time.Time
	DaysLeft                         int
}

// probeTimings are the phases, each on its own (not cumulative); zero
// means the phase did not happen.
type probeTimings struct {
	DNS, TCP, TLS, Upgrade, FirstReply, Ping time.Duration
}

type probeClose struct {
	By     string // "server" or "client"; "" for a drop
	Code   closecodes.Code
	Reason string
	Echo   bool
}

// check is one check's outcome: passed, failed, or skipped: not run,
// because an earlier check failed and left it nothing to decide (then
// Passed is false too, and the failure is what sets the exit status).
type check struct {
	Name    string
	Passed  bool
	Skipped bool
	Detail  string
	Time    time.Duration // from when the check started to when it was decided; 0 when skipped
}

// failed is true for a check that ran and did not pass.
func (c check) failed() bool { return !c.Passed && !c.Skipped }

// begin marks the start of the next check, for its time.
func (r *probeResult) begin() { r.started = time.Now() }

// add records a check decided now, timed from the last begin.
func (r *probeResult) add(name string, passed bool, format string, args ...any) {
	var took time.Duration
	if !r.started.IsZero() {
		took = time.Since(r.started)
	}
	r.Checks = append(r.Checks, check{Name: name, Passed: passed, Detail: fmt.Sprintf(format, args...), Time: took})
}

// skip records a check that was not run because the check named first
// had failed: what stops this one was reported there.
func (r *probeResult) skip(name, first string) {
	r.Checks = append(r.Checks, check{Name: name, Skipped: true, Detail: "not run: " + first + " failed first"})
}

func (r *probeResult) passed() bool {
	for _, c := range r.Checks {
		if !c.Passed {
			return false
		}
	}
	return true
}

// probeOnce connects, runs every check and closes, all within pc.Timeout;
// parent ends it early (a signal).
func probeOnce(parent context.Context, dc *dial.Config, pc *Options) *probeResult {
	res := &probeResult{URL: dc.Target.URL.String()}
	deadline := time.Now().Add(pc.Timeout)
	ctx, cancel := context.WithDeadline(parent, deadline)
	defer cancel()
	out := format.New(io.Discard, pc.Stderr, format.Options{Quiet: true, Verbose: pc.Verbose, Trace: dc.Trace, Color: pc.Color, Getenv: pc.Getenv, StderrTTY: pc.StderrTTY})
	res.begin() // the upgrade check takes the whole dial
	s, a, err := dial.Try(ctx, dc, out)
	res.fillHandshake(a, s)
	if !res.checkUpgrade(pc, s, err) {
		return res
	}
	p := &prober{res: res, s: s, pc: pc, deadline: deadline, ctx: ctx, out: out,
		in: newInbox(pc.Steps, out), pongs: make(chan time.Duration, 1)}
	defer s.WS.NetConn().Close()
	p.run()
	return res
}

// fillHandshake records what the dial saw.
func (r *probeResult) fillHandshake(a dial.Attempt, s *dial.Conn) {
	t := a.Timings
	r.Address, r.Status = t.Addr, a.Status
	r.Timings.DNS = t.DNS
	r.Timings.TCP = nonNegative(t.TCP - t.DNS)
	connected := t.TCP
	if t.TLSState != nil {
		r.Timings.TLS = nonNegative(t.TLS - t.TCP)
		connected = t.TLS
		r.TLS = newTLSInfo(t.TLSState)
	}
	if a.Code != 0 {
		r.Timings.Upgrade = nonNegative(t.Upgrade - connected)
	}
	if s != nil {
		r.Subprotocol, r.Extensions = s.Handshake.Subprotocol, s.Handshake.Extensions
	}
}

func nonNegative(d time.Duration) time.Duration { return max(d, 0) }

func newTLSInfo(st *tls.ConnectionState) *tlsInfo {
	info := &tlsInfo{Version: tls.VersionName(st.Version), Cipher: tls.CipherSuiteName(st.CipherSuite)}
	if len(st.PeerCertificates) > 0 {
		c := st.PeerCertificates[0]
		info.Subject, info.Issuer, info.NotAfter = c.Subject.String(), c.Issuer.String(), c.NotAfter
		info.DaysLeft = int(time.Until(c.NotAfter).Hours() / 24)
	}
	return info
}

// checkUpgrade runs the upgrade check; false means nothing more can run.
func (r *probeResult) checkUpgrade(pc *Options, s *dial.Conn, err error) bool {
	want := pc.ExpectStatus
	if want != 0 && want != 101 {
		if s != nil { // accepted, though a refusal was expected: close politely
			s.WS.WriteControl(websocket.CloseMessage, send.Payload(1000, true, ""), time.Now().Add(time.Second))
			s.WS.NetConn().Close()
		}
		if r.Status == "" { // no HTTP answer: no status can cover that
			r.exit = exit.Status(err)
			r.add("upgrade", false, "%s; expected HTTP %d", errText(err), want)
			return false
		}
		r.add("upgrade", strings.HasPrefix(r.Status, fmt.Sprint(want)), "HTTP %s (expected %d)", r.Status, want)
		return false
	}
	if err != nil {
		r.exit = exit.Status(err)
		r.add("upgrade", false, "%s", errText(err))
		return false
	}
	r.add("upgrade", true, "HTTP %s", r.Status)
	if p := pc.ExpectProtocol; p != "" {
		r.begin()
		got := r.Subprotocol
		if got == "" {
			got = "none"
		}
		r.add("subprotocol", got == p, "%s (expected %s)", got, p)
	}
	return true
}

// errText is an error's message on one line, with its first hint.
func errText(err error) string {
	s := strings.ReplaceAll(err.Error(), "\n  ", "; ")
	if e, ok := err.(*exit.Error); ok && len(e.Hints) > 0 {
		s += " (hint: " + e.Hints[0] + ")"
	}
	return s
}

// prober runs the checks after the upgrade.
type prober struct {
	res      *probeResult
	s        *dial.Conn
	pc       *Options
	deadline time.Time
	reader   *listen.Reader
	writer   *send.Writer
	closer   *send.Closer
	out      *format.Printer // -v's lines: the replies no expect matched
	in       *inbox
	pongs    chan time.Duration
	readDone chan listen.Result
	ended    *listen.Result
	ctx      context.Context // done at the deadline, or when a signal stops the probe

	// first names the step that failed first: the steps after it are not
	// run, as one failure leaves the rest of a conversation meaningless.
	first string
	// blamed names, for each cause, the first check that failed of it. A
	// later check that cannot run for the same cause is skipped: one
	// failure is reported once, not again by every check after it.
	blamed [causes]string
	// prev is the kind of the step that ran last, and talked says whether
	// a send or an expect has run: they decide what a send fences off.
	prev   StepKind
	talked bool
	// early holds the replies the last fence dropped, and fencedBy the send
	// that dropped them, to say so when a later expect finds no match.
	early    [][]byte
	fencedBy string
	// closeCode and closeReason are what wsx closes with: 1000 and none,
	// unless a close step said otherwise.
	closeCode   closecodes.Code
	closeReason string
}

// cause is why a check could not be decided.
type cause int

const (
	outOfTime cause = iota // --timeout had passed
	connEnded              // the connection had ended
	causes
)

// fail records a failed check that cause decided.
func (p *prober) fail(c cause, name, format string, args ...any) {
	if p.blamed[c] == "" {
		p.blamed[c] = name
	}
	p.res.add(name, false, format, args...)
}

// cannotRun records a check that cause kept from running: skipped when an
// earlier check failed of that cause, failed (with format) when none did.
func (p *prober) cannotRun(c cause, name, format string, args ...any) {
	if first := p.blamed[c]; first != "" {
		p.res.skip(name, first)
		return
	}
	p.fail(c, name, format, args...)
}

func (p *prober) run() {
	p.closer = send.NewCloser(p.s.WS, time.Until(p.deadline))
	p.writer = send.NewWriter(p.s.WS)
	p.closeCode = closecodes.NormalClosure
	p.reader = listen.NewReader(p.s.WS, p.s.Tap, format.New(io.Discard, io.Discard, format.Options{}), listen.Options{
		OnMessage: func(_ bool, data []byte) { p.in.put(data) },
		OnPong: func(_ string, rtt time.Duration) {
			select {
			case p.pongs <- rtt:
			default:
			}
		},
	})
	p.s.WS.SetCloseHandler(session.AnswerClose(p.s.Tap, p.closer))
	p.readDone = make(chan listen.Result, 1)
	go func() { p.readDone <- p.reader.Run() }()
	p.runSteps()
	p.checkClose()
	p.res.Timings.FirstReply = p.in.firstReply()
}

// next waits for the next reply an expect may take; false when the time is
// up, or the connection ended and every reply that came before the end was
// taken.
func (p *prober) next() ([]byte, bool) {
	for {
		if p.ctx.Err() != nil {
			return nil, false
		}
		if data, ok := p.in.take(); ok {
			return data, true
		}
		if p.ended != nil { // the reader hands each reply over before it reads on: all are in
			return nil, false
		}
		select {
		case <-p.in.wake:
		case res := <-p.readDone:
			p.ended = &res
		case <-p.ctx.Done():
		}
	}
}

// isEnded reports whether the connection has ended, without waiting.
func (p *prober) isEnded() bool {
	if p.ended == nil {
		select {
		case res := <-p.readDone:
			p.ended = &res
		default:
		}
	}
	return p.ended != nil
}

// why says what ended the wait for a reply.
func (p *prober) why() string {
	if p.ended != nil {
		return "before the connection ended"
	}
	return fmt.Sprintf("within --timeout %v", p.pc.Timeout)
}

// gotText sums up the replies received so far, all of them, whether or not
// an expect could still take them: what came is what the reader needs to
// see why none matched.
func (p *prober) gotText() string {
	n, recent := p.in.seen()
	if n == 0 {
		return "no replies"
	}
	q := make([]string, 0, len(recent))
	for _, s := range recent {
		q = append(q, quote(s))
	}
	switch {
	case n == 1:
		return "got 1 reply: " + q[0]
	case n <= len(recent):
		return fmt.Sprintf("got %d replies: %s", n, strings.Join(q, ", "))
	}
	return fmt.Sprintf("got %d replies, the last %d: %s", n, len(q), strings.Join(q, ", "))
}

// quote shows a reply in a check line, cut to 80 bytes, as it is when it is
// plain text and Go-quoted otherwise.
func quote(data []byte) string {
	cut := ""
	if len(data) > 80 {
		data, cut = data[:80], "..."
	}
	s := string(data)
	if !utf8.ValidString(s) || strings.ContainsFunc(s, unicode.IsControl) {
		s = strconv.Quote(s)
	}
	return s + cut
}

// late reports, as check name, that the probe's time is up: skipped when
// an earlier check failed of it, failed otherwise.
func (p *prober) late(name string) bool {
	if time.Now().Before(p.deadline) {
		return false
	}
	p.cannotRun(outOfTime, name, "not decided: --timeout %v had passed", p.pc.Timeout)
	return true
}

// checkServerClose waits for the server to close with the expected code.
func (p *prober) checkServerClose(want closecodes.Code) {
	p.res.begin()
	if p.ended == nil && p.late("close code") {
		return
	}
	if p.ended == nil {
		select {
		case res := <-p.readDone:
			p.ended = &res
		case <-p.ctx.Done():
			p.fail(outOfTime, "close code", "the server had not closed when the timeout passed (expected %s)", want)
			return
		}
	}
	c := p.serverClose()
	switch {
	case c == nil:
		p.res.Close = &probeClose{Code: closecodes.AbnormalClosure}
		p.res.add("close code", false, "the connection dropped without a close frame (expected %s)", want)
	default:
		p.res.add("close code", c.Code == want, "%s (expected %s)", closeText(c), want)
	}
}

// serverClose describes the server's close frame, once the reader ended.
func (p *prober) serverClose() *probeClose {
	f := p.ended.Frame
	if f == nil {
		return nil
	}
	c := &probeClose{By: "server", Code: closecodes.NoStatusReceived, Reason: string(f.Reason)}
	if f.HasCode {
		c.Code = closecodes.Code(f.Code)
	}
	return c
}

func closeText(c *probeClose) string {
	if c.By == "" {
		return "connection dropped: " + c.Code.String() + ", no close frame"
	}
	s := "closed by " + c.By + ": " + c.Code.String()
	if c.Reason != "" {
		s += fmt.Sprintf(" %q", c.Reason)
	}
	return s
}

// checkClose completes the closing handshake: wsx closes (with 1000, or
// what a close step says) unless the server already closed, and the
// handshake must finish in time.
func (p *prober) checkClose() {
	p.res.begin()
	if p.ended == nil && p.s.Tap.CloseFrame() != nil {
		p.awaitEnd() // the server's close is in: let the reader answer it
	}
	if p.ended != nil {
		p.closedByServer()
		return
	}
	ours := &probeClose{By: "client", Code: p.closeCode, Reason: p.closeReason}
	p.closer.Close(uint16(p.closeCode), p.closeReason)
	if p.late("close") {
		return
	}
	t := time.NewTimer(3 * time.Second)
	defer t.Stop()
	select {
	case res := <-p.readDone:
		p.ended = &res
	case <-t.C:
		p.s.WS.NetConn().Close()
		p.res.Close = ours
		p.res.add("close", false, "no close echo from the server")
		return
	case <-p.ctx.Done():
		p.s.WS.NetConn().Close()
		p.res.Close = ours
		p.fail(outOfTime, "close", "no close echo from the server")
		return
	}
	if p.ended.Frame == nil && dial.IsDrop(p.ended.Err) {
		p.res.Close = &probeClose{Code: closecodes.AbnormalClosure}
		p.res.add("close", false, "the connection dropped without a close frame (1006)")
		return
	}
	ours.Echo = p.ended.Frame != nil
	p.res.Close = ours
	if sc := p.serverClose(); sc != nil && sc.Code != ours.Code {
		p.res.Close = sc // the server closed on its own, crossing ours
		p.judgeServerClose(sc)
		return
	}
	echo := "no close echo from the server"
	if ours.Echo {
		echo = fmt.Sprintf("server echoed %d", int(ours.Code))
	}
	p.res.add("close", ours.Echo, "%s; %s", closeText(ours), echo)
}

// awaitEnd waits, within the deadline, for the reader to end.
func (p *prober) awaitEnd() {
	select {
	case res := <-p.readDone:
		p.ended = &res
	case <-p.ctx.Done():
	}
}

// closedByServer judges a close the server started: it passes when it is
// normal (1000, 1001) or the --expect-close code, and the close frame
// broke no rule.
func (p *prober) closedByServer() {
	c := p.serverClose()
	if c == nil {
		p.res.Close = &probeClose{Code: closecodes.AbnormalClosure}
		p.res.add("close", false, "the connection dropped without a close frame (1006)")
		return
	}
	p.res.Close = c
	p.judgeServerClose(c)
}

// judgeServerClose decides the close check on the server's close frame c:
// it passes for 1000, 1001 and the --expect-close code, when the frame
// broke no rule.
func (p *prober) judgeServerClose(c *probeClose) {
	want := p.pc.ExpectClose
	ok := c.Code == closecodes.NormalClosure || c.Code == closecodes.GoingAway || (want != nil && c.Code == *want)
	switch {
	case ok || want == nil:
		p.res.add("close", ok && p.ended.Frame.Violation() == "", "%s", closeText(c))
	default:
		p.res.add("close", false, "%s (expected %s)", closeText(c), normalOr(*want))
	}
}

// normalOr names the codes a server's close may have with --expect-close
// want: 1000, 1001 and want.
func normalOr(want closecodes.Code) string {
	if want == closecodes.NormalClosure || want == closecodes.GoingAway {
		return "1000 or 1001"
	}
	return "1000, 1001 or " + want.String()
}

// roundDuration keeps durations readable in reports.
func roundDuration(d time.Duration) time.Duration {
	switch {
	case d >= time.Second:
		return d.Round(10 * time.Millisecond)
	case d >= time.Millisecond:
		return d.Round(10 * time.Microsecond)
	}
	return d.Round(time.Microsecond)
}
