package format

import (
	"testing"
	"time"

	"github.com/wsx-cli/wsx/closecodes"
)

func TestClosedLines(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		c        Close
		abnormal bool
		want     string
	}{
		{"server with reason", Close{By: "server", Code: 4001, HasCode: true, Reason: []byte("token expired")}, true,
			`closed by server: 4001 (private use) "token expired"`},
		{"server without code", Close{By: "server"}, true,
			`closed by server: 1005 (no status received)`},
		{"server normal", Close{By: "server", Code: closecodes.NormalClosure, HasCode: true}, false,
			`closed by server: 1000 (normal closure)`},
		{"server 1014", Close{By: "server", Code: closecodes.BadGateway, HasCode: true}, true,
			`closed by server: 1014 (bad gateway)`},
		{"client echoed", Close{By: "client", Code: 1000, HasCode: true, Echo: true, EchoCode: 1000}, false,
			`closed by client: 1000 (normal closure); server echoed 1000`},
		{"client echoed another code", Close{By: "client", Code: 1000, HasCode: true, Echo: true, EchoCode: 1001}, false,
			`closed by client: 1000 (normal closure); server echoed 1001 (going away)`},
		{"client no echo", Close{By: "client", Code: 1000, HasCode: true}, false,
			`closed by client: 1000 (normal closure); no close echo from server`},
		{"dropped", Close{}, true,
			`connection dropped: 1006 (abnormal closure), no close frame`},
		{"dropped ignores code", Close{Code: 1000, HasCode: true}, true,
			`connection dropped: 1006 (abnormal closure), no close frame`},
		{"unsent", Close{By: "server", Code: 1008, HasCode: true, Reason: []byte("bad token"), Unsent: 3}, true,
			`closed by server: 1008 (policy violation) "bad token"; 3 messages not sent`},
		{"one unsent", Close{By: "server", Code: 1000, HasCode: true, Unsent: 1}, false,
			`closed by server: 1000 (normal closure); 1 message not sent`},
		{"violation", Close{By: "server", Code: 1005, HasCode: true, Violation: "close code 1005 must never be sent"}, true,
			`closed by server: 1005 (no status received): protocol violation: close code 1005 must never be sent`},
		{"invalid utf-8 reason", Close{By: "server", Code: 1000, HasCode: true, Reason: []byte("bad\xff")}, false,
			`closed by server: 1000 (normal closure) "bad\xff" (invalid UTF-8)`},
		{"reason with quotes", Close{By: "server", Code: 4000, HasCode: true, Reason: []byte("say \"hi\"\n")}, true,
			`closed by server: 4000 (private use) "say \"hi\"\n"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, out, errb := newTest(Options{Color: ColorNever})
			p.Closed(tt.c, tt.abnormal)
			if got := errb.String(); got != tt.want+"\n" {
				t.Errorf("got  %q\nwant %q", got, tt.want+"\n")
			}
			if out.Len() != 0 {
				t.Errorf("stdout: %q", out)
			}
		})
	}
}

func TestClosedQuiet(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		c        Close
		abnormal bool
		printed  bool
	}{
		{"normal", Close{By: "server", Code: 1000, HasCode: true}, false, false},
		{"normal client", Close{By: "client", Code: 1000, HasCode: true, Echo: true, EchoCode: 1000}, false, false},
		{"abnormal", Close{By: "server", Code: 4001, HasCode: true}, true, true},
		{"unsent", Close{By: "server", Code: 1000, HasCode: true, Unsent: 2}, false, true},
		{"violation", Close{By: "server", Code: 1005, HasCode: true, Violation: "x"}, false, true},
	}
	for _, tt := range tests {
		p, _, errb := newTest(Options{Quiet: true})
		p.Closed(tt.c, tt.abnormal)
		if got := errb.Len() > 0; got != tt.printed {
			t.Errorf("%s: printed = %v, want %v (%q)", tt.name, got, tt.printed, errb)
		}
	}
}

func TestOpenLine(t *testing.T) {
	t.Parallel()
	tests := []struct {
		h    Handshake
		want string
	}{
		{Handshake{URL: "ws://127.0.0.1:8765/", Subprotocol: "chat", Duration: 1234567 * time.Nanosecond, Status: 101},
			"connected to ws://127.0.0.1:8765/ (subprotocol: chat, extensions: none) in 1.2ms\n"},
		{Handshake{URL: "wss://h/x", Extensions: "permessage-deflate", Duration: 2345 * time.Millisecond, Status: 101},
			"connected to wss://h/x (subprotocol: none, extensions: permessage-deflate) in 2.35s\n"},
	}
	for _, tt := range tests {
		p, out, errb := newTest(Options{})
		p.Open(tt.h)
		if errb.String() != tt.want {
			t.Errorf("got %q, want %q", errb, tt.want)
		}
		if out.Len() != 0 {
			t.Errorf("stdout: %q", out)
		}
		q, _, qerr := newTest(Options{Quiet: true})
		q.Open(tt.h)
		if qerr.Len() != 0 {
			t.Errorf("quiet Open printed %q", qerr)
		}
	}
}

func TestHumanDuration(t *testing.T) {
	t.Parallel()
	tests := []struct {
		d    time.Duration
		want string
	}{
		{0, "0ns"},
		{-5, "0ns"},
		{850, "850ns"},
		{949, "949ns"},
		{999, "1.0µs"},
		{1000, "1.0µs"},
		{1234, "1.2µs"},
		{850_300, "850.3µs"},
		{999_960, "1.0ms"},
		{1_234_567, "1.2ms"},
		{999_960_000, "1.00s"},
		{1_234_000_000, "1.23s"},
		{90 * time.Second, "90.00s"},
	}
	for _, tt := range tests {
		if got := humanDuration(tt.d); got != tt.want {
			t.Errorf("humanDuration(%d) = %q, want %q", tt.d, got, tt.want)
		}
	}
}

func TestStderrLines(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		o    Options
		emit func(p *Printer)
		want string
	}{
		{"error with hints", Options{}, func(p *Printer) {
			p.Failed(Failure{Msg: "could not connect to ws://x/: connection refused", Hints: []string{"is the server running?", "try wsx serve"}, Exit: 3})
		}, "wsx: error: could not connect to ws://x/: connection refused\n" +
			"wsx: hint: is the server running?\nwsx: hint: try wsx serve\n"},
		{"error quiet", Options{Quiet: true}, func(p *Printer) { p.Failed(Failure{Msg: "bad", Exit: 1}) }, "wsx: error: bad\n"},
		{"warn quiet", Options{Quiet: true}, func(p *Printer) { p.Warn("no %s", "echo") }, "wsx: warning: no echo\n"},
		{"status", Options{}, func(p *Printer) { p.Status("listening on %s", "x") }, "listening on x\n"},
		{"status trailing newline", Options{}, func(p *Printer) { p.Status("a\n") }, "a\n"},
		{"status quiet", Options{Quiet: true}, func(p *Printer) { p.Status("x") }, ""},
		{"verbose off", Options{}, func(p *Printer) { p.Verbose("x") }, ""},
		{"verbose on", Options{Verbose: true}, func(p *Printer) { p.Verbose("> GET %s", "/") }, "> GET /\n"},
		{"control off", Options{}, func(p *Printer) { p.Control("ping", In, []byte("x"), 0) }, ""},
		{"control ping in", Options{Verbose: true}, func(p *Printer) { p.Control("ping", In, []byte("data"), 0) },
			"< ping \"data\"\n"},
		{"control pong out", Options{Verbose: true}, func(p *Printer) { p.Control("pong", Out, []byte("data"), 0) },
			"> pong \"data\"\n"},
		{"control pong rtt", Options{Verbose: true}, func(p *Printer) {
			p.Control("pong", In, []byte{0xff}, 1234567*time.Nanosecond)
		}, "< pong \"\\xff\" (rtt 1.2ms)\n"},
	}
	for _, tt := range tests {
		p, out, errb := newTest(tt.o)
		tt.emit(p)
		if errb.String() != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, errb, tt.want)
		}
		if out.Len() != 0 {
			t.Errorf("%s: stdout: %q", tt.name, out)
		}
	}
}
