package format

import (
	"strings"
	"testing"
	"time"
)

// Reconnecting writes one stderr line, even with -q: the close line or the
// error, what may not have arrived, and the wait; in jsonl the close event
// and then the reconnect event, with every field.
func TestReconnecting(t *testing.T) {
	t.Parallel()
	drop := &Close{Code: 1006, HasCode: true}
	for _, c := range []struct {
		name string
		r    Reconnect
		c    *Close
		line string
		ev   string
	}{
		{"drop", Reconnect{Attempt: 2, Max: 5, Delay: 1234 * time.Millisecond, Why: "drop", Code: 1006, Undelivered: 3}, drop,
			"connection dropped: 1006 (abnormal closure), no close frame; 3 messages may not have arrived; reconnecting in 1.23s (attempt 2 of 5)",
			`{"time":"2024-05-06T07:08:09.123Z","event":"reconnect","attempt":2,"max":5,"delay_ms":1234,"retry_after_ms":null,"why":"drop","code":1006,"status":null,"undelivered":3}`},
		{"close, no limit", Reconnect{Attempt: 1, Delay: time.Second, Why: "close", Code: 1012}, &Close{By: "server", Code: 1012, HasCode: true, Reason: []byte("restart")},
			`closed by server: 1012 (service restart) "restart"; reconnecting in 1.00s (attempt 1)`,
			`{"time":"2024-05-06T07:08:09.123Z","event":"reconnect","attempt":1,"max":null,"delay_ms":1000,"retry_after_ms":null,"why":"close","code":1012,"status":null,"undelivered":0}`},
		{"refused, as asked", Reconnect{Attempt: 1, Max: 3, Delay: 2 * time.Second, RetryAfter: 2 * time.Second, HasRetryAfter: true, Why: "refused", Status: 503,
			Error: "upgrade refused: HTTP 503 Service Unavailable\n  Retry-After: 2\n  body: busy"}, nil,
			"upgrade refused: HTTP 503 Service Unavailable; reconnecting in 2.00s, as Retry-After asks (attempt 1 of 3)",
			`{"time":"2024-05-06T07:08:09.123Z","event":"reconnect","attempt":1,"max":3,"delay_ms":2000,"retry_after_ms":2000,"why":"refused","code":null,"status":503,"undelivered":0,"error":"upgrade refused: HTTP 503 Service Unavailable\n  Retry-After: 2\n  body: busy"}`},
		{"refused, capped", Reconnect{Attempt: 1, Delay: 30 * time.Second, RetryAfter: 2 * time.Minute, HasRetryAfter: true, Why: "refused", Status: 429, Error: "upgrade refused: HTTP 429 Too Many Requests"}, nil,
			"upgrade refused: HTTP 429 Too Many Requests; reconnecting in 30.00s, the longest wait (Retry-After asks 2m0s) (attempt 1)", ""},
		{"refused, raised", Reconnect{Attempt: 1, Delay: time.Second, HasRetryAfter: true, Why: "refused", Status: 503, Error: "upgrade refused: HTTP 503 Service Unavailable"}, nil,
			"upgrade refused: HTTP 503 Service Unavailable; reconnecting in 1.00s, the shortest wait (Retry-After asks 0s) (attempt 1)", ""},
		{"ping timeout", Reconnect{Attempt: 1, Delay: time.Second, Why: "ping-timeout", Code: 1011, Error: "no pong within --ping-timeout 2s: the connection is dead; closed with 1011"},
			&Close{By: "client", Code: 1011, HasCode: true, Reason: []byte("no pong")},
			"no pong within --ping-timeout 2s: the connection is dead; closed with 1011; reconnecting in 1.00s (attempt 1)", ""},
		{"short", Reconnect{Attempt: 1, Delay: 835 * time.Millisecond, Why: "drop", Code: 1006}, drop,
			"connection dropped: 1006 (abnormal closure), no close frame; reconnecting in 835ms (attempt 1)", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			for _, quiet := range []bool{false, true} {
				p, _, errb := newTest(Options{Mode: Raw, Quiet: quiet})
				p.Reconnecting(c.r, c.c)
				if errb.String() != c.line+"\n" {
					t.Errorf("quiet %v: stderr\n%q\nwant\n%q", quiet, errb.String(), c.line+"\n")
				}
			}
			if c.ev == "" {
				return
			}
			p, out, _ := newTest(Options{Mode: JSONL})
			p.Reconnecting(c.r, c.c)
			lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
			if c.c != nil && (len(lines) != 2 || !strings.Contains(lines[0], `"event":"close"`)) {
				t.Fatalf("want the close event, then the reconnect event:\n%s", out)
			}
			if got := lines[len(lines)-1]; got != c.ev {
				t.Errorf("event\n%s\nwant\n%s", got, c.ev)
			}
		})
	}
}

func TestReopened(t *testing.T) {
	t.Parallel()
	h := Handshake{URL: "ws://127.0.0.1:8765/", Duration: 1200 * time.Microsecond, Status: 101}
	p, _, errb := newTest(Options{Mode: Raw})
	p.Reopened(h, 2, true)
	p.Reopened(h, 3, false)
	want := "reconnected to ws://127.0.0.1:8765/ (subprotocol: none, extensions: none) in 1.2ms (attempt 2)\n" +
		"connected to ws://127.0.0.1:8765/ (subprotocol: none, extensions: none) in 1.2ms (attempt 3)\n"
	if errb.String() != want {
		t.Errorf("stderr\n%s\nwant\n%s", errb, want)
	}
	q, _, qerr := newTest(Options{Mode: Raw, Quiet: true})
	q.Reopened(h, 2, true)
	if qerr.Len() != 0 {
		t.Errorf("-q printed %q", qerr)
	}
	j, out, _ := newTest(Options{Mode: JSONL, Quiet: true})
	j.Reopened(h, 2, true)
	if want := `{"time":"2024-05-06T07:08:09.123Z","event":"open","url":"ws://127.0.0.1:8765/","subprotocol":null,"offered":[],"extensions":null,"status":101,"handshake_ms":1.2,"attempt":2}` + "\n"; out.String() != want {
		t.Errorf("event\n%s\nwant\n%s", out, want)
	}
}
