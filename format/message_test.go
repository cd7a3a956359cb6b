package format

import (
	"encoding/hex"
	"errors"
	"strings"
	"sync"
	"testing"
)

func TestMessage(t *testing.T) {
	t.Parallel()
	const long = `{"a":[1,2,3],"b":{"c":"dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd"}}`
	bin := []byte("\x00\x01hello\xff")
	tests := []struct {
		name   string
		mode   Mode
		as     BinaryAs
		binary bool
		in     string
		want   string
	}{
		{"raw json", Raw, 0, false, `{"b":1,"a":2}`, `{"b":1,"a":2}` + "\n"},
		{"raw spaced json kept", Raw, 0, false, `{ "a" : 1 }`, `{ "a" : 1 }` + "\n"},
		{"raw text", Raw, 0, false, "hello", "hello\n"},
		{"raw text ending in newline", Raw, 0, false, "hello\n", "hello\n\n"},
		{"raw empty", Raw, 0, false, "", "\n"},
		{"raw invalid json", Raw, 0, false, `{"a":`, `{"a":` + "\n"},
		{"raw invalid utf-8", Raw, 0, false, "a\xffb", "a\xffb\n"},
		{"raw binary raw", Raw, BinaryRaw, true, string(bin), string(bin)},
		{"raw binary hex", Raw, Hex, true, string(bin), hex.Dump(bin)},
		{"raw binary base64", Raw, Base64, true, string(bin), "AAFoZWxsb/8=\n"},
		{"raw binary empty hex", Raw, Hex, true, "", "\n"},
		{"raw binary empty raw", Raw, BinaryRaw, true, "", ""},

		{"pretty key order", Pretty, 0, false, `{"b":1,"a":2}`, `{ "b": 1, "a": 2 }` + "\n"},
		{"pretty big number", Pretty, 0, false, `{"n":12345678901234567890123}`, `{ "n": 12345678901234567890123 }` + "\n"},
		{"pretty number text", Pretty, 0, false, `[1.0,1e3,-0.50]`, `[1.0, 1e3, -0.50]` + "\n"},
		{"pretty escapes", Pretty, 0, false, `"\u00e9\n"`, `"\u00e9\n"` + "\n"},
		{"pretty escapes in object", Pretty, 0, false, `{"s":"\"\\\/\u00e9é"}`, `{ "s": "\"\\\/\u00e9é" }` + "\n"},
		{"pretty spaced", Pretty, 0, false, " \n{ \"a\" :\t1 }\r\n", `{ "a": 1 }` + "\n"},
		{"pretty long", Pretty, 0, false, long, "{\n  \"a\": [1, 2, 3],\n  \"b\": {\n    \"c\": \"" +
			strings.Repeat("d", 70) + "\"\n  }\n}\n"},
		{"pretty scalar", Pretty, 0, false, `42`, "42\n"},
		{"pretty text", Pretty, 0, false, "hello", "hello\n"},
		{"pretty text ending in newline", Pretty, 0, false, "hello\n", "hello\n"},
		{"pretty empty", Pretty, 0, false, "", "\n"},
		{"pretty invalid json", Pretty, 0, false, `{"a":`, `{"a":` + "\n"},
		{"pretty two values", Pretty, 0, false, `{} {}`, `{} {}` + "\n"},
		{"pretty binary hex", Pretty, Hex, true, string(bin), hex.Dump(bin)},
		{"pretty binary base64", Pretty, Base64, true, string(bin), "AAFoZWxsb/8=\n"},
		{"pretty binary raw", Pretty, BinaryRaw, true, `{"a":1}`, `{"a":1}`},

		{"compact key order", Compact, 0, false, "{ \"b\" : 1,\n \"a\" : [1, 2] }", `{"b":1,"a":[1,2]}` + "\n"},
		{"compact big number", Compact, 0, false, `{ "n": 12345678901234567890123 }`, `{"n":12345678901234567890123}` + "\n"},
		{"compact escapes", Compact, 0, false, `{ "s" : "\u00e9\n \"x\" " }`, `{"s":"\u00e9\n \"x\" "}` + "\n"},
		{"compact long", Compact, 0, false, long, long + "\n"},
		{"compact text", Compact, 0, false, "hello world", "hello world\n"},
		{"compact text ending in newline", Compact, 0, false, "a\n", "a\n"},
		{"compact invalid json", Compact, 0, false, `{"a":`, `{"a":` + "\n"},
		{"compact binary base64", Compact, Base64, true, string(bin), "AAFoZWxsb/8=\n"},
		{"compact binary hex", Compact, Hex, true, string(bin), hex.Dump(bin)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, out, errb := newTest(Options{Mode: tt.mode, BinaryAs: tt.as, Color: ColorNever})
			must(t, p.Message(In, tt.binary, []byte(tt.in)))
			if got := out.String(); got != tt.want {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
			if errb.Len() != 0 {
				t.Errorf("stderr: %q", errb)
			}
		})
	}
}

func TestMessageOutIgnoredOutsideJSONL(t *testing.T) {
	t.Parallel()
	for _, mode := range []Mode{Raw, Pretty, Compact} {
		p, out, _ := newTest(Options{Mode: mode})
		must(t, p.Message(Out, false, []byte("sent")))
		must(t, p.Message(Out, true, []byte("sent")))
		if out.Len() != 0 {
			t.Errorf("%v: outgoing message printed: %q", mode, out)
		}
	}
}

func TestMessageDeepNestingIsText(t *testing.T) {
	t.Parallel()
	deep := strings.Repeat("[", MaxJSONDepth+1) + strings.Repeat("]", MaxJSONDepth+1)
	for _, mode := range []Mode{Pretty, Compact} {
		p, out, _ := newTest(Options{Mode: mode})
		must(t, p.Message(In, false, []byte(deep)))
		if out.String() != deep+"\n" {
			t.Errorf("%v: deep nesting not printed as text", mode)
		}
	}
	ok := strings.Repeat("[", MaxJSONDepth) + strings.Repeat("]", MaxJSONDepth)
	if !ValidJSON([]byte(ok)) {
		t.Errorf("nesting of MaxJSONDepth rejected")
	}
	if !ValidJSON([]byte(`["[[[[", "\"[[["]`)) {
		t.Errorf("brackets inside strings counted")
	}
}

func TestTimestampsAndPrompt(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		o    Options
		bin  bool
		in   string
		want string
	}{
		{"timestamps", Options{Mode: Raw, Timestamps: true}, false, "hi", "07:08:09.123 hi\n"},
		{"prompt", Options{Mode: Raw, Prompt: "< "}, false, "hi", "< hi\n"},
		{"both", Options{Mode: Raw, Timestamps: true, Prompt: "< "}, false, "hi", "07:08:09.123 < hi\n"},
		{"pretty json", Options{Mode: Pretty, Prompt: "< "}, false, `{"a":1}`, `< { "a": 1 }` + "\n"},
		{"compact json", Options{Mode: Compact, Timestamps: true}, false, `{ "a": 1 }`, `07:08:09.123 {"a":1}` + "\n"},
		{"base64", Options{Mode: Raw, BinaryAs: Base64, Prompt: "< "}, true, "hi", "< aGk=\n"},
		{"hex", Options{Mode: Raw, BinaryAs: Hex, Prompt: "< "}, true, "hi", "< " + hex.Dump([]byte("hi"))},
	}
	for _, tt := range tests {
		p, out, _ := newTest(tt.o)
		must(t, p.Message(In, tt.bin, []byte(tt.in)))
		if got := out.String(); got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, got, tt.want)
		}
	}
}

type failWriter struct{}

var errClosed = errors.New("closed")

func (failWriter) Write([]byte) (int, error) { return 0, errClosed }

func TestMessageReturnsWriteError(t *testing.T) {
	t.Parallel()
	for _, mode := range []Mode{Raw, Pretty, Compact, JSONL} {
		p := New(failWriter{}, failWriter{}, Options{Mode: mode})
		if err := p.Message(In, false, []byte("x")); !errors.Is(err, errClosed) {
			t.Errorf("%v: err = %v, want %v", mode, err, errClosed)
		}
	}
}

// lockedWriter fails the test when two writes overlap.
type lockedWriter struct {
	t      *testing.T
	mu     sync.Mutex
	busy   bool
	writes []string
}

func (w *lockedWriter) Write(b []byte) (int, error) {
	w.mu.Lock()
	if w.busy {
		w.t.Error("overlapping writes")
	}
	w.busy = true
	w.writes = append(w.writes, string(b))
	w.busy = false
	w.mu.Unlock()
	return len(b), nil
}

func TestConcurrentCallsWriteWholeLines(t *testing.T) {
	t.Parallel()
	out, errw := &lockedWriter{t: t}, &lockedWriter{t: t}
	p := New(out, errw, Options{Mode: JSONL, Verbose: true})
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 200 {
				_ = p.Message(In, g%2 == 0, []byte(`{"i":1}`))
				p.Control("ping", Out, nil, 0)
				p.Status("status %d", i)
				p.Warn("warn %d", i)
			}
		})
	}
	wg.Wait()
	for _, w := range out.writes {
		if strings.Count(w, "\n") != 1 || !strings.HasSuffix(w, "}\n") {
			t.Fatalf("stdout write is not one jsonl line: %q", w)
		}
	}
	if len(out.writes) != 4*200*2 || len(errw.writes) != 4*200*2 {
		t.Errorf("writes: stdout %d, stderr %d", len(out.writes), len(errw.writes))
	}
}

func TestMessageAllocations(t *testing.T) {
	msg := []byte(`{ "type": "tick", "price": 12345678901234567890.5, "s": "caf\u00e9" }`)
	for _, mode := range []Mode{Raw, Compact, JSONL} {
		p := New(discard{}, discard{}, Options{Mode: mode})
		allocs := testing.AllocsPerRun(100, func() { _ = p.Message(In, false, msg) })
		if allocs > 0 {
			t.Errorf("%v: %v allocations per message, want 0", mode, allocs)
		}
	}
}

type discard struct{}

func (discard) Write(b []byte) (int, error) { return len(b), nil }
