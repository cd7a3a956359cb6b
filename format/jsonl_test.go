package format

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/wsx-cli/wsx/closecodes"
)

// event is a jsonl line decoded for checking; Data stays raw to compare bytes.
type event struct {
	Time        string          `json:"time"`
	Event       string          `json:"event"`
	Dir         string          `json:"dir"`
	Type        string          `json:"type"`
	Data        json.RawMessage `json:"data"`
	Size        *int            `json:"size"`
	RTT         *float64        `json:"rtt_ms"`
	URL         string          `json:"url"`
	Subprotocol *string         `json:"subprotocol"`
	Offered     []string        `json:"offered"`
	Extensions  *string         `json:"extensions"`
	Status      int             `json:"status"`
	HandshakeMS *float64        `json:"handshake_ms"`
	By          *string         `json:"by"`
	Code        int             `json:"code"`
	Name        string          `json:"name"`
	Reason      *string         `json:"reason"`
	Echo        *bool           `json:"echo"`
	EchoCode    *int            `json:"echo_code"`
	Unsent      int             `json:"unsent"`
	Violation   string          `json:"violation"`
	Error       string          `json:"error"`
	Hints       []string        `json:"hints"`
	Exit        *int            `json:"exit"`
}

// decodeLines checks that out is valid jsonl and decodes each line.
func decodeLines(t *testing.T, out string) []event {
	t.Helper()
	if !strings.HasSuffix(out, "\n") {
		t.Fatalf("output does not end in a newline: %q", out)
	}
	var events []event
	for _, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		if !json.Valid([]byte(line)) {
			t.Fatalf("invalid JSON line: %q", line)
		}
		var e event
		dec := json.NewDecoder(strings.NewReader(line))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&e); err != nil {
			t.Fatalf("%s: %v", line, err)
		}
		if e.Time != "2024-05-06T07:08:09.123Z" {
			t.Errorf("time = %q", e.Time)
		}
		events = append(events, e)
	}
	return events
}

func TestJSONLMessage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		dir      Dir
		binary   bool
		in       string
		typ      string
		wantData string
	}{
		{"json", In, false, `{"b":1,"a":2}`, "text", `{"b":1,"a":2}`},
		{"json compacted", In, false, "{ \"b\" : 1,\n \"a\" : [ 2 ] }\n", "text", `{"b":1,"a":[2]}`},
		{"big number", In, false, `{"n":12345678901234567890123}`, "text", `{"n":12345678901234567890123}`},
		{"escapes kept", In, false, `"\u00e9\n"`, "text", `"\u00e9\n"`},
		{"scalar", In, false, `3.10`, "text", `3.10`},
		{"text", In, false, "hello \"you\"\n\t\x01", "text", `"hello \"you\"\n\t\u0001"`},
		{"invalid json", In, false, `{"a":`, "text", `"{\"a\":"`},
		{"utf-8 text", In, false, "café ☕", "text", `"café ☕"`},
		{"invalid utf-8 text", In, false, "a\xffb\xc3", "text", `"a\ufffdb\ufffd"`},
		{"json with invalid utf-8", In, false, "{\"a\":\"\xff\"}", "text", `"{\"a\":\"\ufffd\"}"`},
		{"empty", In, false, "", "text", `""`},
		{"out", Out, false, `{"op":"sub"}`, "text", `{"op":"sub"}`},
		{"binary", In, true, "\x00\x01hello\xff", "binary", `"AAFoZWxsb/8="`},
		{"binary json", Out, true, `{"a":1}`, "binary", `"eyJhIjoxfQ=="`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, out, errb := newTest(Options{Mode: JSONL, Timestamps: true, Prompt: "< ", Color: ColorAlways})
			must(t, p.Message(tt.dir, tt.binary, []byte(tt.in)))
			events := decodeLines(t, out.String())
			e := events[0]
			if len(events) != 1 || e.Event != "message" || e.Dir != string(tt.dir) || e.Type != tt.typ {
				t.Errorf("got %+v", events)
			}
			if string(e.Data) != tt.wantData {
				t.Errorf("data = %s, want %s", e.Data, tt.wantData)
			}
			if e.Size == nil || *e.Size != len(tt.in) {
				t.Errorf("size = %v, want %d", e.Size, len(tt.in))
			}
			if strings.HasPrefix(out.String(), `{"time":"2024-05-06T07:08:09.123Z","event":"message","dir":`) == false {
				t.Errorf("field order: %s", out)
			}
			if errb.Len() != 0 || strings.Contains(out.String(), "\x1b") {
				t.Errorf("stderr %q, stdout %q", errb, out)
			}
		})
	}
}

func TestJSONLControl(t *testing.T) {
	t.Parallel()
	p, out, errb := newTest(Options{Mode: JSONL, Verbose: true})
	p.Control("ping", In, []byte("hi"), 0)
	p.Control("pong", Out, []byte("hi"), 0)
	p.Control("pong", In, []byte{0xff, 0}, 1234567*time.Nanosecond)
	p.Control("ping", Out, nil, 0)
	ev := decodeLines(t, out.String())
	want := []struct {
		event, dir, typ, data string
		size                  int
		rtt                   float64
	}{
		{"ping", "in", "text", `"hi"`, 2, 0},
		{"pong", "out", "text", `"hi"`, 2, 0},
		{"pong", "in", "binary", `"/wA="`, 2, 1.235},
		{"ping", "out", "text", `""`, 0, 0},
	}
	for i, w := range want {
		e := ev[i]
		if e.Event != w.event || e.Dir != w.dir || e.Type != w.typ || string(e.Data) != w.data || *e.Size != w.size {
			t.Errorf("event %d = %+v, want %+v", i, e, w)
		}
		if (w.rtt == 0) != (e.RTT == nil) || (e.RTT != nil && *e.RTT != w.rtt) {
			t.Errorf("event %d rtt_ms = %v, want %v", i, e.RTT, w.rtt)
		}
	}
	if errb.Len() != 0 {
		t.Errorf("jsonl control also on stderr: %q", errb)
	}
}

func TestJSONLOpen(t *testing.T) {
	t.Parallel()
	p, out, errb := newTest(Options{Mode: JSONL, Quiet: true})
	p.Open(Handshake{URL: "ws://h/", Subprotocol: "chat", Offered: []string{"chat", "v2"},
		Extensions: "permessage-deflate", Duration: 1500 * time.Microsecond, Status: 101})
	p.Open(Handshake{URL: "ws://h/", Duration: 2 * time.Millisecond, Status: 101})
	ev := decodeLines(t, out.String())
	e := ev[0]
	if e.Event != "open" || e.URL != "ws://h/" || *e.Subprotocol != "chat" || *e.Extensions != "permessage-deflate" ||
		!reflect.DeepEqual(e.Offered, []string{"chat", "v2"}) || e.Status != 101 || *e.HandshakeMS != 1.5 {
		t.Errorf("open = %+v", e)
	}
	e = ev[1]
	if e.Subprotocol != nil || e.Extensions != nil || e.Offered == nil || len(e.Offered) != 0 || *e.HandshakeMS != 2 {
		t.Errorf("open without protocol = %+v", e)
	}
	if !strings.Contains(out.String(), `"subprotocol":null,"offered":[],"extensions":null`) {
		t.Errorf("nulls: %s", out)
	}
	if errb.Len() != 0 {
		t.Errorf("quiet stderr: %q", errb)
	}
}

func TestJSONLClose(t *testing.T) {
	t.Parallel()
	tests := []struct {
		c                      Close
		by                     *string
		code                   int
		name, reason           string
		echo                   *bool
		unsent                 int
		violation              string
		echoCode               *int
		wantLine, wantEchoCode bool
	}{
		{c: Close{By: "server", Code: 4001, HasCode: true, Reason: []byte("token expired")},
			by: new("server"), code: 4001, name: "private-use", reason: "token expired"},
		{c: Close{By: "server"}, by: new("server"), code: 1005, name: "no-status-received"},
		{c: Close{By: "client", Code: closecodes.NormalClosure, HasCode: true, Echo: true, EchoCode: 1000},
			by: new("client"), code: 1000, name: "normal-closure", echo: new(true), echoCode: new(1000)},
		{c: Close{By: "client", Code: 1000, HasCode: true}, by: new("client"), code: 1000, name: "normal-closure",
			echo: new(false)},
		{c: Close{}, code: 1006, name: "abnormal-closure"},
		{c: Close{By: "server", Code: 1008, HasCode: true, Reason: []byte("bad\xff"), Unsent: 3},
			by: new("server"), code: 1008, name: "policy-violation", reason: "bad\ufffd", unsent: 3},
		{c: Close{By: "server", Code: 1005, HasCode: true, Violation: "close code 1005 must never be sent"},
			by: new("server"), code: 1005, name: "no-status-received", violation: "close code 1005 must never be sent"},
	}
	for _, tt := range tests {
		p, out, _ := newTest(Options{Mode: JSONL, Quiet: true})
		p.Closed(tt.c, false)
		e := decodeLines(t, out.String())[0]
		if e.Event != "close" || !reflect.DeepEqual(e.By, tt.by) || e.Code != tt.code || e.Name != tt.name ||
			e.Reason == nil || *e.Reason != tt.reason || !reflect.DeepEqual(e.Echo, tt.echo) ||
			!reflect.DeepEqual(e.EchoCode, tt.echoCode) || e.Unsent != tt.unsent || e.Violation != tt.violation {
			t.Errorf("close %+v: got %s", tt.c, out)
		}
		if tt.by == nil && !strings.Contains(out.String(), `"by":null`) {
			t.Errorf("by not null: %s", out)
		}
	}
}

func TestJSONLError(t *testing.T) {
	t.Parallel()
	p, out, errb := newTest(Options{Mode: JSONL})
	p.Failed(Failure{Msg: "upgrade refused: 401 \"unauthorized\"", Hints: []string{"pass a token with -H"}, Exit: 4})
	e := decodeLines(t, out.String())[0]
	if e.Event != "error" || e.Error != `upgrade refused: 401 "unauthorized"` ||
		len(e.Hints) != 1 || e.Hints[0] != "pass a token with -H" || e.Exit == nil || *e.Exit != 4 {
		t.Errorf("error event = %+v", e)
	}
	if !strings.HasPrefix(errb.String(), "wsx: error: upgrade refused") {
		t.Errorf("stderr = %q", errb)
	}
}

func TestJSONLSession(t *testing.T) {
	t.Parallel()
	p, out, _ := newTest(Options{Mode: JSONL})
	p.Open(Handshake{URL: "ws://h/", Status: 101})
	must(t, p.Message(Out, false, []byte(`{"op":"sub"}`)))
	must(t, p.Message(In, false, []byte("ok")))
	p.Control("ping", In, nil, 0)
	p.Closed(Close{By: "server", Code: 1000, HasCode: true}, false)
	p.Failed(Failure{Msg: "x", Exit: 1})
	var kinds []string
	for _, e := range decodeLines(t, out.String()) {
		kinds = append(kinds, e.Event)
	}
	want := []string{"open", "message", "message", "ping", "close", "error"}
	if !reflect.DeepEqual(kinds, want) {
		t.Errorf("events %v, want %v", kinds, want)
	}
	if bytes.Count(out.Bytes(), []byte("\n")) != len(want) {
		t.Errorf("lines: %q", out)
	}
}
