package send

import (
	"bytes"
	"errors"
	"io"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"
)

// readers deliver the same input in different pieces.
var readers = []struct {
	name string
	wrap func(string) io.Reader
}{
	{"whole", func(s string) io.Reader { return strings.NewReader(s) }},
	{"one byte", func(s string) io.Reader { return iotest.OneByteReader(strings.NewReader(s)) }},
	{"half", func(s string) io.Reader { return iotest.HalfReader(strings.NewReader(s)) }},
	{"data with EOF", func(s string) io.Reader { return iotest.DataErrReader(strings.NewReader(s)) }},
}

type wantMsg struct {
	data string
	pos  string
}

func TestLines(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		in   string
		want []wantMsg
	}{
		{"empty input", "", nil},
		{"one line", "hello\n", []wantMsg{{"hello", "line 1"}}},
		{"last line without newline", "a\nlast", []wantMsg{{"a", "line 1"}, {"last", "line 2"}}},
		{"only the last line", "last", []wantMsg{{"last", "line 1"}}},
		{"CRLF", "a\r\nb\r\n", []wantMsg{{"a", "line 1"}, {"b", "line 2"}}},
		{"mixed endings", "a\nb\r\nc", []wantMsg{{"a", "line 1"}, {"b", "line 2"}, {"c", "line 3"}}},
		{"blank lines skipped, numbers kept", "\n\r\n\nc\n\n", []wantMsg{{"c", "line 4"}}},
		{"only blank lines", "\n\n\r\n", nil},
		{"spaces are not blank", " \n\t\n", []wantMsg{{" ", "line 1"}, {"\t", "line 2"}}},
		{"one CR stripped", "a\r\r\n", []wantMsg{{"a\r", "line 1"}}},
		{"a lone CR line is not blank", "\r\r\n", []wantMsg{{"\r", "line 1"}}},
		{"CR inside a line", "x\ry\n", []wantMsg{{"x\ry", "line 1"}}},
		{"NUL and JSON", "{\"a\":\"\x00\"}\n", []wantMsg{{"{\"a\":\"\x00\"}", "line 1"}}},
		{"UTF-8", "héllo €\n日本\n", []wantMsg{{"héllo €", "line 1"}, {"日本", "line 2"}}},
	}
	for _, tc := range cases {
		for _, rd := range readers {
			for _, bin := range []bool{false, true} {
				name := tc.name + "/" + rd.name
				if bin {
					name += "/binary"
				}
				t.Run(name, func(t *testing.T) {
					t.Parallel()
					l := NewLines(rd.wrap(tc.in), bin)
					ms, err := collect(l)
					if err != io.EOF {
						t.Fatalf("err = %v, want io.EOF", err)
					}
					checkMessages(t, ms, tc.want, bin)
					if _, err := l.Next(); err != io.EOF {
						t.Errorf("Next after the end = %v, want io.EOF again", err)
					}
				})
			}
		}
	}
}

func checkMessages(t *testing.T, got []Message, want []wantMsg, bin bool) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d messages %q, want %d %q", len(got), datas(got), len(want), want)
	}
	for i, m := range got {
		if string(m.Data) != want[i].data || m.Where() != want[i].pos || m.Binary != bin || m.Cmd != nil {
			t.Errorf("message %d = {%q %s binary:%v cmd:%v}, want {%q %s binary:%v}",
				i, m.Data, m.Where(), m.Binary, m.Cmd, want[i].data, want[i].pos, bin)
		}
	}
}

func datas(ms []Message) []string {
	var ds []string
	for _, m := range ms {
		ds = append(ds, string(m.Data))
	}
	return ds
}

// TestLinesLong sends lines longer than the 64 KiB read buffer, with the
// terminator on every side of its edge.
func TestLinesLong(t *testing.T) {
	t.Parallel()
	const buf = 64 << 10
	for _, n := range []int{buf - 2, buf - 1, buf, buf + 1, 2 * buf, 10 << 20} {
		for _, eol := range []string{"\n", "\r\n", ""} {
			t.Run(strings.ReplaceAll(strings.ReplaceAll(eol, "\r", "CR"), "\n", "LF")+"/"+strconv.Itoa(n), func(t *testing.T) {
				t.Parallel()
				long := bytes.Repeat([]byte("0123456789abcdef"), n/16+1)[:n]
				in := "first\n" + string(long) + eol
				if eol != "" {
					in += "after\n"
				}
				ms, err := collect(NewLines(strings.NewReader(in), false))
				if err != io.EOF {
					t.Fatalf("err = %v", err)
				}
				want := 2
				if eol != "" {
					want = 3
				}
				if len(ms) != want {
					t.Fatalf("%d messages, want %d", len(ms), want)
				}
				if !bytes.Equal(ms[1].Data, long) {
					t.Fatalf("the long line came back as %d bytes, want %d", len(ms[1].Data), len(long))
				}
				if ms[1].Where() != "line 2" || (want == 3 && (string(ms[2].Data) != "after" || ms[2].Where() != "line 3")) {
					t.Errorf("positions %q %q", ms[1].Where(), ms[len(ms)-1].Where())
				}
			})
		}
	}
}

// TestLinesBareCRAtEOF: the doc says "\n" or "\r\n" ends a line, so a CR
// at the very end of the input, with no "\n" after it, is part of the line.
func TestLinesBareCRAtEOF(t *testing.T) {
	t.Parallel()
	for in, want := range map[string][]wantMsg{
		"abc\r":    {{"abc\r", "line 1"}},
		"a\n\r":    {{"a", "line 1"}, {"\r", "line 2"}},
		"a\r\nb\r": {{"a", "line 1"}, {"b\r", "line 2"}},
	} {
		ms, err := collect(NewLines(strings.NewReader(in), false))
		if err != io.EOF {
			t.Fatalf("%q: err = %v", in, err)
		}
		checkMessages(t, ms, want, false)
	}
}

func TestLinesPending(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		in    string
		after []int // Pending after the first, second, ... Next
	}{
		{"complete lines", "1\n2\n3\n", []int{2, 1, 0}},
		{"blank lines not counted", "a\n\n\r\nb\r\n\n", []int{1, 0}},
		{"a partial last line not counted", "a\nb\nc", []int{1, 0, 0}},
		{"CRLF", "a\r\nb\r\nc\r\n", []int{2, 1, 0}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			l := NewLines(strings.NewReader(tc.in), false)
			if n := l.Pending(); n != 0 {
				t.Errorf("Pending before reading = %d, want 0", n)
			}
			for i, want := range tc.after {
				if _, err := l.Next(); err != nil {
					t.Fatalf("Next %d: %v", i+1, err)
				}
				if got := l.Pending(); got != want {
					t.Errorf("Pending after Next %d = %d, want %d", i+1, got, want)
				}
			}
		})
	}
}

// TestLinesPendingUnread counts only what was read from the input: lines
// still in the pipe are not pending.
func TestLinesPendingUnread(t *testing.T) {
	t.Parallel()
	pr, pw := io.Pipe()
	defer pr.Close()
	l := NewLines(pr, false)
	wrote := make(chan error, 1)
	go func() {
		_, err := pw.Write([]byte("1\n2\n"))
		if err == nil {
			_, err = pw.Write([]byte("3\n4\n"))
		}
		wrote <- err
		pw.Close()
	}()
	if _, err := l.Next(); err != nil {
		t.Fatal(err)
	}
	if n := l.Pending(); n != 1 {
		t.Errorf("Pending = %d, want 1 (\"2\" buffered, \"3\" and \"4\" still in the pipe)", n)
	}
	ms, err := collect(l)
	if err != io.EOF || strings.Join(datas(ms), ",") != "2,3,4" {
		t.Errorf("rest = %q, %v", datas(ms), err)
	}
	if err := <-wrote; err != nil {
		t.Fatal(err)
	}
}

func TestLinesInvalidUTF8(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("é", 50000) // 100000 bytes: past the read buffer
	cases := []struct {
		name   string
		in     string
		before []string
		err    string
	}{
		{"first line", "\xff\n", nil, "line 1: not valid UTF-8 at byte 0"},
		{"after blank lines", "ok\n\n\r\nab\xffc\nnever\n", []string{"ok"}, "line 4: not valid UTF-8 at byte 2"},
		{"truncated rune at the end", "x\nabc\xe2\x82", []string{"x"}, "line 2: not valid UTF-8 at byte 3"},
		{"after multibyte runes", "日本\xc0\x80\n", nil, "line 1: not valid UTF-8 at byte 6"},
		{"in a long line", "a\n" + long + "\xfe" + long + "\n", []string{"a"}, "line 2: not valid UTF-8 at byte 100000"},
		{"CRLF does not count", "a\r\n\xff\r\n", []string{"a"}, "line 2: not valid UTF-8 at byte 0"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ms, err := collect(NewLines(strings.NewReader(tc.in), false))
			if strings.Join(datas(ms), ",") != strings.Join(tc.before, ",") {
				t.Errorf("messages before the error = %q, want %q", datas(ms), tc.before)
			}
			var ie *InputError
			if !errors.As(err, &ie) {
				t.Fatalf("err = %v (%T), want *InputError", err, err)
			}
			if err.Error() != tc.err {
				t.Errorf("err = %q, want %q", err.Error(), tc.err)
			}

			// Binary mode sends the same input without looking at it.
			ms, err = collect(NewLines(strings.NewReader(tc.in), true))
			if err != io.EOF {
				t.Fatalf("binary: err = %v, want io.EOF", err)
			}
			if len(ms) <= len(tc.before) {
				t.Errorf("binary: %d messages, want more than %d", len(ms), len(tc.before))
			}
		})
	}
}

// errAfter returns its data, then err instead of io.EOF.
type errAfter struct {
	r   io.Reader
	err error
}

func (e *errAfter) Read(b []byte) (int, error) {
	n, err := e.r.Read(b)
	if err == io.EOF {
		err = e.err
	}
	return n, err
}

func TestLinesReadError(t *testing.T) {
	t.Parallel()
	broken := errors.New("broken pipe")
	l := NewLines(&errAfter{strings.NewReader("a\nb"), broken}, false)
	ms, err := collect(l)
	if !errors.Is(err, broken) {
		t.Fatalf("err = %v, want %v", err, broken)
	}
	if len(ms) == 0 || string(ms[0].Data) != "a" {
		t.Errorf("messages = %q, want \"a\" first", datas(ms))
	}
}

func TestInvalidUTF8(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in   string
		want int
	}{
		{"", -1},
		{"abc", -1},
		{"héllo €𝄞", -1},
		{"\uFFFD", -1}, // a valid replacement character
		{"\xff", 0},
		{"a\xc3", 1},
		{"é\xff", 2},
		{"a\uFFFD\xfe", 4},
		{"\xc0\xaf", 0},         // overlong
		{"ok\xed\xa0\x80", 2},   // surrogate
		{"\xf4\x90\x80\x80", 0}, // above U+10FFFF
		{"€\xe2\x82", 3},        // truncated at the end
		{"a\x80b", 1},           // lone continuation byte
	}
	for _, tc := range cases {
		if got := InvalidUTF8([]byte(tc.in)); got != tc.want {
			t.Errorf("InvalidUTF8(%q) = %d, want %d", tc.in, got, tc.want)
		}
	}
}

func TestCheckUTF8(t *testing.T) {
	t.Parallel()
	if err := CheckUTF8(Message{Data: []byte("fine"), Pos: "line 1"}); err != nil {
		t.Errorf("valid text: %v", err)
	}
	err := CheckUTF8(Message{Data: []byte("ab\xff"), Pos: "argument 2"})
	var ie *InputError
	if !errors.As(err, &ie) || ie.Pos != "argument 2" || ie.Msg != "not valid UTF-8 at byte 2" {
		t.Fatalf("err = %#v", err)
	}
	if err.Error() != "argument 2: not valid UTF-8 at byte 2" {
		t.Errorf("Error() = %q", err.Error())
	}
}

// TestNextBatchStopsAtABadLine: a batch ends before a line that fails its
// check, and the next call returns that line's error, as Next would.
func TestNextBatchStopsAtABadLine(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name, in string
		check    Check
		err      string
	}{
		{"json", "1\n{}\n\nnot json\n2\n", Check{JSON: true}, "line 4: not JSON: invalid character 'o' in literal null (expecting 'u') at byte 1"},
		{"utf8", "a\r\nb\n\n\xffz\nc\n", Check{}, "line 4: not valid UTF-8 at byte 0"},
	} {
		t.Run(c.name, func(t *testing.T) {
			l := NewRecords(strings.NewReader(c.in), '\n', c.check)
			var all []string
			for range 3 {
				batch, err := l.NextBatch(nil)
				for _, m := range batch {
					all = append(all, m.Where()+"="+string(m.Data))
				}
				if err != nil {
					if err.Error() != c.err {
						t.Errorf("error %q, want %q", err, c.err)
					}
					if len(all) != 2 {
						t.Errorf("read %q before the error, want the 2 good lines", all)
					}
					return
				}
			}
			t.Errorf("no error; read %q", all)
		})
	}
}

// TestPacedIsNotBatched: --interval holds each message back, so a paced
// source must not hand over a batch of the lines it wraps.
func TestPacedIsNotBatched(t *testing.T) {
	t.Parallel()
	var src Source = &Paced{Source: NewLines(strings.NewReader("a\nb\n"), false)}
	if _, ok := src.(Batcher); ok {
		t.Fatal("a Paced source is a Batcher")
	}
	if _, ok := Source(NewLines(strings.NewReader(""), false)).(Batcher); !ok {
		t.Fatal("Lines is not a Batcher")
	}
}
