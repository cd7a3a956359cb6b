package format

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// failedEvent is a Failed "error" event decoded for checking.
type failedEvent struct {
	Time    string      `json:"time"`
	Event   string      `json:"event"`
	Error   string      `json:"error"`
	Hints   []string    `json:"hints"`
	Exit    int         `json:"exit"`
	Status  int         `json:"status"`
	Headers [][2]string `json:"headers"`
	Body    *string     `json:"body"`
}

func decodeFailed(t *testing.T, out string) failedEvent {
	t.Helper()
	if strings.Count(out, "\n") != 1 || !strings.HasSuffix(out, "\n") {
		t.Fatalf("want one line: %q", out)
	}
	var e failedEvent
	dec := json.NewDecoder(strings.NewReader(out))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&e); err != nil {
		t.Fatalf("%s: %v", out, err)
	}
	if e.Time != "2024-05-06T07:08:09.123Z" || e.Event != "error" {
		t.Errorf("head of %s", out)
	}
	return e
}

// Failed writes the stderr lines Error writes, and in jsonl an error event
// with the hints (an array, [] when none), the exit status, and the HTTP
// answer only when there is one.
func TestFailed(t *testing.T) {
	t.Parallel()
	p, out, errb := newTest(Options{Mode: JSONL})
	p.Failed(Failure{Msg: "connection refused by 127.0.0.1:1", Exit: 3})
	e := decodeFailed(t, out.String())
	if e.Error != "connection refused by 127.0.0.1:1" || e.Hints == nil || len(e.Hints) != 0 || e.Exit != 3 ||
		e.Status != 0 || e.Headers != nil || e.Body != nil {
		t.Errorf("event %+v from %s", e, out)
	}
	if !strings.Contains(out.String(), `"hints":[]`) {
		t.Errorf("hints not []: %s", out)
	}

	if errb.String() != "wsx: error: connection refused by 127.0.0.1:1\n" {
		t.Errorf("stderr %q", errb)
	}

	p2, _, errb2 := newTest(Options{Mode: JSONL})
	p2.Failed(Failure{Msg: "upgrade refused: HTTP 401 Unauthorized\n  body: no", Hints: []string{"a hint", "another"}, Exit: 4})
	if want := "wsx: error: upgrade refused: HTTP 401 Unauthorized\n  body: no\nwsx: hint: a hint\nwsx: hint: another\n"; errb2.String() != want {
		t.Errorf("stderr %q, want %q", errb2, want)
	}
}

func TestFailedAnswer(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("é", 600) // 1200 bytes: cut at 1024, in the middle of no rune
	for _, c := range []struct {
		body, want string
	}{
		{"rejected\n", "rejected\n"},
		{"", ""},
		{"caf\xe9 \x00", "caf\ufffd \x00"},
		{long, long[:1024]},
	} {
		p, out, _ := newTest(Options{Mode: JSONL})
		hdrs := [][2]string{{"Content-Type", "text/plain"}, {"X-A", "1"}, {"X-A", "2"}}
		p.Failed(Failure{Msg: "upgrade refused: HTTP 403 Forbidden", Hints: []string{"h"}, Exit: 4,
			Answer: &Answer{Status: 403, Headers: hdrs, Body: []byte(c.body)}})
		e := decodeFailed(t, out.String())
		if e.Status != 403 || !reflect.DeepEqual(e.Headers, hdrs) || e.Body == nil || *e.Body != c.want ||
			!reflect.DeepEqual(e.Hints, []string{"h"}) || e.Exit != 4 {
			t.Errorf("body %q: event %+v from %s", c.body, e, out)
		}
	}
	p, out, _ := newTest(Options{Mode: JSONL})
	p.Failed(Failure{Msg: "x", Exit: 4, Answer: &Answer{Status: 400}})
	if !strings.Contains(out.String(), `"status":400,"headers":[],"body":""}`) {
		t.Errorf("an answer with no headers and no body: %s", out)
	}
}

// In the other modes Failed writes nothing on stdout.
func TestFailedText(t *testing.T) {
	t.Parallel()
	for _, m := range []Mode{Raw, Pretty, Compact} {
		p, out, errb := newTest(Options{Mode: m})
		p.Failed(Failure{Msg: "m", Hints: []string{"h"}, Exit: 3, Answer: &Answer{Status: 401}})
		if out.Len() != 0 || errb.String() != "wsx: error: m\nwsx: hint: h\n" {
			t.Errorf("mode %v: stdout %q, stderr %q", m, out, errb)
		}
	}
}
