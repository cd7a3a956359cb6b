package session

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/wsx-cli/wsx/closecodes"
	"github.com/wsx-cli/wsx/format"
	"github.com/wsx-cli/wsx/internal/dial"
	"github.com/wsx-cli/wsx/internal/exit"
	"github.com/wsx-cli/wsx/internal/wstest"
	"github.com/wsx-cli/wsx/send"
)

// fakeClock never waits: After fires at once and moves the time on by the
// wait, which it records.
type fakeClock struct {
	mu    sync.Mutex
	now   time.Time
	waits []time.Duration
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 12, 2, 6, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.waits = append(c.waits, d)
	c.now = c.now.Add(d)
	ch := make(chan time.Time, 1)
	ch <- c.now
	return ch
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func (c *fakeClock) recorded() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.waits...)
}

func middle() float64 { return 0.5 } // no jitter: the doubling's own value

func plans(t *testing.T, b *reconnector, n int) []time.Duration {
	t.Helper()
	var got []time.Duration
	for i := range n {
		p, ok := b.next(0, false)
		if !ok {
			t.Fatalf("attempt %d refused", i+1)
		}
		if p.Attempt != i+1 {
			t.Fatalf("attempt %d numbered %d", i+1, p.Attempt)
		}
		got = append(got, p.Delay)
	}
	return got
}

func TestBackoffDoublesUpToTheMaximum(t *testing.T) {
	b := newReconnector(Reconnect{Delay: time.Second, Clock: newFakeClock(), Jitter: middle})
	got := plans(t, b, 8)
	want := []time.Duration{1, 2, 4, 8, 16, 30, 30, 30}
	for i := range want {
		if got[i] != want[i]*time.Second {
			t.Fatalf("waits %v, want %v seconds", got, want)
		}
	}
	// a first delay above the maximum is the maximum
	b = newReconnector(Reconnect{Delay: time.Minute, Clock: newFakeClock(), Jitter: middle})
	if got := plans(t, b, 2); got[0] != time.Minute || got[1] != time.Minute {
		t.Errorf("waits %v with --reconnect-delay 1m, want 1m each", got)
	}
}

func TestBackoffJitter(t *testing.T) {
	low := newReconnector(Reconnect{Delay: time.Second, Clock: newFakeClock(), Jitter: func() float64 { return 0 }})
	if got := plans(t, low, 2); got[0] != 800*time.Millisecond || got[1] != 1600*time.Millisecond {
		t.Errorf("lowest jitter: %v, want 800ms, 1.6s", got)
	}
	high := newReconnector(Reconnect{Delay: time.Second, Clock: newFakeClock(), Jitter: func() float64 { return 0.9999 }})
	got := plans(t, high, 7)
	if got[0] != 1200*time.Millisecond {
		t.Errorf("highest jitter: first wait %v, want 1.2s", got[0])
	}
	if got[6] != MaxDelay {
		t.Errorf("highest jitter at the cap: %v, want %v (never above it)", got[6], MaxDelay)
	}
	tiny := newReconnector(Reconnect{Delay: time.Microsecond, Clock: newFakeClock(), Jitter: func() float64 { return 0 }})
	if got := plans(t, tiny, 1); got[0] != time.Millisecond {
		t.Errorf("a wait under a millisecond is %v, want 1ms", got[0])
	}
}

func TestBackoffMaxAttempts(t *testing.T) {
	b := newReconnector(Reconnect{Delay: time.Second, Max: 3, Clock: newFakeClock(), Jitter: middle})
	plans(t, b, 3)
	if p, ok := b.next(0, false); ok {
		t.Fatalf("a fourth attempt with --reconnect-max 3: %+v", p)
	}
}

// A connection that stayed open StableAfter starts the backoff again; one
// that did not is part of the same outage.
func TestBackoffStableConnectionResets(t *testing.T) {
	clock := newFakeClock()
	b := newReconnector(Reconnect{Delay: time.Second, Max: 3, Clock: clock, Jitter: middle})
	plans(t, b, 2)
	b.open()
	clock.advance(StableAfter - time.Second)
	p, ok := b.next(0, false)
	if !ok || p.Attempt != 3 || p.Delay != 4*time.Second {
		t.Fatalf("after a short connection: %+v %v, want attempt 3 in 4s", p, ok)
	}
	b.open()
	clock.advance(StableAfter)
	p, ok = b.next(0, false)
	if !ok || p.Attempt != 1 || p.Delay != time.Second {
		t.Fatalf("after a stable connection: %+v %v, want attempt 1 in 1s", p, ok)
	}
}

func TestBackoffRetryAfter(t *testing.T) {
	for _, c := range []struct {
		first, asked, want time.Duration
	}{
		{time.Second, 2 * time.Second, 2 * time.Second}, // as asked, no jitter
		{time.Second, 0, time.Second},                   // never a busy loop: at least the first delay
		{time.Second, 5 * time.Minute, MaxDelay},        // at most the maximum
		{time.Minute, 5 * time.Minute, time.Minute},     // the maximum is the first delay when it is longer
		{100 * time.Millisecond, 1500 * time.Millisecond, 1500 * time.Millisecond},
	} {
		b := newReconnector(Reconnect{Delay: c.first, Clock: newFakeClock(), Jitter: func() float64 { return 0 }})
		p, _ := b.next(c.asked, true)
		if p.Delay != c.want || !p.HasRetryAfter || p.RetryAfter != c.asked {
			t.Errorf("first %v, Retry-After %v: %+v, want a wait of %v", c.first, c.asked, p, c.want)
		}
	}
}

func TestRetryAfterHeader(t *testing.T) {
	now := time.Date(2026, 12, 2, 6, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		headers [][2]string
		want    time.Duration
		ok      bool
	}{
		{[][2]string{{"Retry-After", "2"}}, 2 * time.Second, true},
		{[][2]string{{"Content-Type", "text/plain"}, {"retry-after", " 120 "}}, 2 * time.Minute, true},
		{[][2]string{{"Retry-After", now.Add(90 * time.Second).Format(http.TimeFormat)}}, 90 * time.Second, true},
		{[][2]string{{"Retry-After", now.Add(-time.Hour).Format(http.TimeFormat)}}, 0, true}, // a date gone by: now
		{[][2]string{{"Retry-After", "soon"}}, 0, false},
		{[][2]string{{"Retry-After", "-1"}}, 0, false},
		{nil, 0, false},
	} {
		got, ok := RetryAfter(c.headers, now)
		if got != c.want || ok != c.ok {
			t.Errorf("RetryAfter(%q) = %v, %v; want %v, %v", c.headers, got, ok, c.want, c.ok)
		}
	}
}

func TestRetryable(t *testing.T) {
	wsURL, _ := dial.New(dial.Options{URL: "ws://127.0.0.1:1/"})
	wssURL, _ := dial.New(dial.Options{URL: "wss://127.0.0.1:1/"})
	refused := func(status int, headers ...[2]string) error {
		e := exit.Errorf(exit.Upgrade, "upgrade refused: HTTP %d", status)
		e.Err = &dial.Refusal{Status: status, Headers: headers}
		return e
	}
	tried := dial.Attempt{Timings: dial.Timings{Addr: "127.0.0.1:1"}}
	for _, c := range []struct {
		name   string
		err    error
		a      dial.Attempt
		dc     *dial.Config
		opened bool
		why    string
	}{
		{"503", refused(503, [2]string{"Retry-After", "3"}), tried, wsURL, false, "refused"},
		{"429", refused(429), tried, wsURL, false, "refused"},
		{"502", refused(502), tried, wsURL, false, "refused"},
		{"504", refused(504), tried, wsURL, false, "refused"},
		{"401", refused(401), tried, wsURL, false, ""},
		{"403", refused(403), tried, wsURL, true, ""},
		{"404", refused(404), tried, wsURL, true, ""},
		{"500", refused(500), tried, wsURL, true, ""},
		{"a 101 that breaks the handshake", exit.Errorf(exit.Upgrade, "upgrade failed"), tried, wsURL, true, ""},
		{"connection refused", exit.Errorf(exit.Connect, "connection refused by 127.0.0.1:1"), tried, wsURL, false, "connect"},
		{"a name that never resolved", exit.Errorf(exit.Connect, "cannot resolve x"), dial.Attempt{}, wsURL, false, ""},
		{"a name that resolved before", exit.Errorf(exit.Connect, "cannot resolve x"), dial.Attempt{}, wsURL, true, "connect"},
		{"TLS", exit.Errorf(exit.Connect, "TLS: unknown authority"), dial.Attempt{Timings: dial.Timings{Addr: "127.0.0.1:1", TCP: time.Millisecond}}, wssURL, true, ""},
		{"lost during the upgrade over TLS", exit.Errorf(exit.Connect, "connection lost"), dial.Attempt{Timings: dial.Timings{Addr: "127.0.0.1:1", TCP: time.Millisecond, TLS: 2 * time.Millisecond}}, wssURL, true, "connect"},
		{"usage", exit.Usagef("bad"), tried, wsURL, true, ""},
		{"not ours", errors.New("what"), tried, wsURL, true, ""},
	} {
		why, status, ra, hasRA, ok := retryable(c.err, c.a, c.dc, c.opened, time.Now())
		if ok != (c.why != "") || why != c.why {
			t.Errorf("%s: retried %v (%q), want %q", c.name, ok, why, c.why)
		}
		if c.name == "503" && (status != 503 || ra != 3*time.Second || !hasRA) {
			t.Errorf("503: status %d, Retry-After %v %v; want 503, 3s", status, ra, hasRA)
		}
	}
}

func TestLiveness(t *testing.T) {
	l := newLiveness()
	t0 := time.Now()
	const timeout = 2 * time.Second
	if dead, left := l.check(t0, 0, timeout); dead || left != 0 {
		t.Fatalf("no ping yet: dead %v, left %v", dead, left)
	}
	l.pinged(t0, 5)
	l.pinged(t0.Add(time.Second), 5) // a later ping does not move the oldest one
	if dead, left := l.check(t0.Add(time.Second), 5, timeout); dead || left != time.Second {
		t.Fatalf("half way: dead %v, left %v", dead, left)
	}
	if dead, left := l.check(t0.Add(timeout), 6, timeout); dead || left != timeout {
		t.Fatalf("something moved: dead %v, left %v; want the wait started again", dead, left)
	}
	if dead, _ := l.check(t0.Add(2*timeout), 6, timeout); !dead {
		t.Fatal("a ping unanswered for the timeout with nothing moving is not dead")
	}
	l.ponged()
	if dead, left := l.check(t0.Add(time.Hour), 6, timeout); dead || left != 0 {
		t.Fatalf("after the pong: dead %v, left %v", dead, left)
	}
	select {
	case <-l.kick:
	default:
		t.Fatal("the first ping did not kick the watch")
	}
}

// events reads jsonl lines.
func events(t *testing.T, s string) []map[string]any {
	t.Helper()
	var evs []map[string]any
	for line := range strings.SplitSeq(strings.TrimSpace(s), "\n") {
		if line == "" {
			continue
		}
		var ev map[string]any
		if err := json.Unmarshal([]byte(line), &ev); err != nil {
			t.Fatalf("not JSON: %q: %v", line, err)
		}
		evs = append(evs, ev)
	}
	return evs
}

func ofKind(evs []map[string]any, kind string) []map[string]any {
	var out []map[string]any
	for _, ev := range evs {
		if ev["event"] == kind {
			out = append(out, ev)
		}
	}
	return out
}

// listenOpts are listen's session options with --reconnect on the clock.
func listenOpts(clock Clock, max int) Options {
	return Options{
		KeepOpen: true, CloseTimeout: time.Second, CloseCode: closecodes.NormalClosure,
		ExpectClose: map[closecodes.Code]bool{1000: true, 1001: true},
		Reconnect:   &Reconnect{Delay: time.Second, Max: max, Clock: clock, Jitter: middle},
	}
}

func jsonlPrinter() (*format.Printer, *wstest.SyncBuffer, *wstest.SyncBuffer) {
	stdout, stderr := wstest.NewSyncBuffer(), wstest.NewSyncBuffer()
	return format.New(stdout, stderr, format.Options{Mode: format.JSONL, Color: format.ColorNever}), stdout, stderr
}

func noSends(t *testing.T, msgs ...string) send.Source {
	t.Helper()
	a, err := send.NewArgs("--send", msgs, nil, send.Check{}, 1)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func dialConfig(t *testing.T, url string) *dial.Config {
	t.Helper()
	dc, err := dial.New(dial.Options{URL: url, ConnectTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return dc
}

// A server that is gone: each attempt is refused, the waits double, and
// after --reconnect-max attempts the last refusal is the end (exit 3).
func TestReconnectServerGone(t *testing.T) {
	clock := newFakeClock()
	out, stdout, stderr := jsonlPrinter()
	err := DialAndRun(dialConfig(t, "ws://"+wstest.ClosedAddr(t)+"/"), listenOpts(clock, 3), out, noSends(t))
	if exit.Status(err) != exit.Connect {
		t.Fatalf("exit %d (%v), want 3; stderr:\n%s", exit.Status(err), err, stderr)
	}
	evs := events(t, stdout.String())
	re := ofKind(evs, "reconnect")
	if len(re) != 3 {
		t.Fatalf("%d reconnect events, want 3:\n%s", len(re), stdout)
	}
	for i, ev := range re {
		want := map[string]any{"attempt": float64(i + 1), "max": float64(3), "delay_ms": float64(int(1000) << i), "why": "connect",
			"code": nil, "status": nil, "retry_after_ms": nil, "undelivered": float64(0)}
		for k, v := range want {
			if ev[k] != v {
				t.Errorf("reconnect %d: %s = %v, want %v", i+1, k, ev[k], v)
			}
		}
		if !strings.HasPrefix(ev["error"].(string), "connection refused by 127.0.0.1:") {
			t.Errorf("reconnect %d: error %q", i+1, ev["error"])
		}
	}
	if last := evs[len(evs)-1]; last["event"] != "error" || last["exit"] != float64(3) {
		t.Errorf("the last event is %v, want the error with exit 3", last)
	}
	if got := clock.recorded(); len(got) != 3 || got[0] != time.Second || got[1] != 2*time.Second || got[2] != 4*time.Second {
		t.Errorf("waited %v, want 1s, 2s, 4s", got)
	}
	lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
	if len(lines) != 5 || !strings.HasSuffix(lines[0], "; reconnecting in 1.00s (attempt 1 of 3)") ||
		!strings.HasSuffix(lines[2], "; reconnecting in 4.00s (attempt 3 of 3)") || !strings.HasPrefix(lines[3], "wsx: error: connection refused") {
		t.Errorf("stderr:\n%s", stderr)
	}
}

// upgrader answers the upgrades of the test servers.
var upgrader = websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}

// A server that is busy: 503 with Retry-After in seconds, then as an HTTP
// date; wsx waits as asked, then the connection opens and ends normally.
func TestReconnectRetryAfter(t *testing.T) {
	clock := newFakeClock()
	var mu sync.Mutex
	n := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		n++
		k := n
		mu.Unlock()
		switch k {
		case 1:
			w.Header().Set("Retry-After", "2")
			http.Error(w, "busy", http.StatusServiceUnavailable)
			return
		case 2: // 2s have passed on the clock: this date is 3s later
			w.Header().Set("Retry-After", clock.Now().Add(3*time.Second).Format(http.TimeFormat))
			http.Error(w, "slow down", http.StatusTooManyRequests)
			return
		}
		c, err := upgrader.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer c.Close()
		c.WriteMessage(websocket.TextMessage, []byte("hello"))
		c.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(1000, "bye"))
		c.ReadMessage() // the echo
	}))
	defer srv.Close()
	out, stdout, stderr := jsonlPrinter()
	err := DialAndRun(dialConfig(t, "ws"+strings.TrimPrefix(srv.URL, "http")), listenOpts(clock, 5), out, noSends(t))
	if err != nil {
		t.Fatalf("%v; stderr:\n%s", err, stderr)
	}
	if got := clock.recorded(); len(got) != 2 || got[0] != 2*time.Second || got[1] != 3*time.Second {
		t.Errorf("waited %v, want 2s, 3s", got)
	}
	evs := events(t, stdout.String())
	re := ofKind(evs, "reconnect")
	if len(re) != 2 || re[0]["status"] != float64(503) || re[0]["retry_after_ms"] != float64(2000) || re[0]["delay_ms"] != float64(2000) ||
		re[1]["status"] != float64(429) || re[1]["delay_ms"] != float64(3000) || re[0]["why"] != "refused" {
		t.Errorf("reconnect events:\n%s", stdout)
	}
	open := ofKind(evs, "open")
	if len(open) != 1 || open[0]["attempt"] != float64(2) {
		t.Errorf("open events: %v", open)
	}
	if msgs := ofKind(evs, "message"); len(msgs) != 1 || msgs[0]["data"] != "hello" {
		t.Errorf("messages: %v", msgs)
	}
	for _, want := range []string{
		"upgrade refused: HTTP 503 Service Unavailable; reconnecting in 2.00s, as Retry-After asks (attempt 1 of 5)\n",
		"upgrade refused: HTTP 429 Too Many Requests; reconnecting in 3.00s, as Retry-After asks (attempt 2 of 5)\n",
		"connected to ws://127.0.0.1:",
		" (attempt 2)\n",
		`closed by server: 1000 (normal closure) "bye"`,
	} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr has no %q:\n%s", want, stderr)
		}
	}
}

// A refusal that waiting does not mend is the end at once: 401 is exit 4,
// with no second attempt.
func TestReconnectNotAfter401(t *testing.T) {
	var mu sync.Mutex
	n := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		n++
		mu.Unlock()
		w.Header().Set("WWW-Authenticate", `Bearer realm="x"`)
		http.Error(w, "who are you", http.StatusUnauthorized)
	}))
	defer srv.Close()
	clock := newFakeClock()
	out, stdout, stderr := jsonlPrinter()
	err := DialAndRun(dialConfig(t, "ws"+strings.TrimPrefix(srv.URL, "http")), listenOpts(clock, 0), out, noSends(t))
	if exit.Status(err) != exit.Upgrade {
		t.Fatalf("exit %d, want 4; stderr:\n%s", exit.Status(err), stderr)
	}
	mu.Lock()
	defer mu.Unlock()
	if n != 1 || len(clock.recorded()) != 0 || strings.Contains(stdout.String(), `"reconnect"`) {
		t.Errorf("%d requests, waits %v; stdout:\n%s", n, clock.recorded(), stdout)
	}
	if !strings.Contains(stderr.String(), "wsx: error: upgrade refused: HTTP 401 Unauthorized\n") {
		t.Errorf("stderr:\n%s", stderr)
	}
}

// --count counts the messages kept on every connection, and the --send
// list goes again on each.
func TestReconnectCountAcrossConnections(t *testing.T) {
	type conn struct{ got []string }
	var mu sync.Mutex
	var conns []*conn
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := upgrader.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer c.Close()
		mu.Lock()
		me := &conn{}
		conns = append(conns, me)
		k := len(conns)
		mu.Unlock()
		// the subscription first, so that what each connection got is known
		for range 2 {
			_, m, err := c.ReadMessage()
			if err != nil {
				return
			}
			mu.Lock()
			me.got = append(me.got, string(m))
			mu.Unlock()
		}
		if k == 1 {
			c.WriteMessage(websocket.TextMessage, []byte("m1"))
			c.WriteMessage(websocket.TextMessage, []byte("m2"))
			c.NetConn().Close() // no close frame
			return
		}
		for _, m := range []string{"m3", "m4", "m5"} {
			c.WriteMessage(websocket.TextMessage, []byte(m))
		}
		for {
			if _, _, err := c.ReadMessage(); err != nil {
				return
			}
		}
	}))
	defer srv.Close()
	clock := newFakeClock()
	o := listenOpts(clock, 0)
	o.Count = 3
	out, stdout, stderr := jsonlPrinter()
	err := DialAndRun(dialConfig(t, "ws"+strings.TrimPrefix(srv.URL, "http")), o, out, noSends(t, "sub", "two"))
	if err != nil {
		t.Fatalf("%v; stderr:\n%s", err, stderr)
	}
	var in []string
	for _, ev := range ofKind(events(t, stdout.String()), "message") {
		if ev["dir"] == "in" {
			in = append(in, ev["data"].(string))
		}
	}
	if strings.Join(in, " ") != "m1 m2 m3" {
		t.Errorf("kept %v, want m1 m2 m3", in)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(conns) != 2 || strings.Join(conns[0].got, " ") != "sub two" || strings.Join(conns[1].got, " ") != "sub two" {
		for i, c := range conns {
			t.Errorf("connection %d got %v", i+1, c.got)
		}
		t.Fatalf("%d connections, want 2, each sent sub, two", len(conns))
	}
	if !strings.Contains(stderr.String(), "connection dropped: 1006 (abnormal closure), no close frame; reconnecting in 1.00s (attempt 1)\n") ||
		!strings.Contains(stderr.String(), "closed by client: 1000 (normal closure); server echoed 1000") {
		t.Errorf("stderr:\n%s", stderr)
	}
}
