package format

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/wsx-cli/wsx/closecodes"
)

// Fuzz targets for the jsonl events that carry what a server sent: a
// message's data and a close frame's code and reason.

// eventTime is the "time" of a jsonl event: RFC 3339 UTC with milliseconds.
var eventTime = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$`)

// fixUTF8 is s with each byte that is not part of valid UTF-8 replaced by
// U+FFFD, as a JSON string of it decodes.
func fixUTF8(s []byte) string {
	var b strings.Builder
	for len(s) > 0 {
		r, n := utf8.DecodeRune(s)
		if r == utf8.RuneError && n == 1 {
			b.WriteRune(utf8.RuneError)
		} else {
			b.Write(s[:n])
		}
		s = s[n:]
	}
	return b.String()
}

// decodeEvent reads one jsonl line into v, failing unless it is one line
// of valid UTF-8 holding one JSON object with a valid "time".
func decodeEvent(t *testing.T, line []byte, v any) {
	t.Helper()
	if bytes.Count(line, []byte("\n")) != 1 || !bytes.HasSuffix(line, []byte("\n")) || !utf8.Valid(line) {
		t.Fatalf("not one line of UTF-8: %q", line)
	}
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("jsonl line %q: %v", line, err)
	}
	var head struct{ Time string }
	if err := json.Unmarshal(line, &head); err != nil || !eventTime.MatchString(head.Time) {
		t.Fatalf("jsonl line %q: time %q", line, head.Time)
	}
}

// FuzzJSONLData: a message event gives the message back. Binary data is
// base64 of the bytes; text that is JSON (and UTF-8) is embedded as that
// JSON, the same tokens; any other text is a JSON string holding it (with
// each byte that is not UTF-8 replaced by U+FFFD); "dir", "type" and
// "size" say what the message was.
func FuzzJSONLData(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s), false, false)
	}
	f.Add([]byte(`"a JSON string"`), false, true)
	f.Add([]byte("\x00\x01\xff binary"), true, false)
	f.Add([]byte(`{"a":"\ud800"}`), false, false)
	f.Add([]byte("1.0e+2"), false, false)
	f.Add([]byte(`{"a":1,}`), false, false)
	f.Fuzz(func(t *testing.T, in []byte, binary, out bool) {
		dir := In
		if out {
			dir = Out
		}
		p, stdout, _ := newTest(Options{Mode: JSONL})
		if err := p.Message(dir, binary, in); err != nil {
			t.Fatal(err)
		}
		var e struct {
			Event, Dir, Type string
			Data             json.RawMessage
			Size             json.Number
		}
		decodeEvent(t, stdout.Bytes(), &e)
		wantType := map[bool]string{false: "text", true: "binary"}[binary]
		if e.Event != "message" || e.Dir != string(dir) || e.Type != wantType || e.Size.String() != strconv.Itoa(len(in)) {
			t.Fatalf("event %+v for a %s message of %d bytes, %s", e, wantType, len(in), dir)
		}
		var s string
		isString := json.Unmarshal(e.Data, &s) == nil && bytes.HasPrefix(e.Data, []byte(`"`))
		switch {
		case binary:
			if got, err := base64.StdEncoding.DecodeString(s); !isString || err != nil || !bytes.Equal(got, in) {
				t.Fatalf("binary data %q is not base64 of %q", e.Data, in)
			}
		case json.Valid(in) && utf8.Valid(in):
			var a, b bytes.Buffer
			if json.Compact(&a, in) != nil || json.Compact(&b, e.Data) != nil || a.String() != b.String() {
				t.Fatalf("JSON message %q given as %q", in, e.Data)
			}
		default:
			if !isString || s != fixUTF8(in) {
				t.Fatalf("text message %q given as %q", in, e.Data)
			}
		}
	})
}

// FuzzCloseEvent: however a connection ended and whatever the reason
// bytes, the close is one stderr line with the code's number and name and
// the reason Go-quoted (no control character reaches the terminal), and
// one jsonl event whose code, name and reason are those of the close:
// 1006 for a drop, 1005 for a close frame without a code.
func FuzzCloseEvent(f *testing.F) {
	f.Add([]byte("token expired"), uint16(4001), uint8(0), true, false, uint8(0))
	f.Add([]byte(""), uint16(1000), uint8(1), true, true, uint8(0))
	f.Add([]byte("bye"), uint16(1001), uint8(1), true, true, uint8(3))
	f.Add([]byte(""), uint16(0), uint8(0), false, false, uint8(0))
	f.Add([]byte(""), uint16(0), uint8(2), true, false, uint8(1))
	f.Add([]byte("\x1b]0;title\x07\xc2\x9b\xff\n"), uint16(1014), uint8(0), true, false, uint8(0))
	f.Add([]byte(strings.Repeat("r", 200)), uint16(65535), uint8(0), true, false, uint8(0))
	f.Fuzz(func(t *testing.T, reason []byte, code uint16, by uint8, hasCode, echo bool, unsent uint8) {
		c := Close{
			By:      []string{"server", "client", ""}[by%3],
			Code:    closecodes.Code(code),
			HasCode: hasCode,
			Reason:  reason,
			Echo:    echo, EchoCode: closecodes.Code(code),
			Unsent: int(unsent),
		}
		want := c.Code
		switch {
		case c.By == "":
			want = closecodes.AbnormalClosure
		case !c.HasCode:
			want = closecodes.NoStatusReceived
		}
		p, stdout, stderr := newTest(Options{Mode: JSONL, Color: ColorNever})
		p.Closed(c, true)

		line := stderr.String()
		if strings.Count(line, "\n") != 1 || !strings.HasSuffix(line, "\n") {
			t.Fatalf("close line %q is not one line", line)
		}
		for _, r := range strings.TrimSuffix(line, "\n") {
			if r < ' ' || r == 0x7f || r >= 0x80 && r < 0xa0 {
				t.Fatalf("close line %q holds a control character", line)
			}
		}
		if !strings.Contains(line, want.String()) || len(reason) > 0 && !strings.Contains(line, strconv.Quote(string(reason))) {
			t.Fatalf("close line %q: want %s and the reason %q", line, want, reason)
		}

		var e struct {
			Event    string
			By       *string
			Code     json.Number
			Name     string
			Reason   string
			Echo     *bool
			EchoCode *json.Number `json:"echo_code"`
			Unsent   *json.Number
		}
		decodeEvent(t, stdout.Bytes(), &e)
		if e.Event != "close" || e.Code.String() != strconv.Itoa(int(want)) || e.Name != want.Slug() || e.Reason != fixUTF8(reason) {
			t.Fatalf("close event %q for %+v", stdout.Bytes(), c)
		}
		if (e.By == nil) != (c.By == "") || e.By != nil && *e.By != c.By {
			t.Fatalf("close event %q: by, want %q", stdout.Bytes(), c.By)
		}
		if (e.Echo != nil) != (c.By == "client") || e.Echo != nil && *e.Echo != echo || (e.EchoCode != nil) != (e.Echo != nil && echo) {
			t.Fatalf("close event %q: echo, for %+v", stdout.Bytes(), c)
		}
		if (e.Unsent != nil) != (unsent > 0) || e.Unsent != nil && e.Unsent.String() != strconv.Itoa(int(unsent)) {
			t.Fatalf("close event %q: unsent, want %d", stdout.Bytes(), unsent)
		}
	})
}
