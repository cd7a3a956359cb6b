package send

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"io"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/wsx-cli/wsx/format"
)

// Fuzz targets for what send parses: the prompt's slash commands, --null
// records, the JSON check of streamed files, the close payload wsx builds,
// and the frame boundaries the Coalescer follows.

// FuzzParseCommand: "/ping [data]" pings with everything after the first
// space, as typed; "/close [code|name] [reason]" takes a code without
// spaces and a trimmed reason; "/quit", "/exit" and "/q" quit; any other
// word is an *InputError naming it. A command written back the way a user
// types it parses as the same command.
func FuzzParseCommand(f *testing.F) {
	for _, s := range []string{
		"ping", "ping hello", "ping  two  spaces ", "close", "close 4001 token expired",
		"close going_away  bye now  ", "close   1000", "close 1000\treason", "quit", "exit now", "q",
		"", "pong", "PING", "ping\tx", "close \u00a01000 x", "quitting",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, typed string) {
		s := "/" + typed
		c, err := ParseCommand(s)
		name, rest, hasRest := strings.Cut(typed, " ")
		if err != nil {
			var ie *InputError
			if c != nil || !errors.As(err, &ie) || ie.Pos != "/"+name || strings.ContainsAny(ie.Msg, "\r\n") {
				t.Fatalf("ParseCommand(%q) = %v, %v; want nil and an *InputError at %q", s, c, err, "/"+name)
			}
			switch name {
			case "ping", "close", "quit", "exit", "q":
				t.Fatalf("ParseCommand(%q) refused the command %q", s, name)
			}
			return
		}
		switch c.Kind {
		case CmdPing:
			if name != "ping" || string(c.Data) != rest {
				t.Fatalf("ParseCommand(%q): ping %q, want %q", s, c.Data, rest)
			}
			back := "/ping"
			if hasRest {
				back += " " + string(c.Data)
			}
			if again, err := ParseCommand(back); err != nil || !bytes.Equal(again.Data, c.Data) {
				t.Fatalf("ParseCommand(%q) = ping %q, but %q gives %v, %v", s, c.Data, back, again, err)
			}
		case CmdClose:
			if name != "close" || strings.Contains(c.Code, " ") || c.Reason != strings.TrimSpace(c.Reason) ||
				c.Code == "" && c.Reason != "" || c.Code != strings.TrimLeftFunc(c.Code, isSpace) {
				t.Fatalf("ParseCommand(%q): close code %q, reason %q", s, c.Code, c.Reason)
			}
			back := "/close"
			for _, w := range []string{c.Code, c.Reason} {
				if w != "" {
					back += " " + w
				}
			}
			if again, err := ParseCommand(back); err != nil || again.Code != c.Code || again.Reason != c.Reason {
				t.Fatalf("ParseCommand(%q) = close %q %q, but %q gives %v, %v", s, c.Code, c.Reason, back, again, err)
			}
		case CmdQuit:
			if name != "quit" && name != "exit" && name != "q" {
				t.Fatalf("ParseCommand(%q) quits", s)
			}
		default:
			t.Fatalf("ParseCommand(%q): kind %q", s, c.Kind)
		}
	})
}

func isSpace(r rune) bool { return strings.TrimSpace(string(r)) == "" }

// FuzzPrompt: each line typed at the prompt (here the input split at
// "\n") is a message as typed, numbered by its line, except blank lines
// (skipped), lines starting with "//" (sent with one "/" less) and lines
// starting with "/" (a command, or a warning and nothing sent).
func FuzzPrompt(f *testing.F) {
	for _, s := range []string{
		"hello\n\n/ping x\n//slash\n/bogus\n/\n/close 4001 bye\n/quit\nafter",
		"", "\n\n", "/", "//", "///", "a\n/q\n/exit", " /ping", "/close\n/close x y z",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, input string) {
		lines := strings.Split(input, "\n")
		var warnings []string
		p := NewPrompt(&fakeLines{lines: lines, err: io.EOF}, nil, func(s string) { warnings = append(warnings, s) })
		got, err := collect(p)
		if err != io.EOF {
			t.Fatalf("err = %v, want io.EOF", err)
		}
		i, warned := 0, 0
		for n, line := range lines {
			pos := "input line " + strconv.Itoa(n+1)
			if line == "" {
				continue
			}
			if strings.HasPrefix(line, "/") && !strings.HasPrefix(line, "//") {
				if _, err := ParseCommand(line); err != nil {
					if warned >= len(warnings) || warnings[warned] != err.Error() {
						t.Fatalf("line %q: warnings %q, want %q", line, warnings, err.Error())
					}
					warned++
					continue
				}
			}
			if i >= len(got) {
				t.Fatalf("%d messages; line %d (%q) is missing", len(got), n+1, line)
			}
			m := got[i]
			i++
			want := strings.TrimPrefix(line, "/")
			if !strings.HasPrefix(line, "//") && strings.HasPrefix(line, "/") {
				if m.Cmd == nil || m.Where() != pos {
					t.Fatalf("line %q: command %v at %q, want one at %q", line, m.Cmd, m.Where(), pos)
				}
				continue
			}
			if !strings.HasPrefix(line, "/") {
				want = line
			}
			if m.Cmd != nil || string(m.Data) != want || m.Where() != pos {
				t.Fatalf("line %q: message %q at %q (command %v), want %q at %q", line, m.Data, m.Where(), m.Cmd, want, pos)
			}
		}
		if i != len(got) || warned != len(warnings) {
			t.Fatalf("%d messages and %d warnings, want %d and %d", len(got), len(warnings), i, warned)
		}
	})
}

// FuzzRecords: with --null, the messages are exactly the input's
// non-empty NUL-separated records, "\r" and "\n" kept as data, numbered
// "record N"; in text mode the first record that is not UTF-8 is refused
// with its number and byte offset, and nothing after it comes.
func FuzzRecords(f *testing.F) {
	for _, s := range []string{"", "a\x00b", "a\x00\x00b\x00", "line one\nline two\x00x\r\n", "\x00", "ok\x00\xff\x00after", "\r\x00"} {
		f.Add([]byte(s), uint64(len(s)))
	}
	f.Fuzz(func(t *testing.T, in []byte, seed uint64) {
		var want [][]byte
		var nums []int
		for i, r := range bytes.Split(in, []byte{0}) {
			if len(r) > 0 {
				want, nums = append(want, r), append(nums, i+1)
			}
		}
		for _, binaryMode := range []bool{true, false} {
			rng := rand.New(rand.NewPCG(seed, seed^1))
			got, err := collect(NewRecords(&chunkReader{b: in, rng: rng}, 0, Check{Binary: binaryMode}))
			bad := -1
			for i, r := range want {
				if !binaryMode && !utf8.Valid(r) {
					bad = i
					break
				}
			}
			n := len(want)
			if bad >= 0 {
				n = bad
				wantErr := "record " + strconv.Itoa(nums[bad]) + ": not valid UTF-8 at byte " + strconv.Itoa(InvalidUTF8(want[bad]))
				if err == nil || err.Error() != wantErr {
					t.Fatalf("binary %v: err = %v, want %q", binaryMode, err, wantErr)
				}
			} else if err != io.EOF {
				t.Fatalf("binary %v: err = %v, want io.EOF", binaryMode, err)
			}
			if len(got) != n {
				t.Fatalf("binary %v: %d records, want %d", binaryMode, len(got), n)
			}
			for i, m := range got {
				if pos := "record " + strconv.Itoa(nums[i]); !bytes.Equal(m.Data, want[i]) || m.Where() != pos {
					t.Fatalf("binary %v: record %q at %s, want %q at %s", binaryMode, m.Data, m.Where(), want[i], pos)
				}
			}
		}
	})
}

// FuzzOneJSONValue: with --json, a message is checked in memory
// (format.ValidJSON) or, for a large @FILE, streamed token by token
// (oneJSONValue). The two must agree, so that whether a message is JSON
// does not depend on its size, and agree with encoding/json, which finds
// where a message in memory is not JSON; an error is one line of valid
// UTF-8. Nesting deeper than format.MaxJSONDepth (issue 7), which the
// fuzzer does not reach, is in TestCheckDeepNesting.
func FuzzOneJSONValue(f *testing.F) {
	for _, s := range []string{
		`{"op":"ping"}`, `[1, 2.5e10, -0, true, false, null]`, `"\u00e9"`, ` 1 `, `1 2`, `{"a":`, ``, `x`,
		"[1,]", `{"a" 1}`, "\xff", `"` + "\xff" + `"`, `{"a":1}}`, "[" + strings.Repeat("é", 50) + "x]", "1e400", "\ufeff1",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		err := oneJSONValue(bytes.NewReader(data))
		if (err == nil) != format.ValidJSON(data) || json.Valid(data) != format.ValidJSON(data) {
			t.Fatalf("%q: streamed check says %v, format.ValidJSON %v, json.Valid %v", data, err, format.ValidJSON(data), json.Valid(data))
		}
		inline := Check{JSON: true, Binary: true}.Message(Message{Data: data, Pos: "argument 1"})
		if (inline == nil) != (err == nil) {
			t.Fatalf("%q: in memory %v, streamed %v", data, inline, err)
		}
		for _, e := range []error{err, inline} {
			if e != nil && (strings.ContainsAny(e.Error(), "\r\n") || !utf8.ValidString(e.Error())) {
				t.Fatalf("%q: error %q is not one line of UTF-8", data, e.Error())
			}
		}
	})
}

// FuzzClosePayload: the close payload wsx sends is the code, big-endian,
// then the reason cut to the 123 bytes a control frame leaves: a prefix of
// it, whole when it fits, and for UTF-8 text cut at a character boundary,
// losing less than one character. Without a code it is empty.
func FuzzClosePayload(f *testing.F) {
	f.Add(uint16(1000), true, "")
	f.Add(uint16(4001), true, "token expired")
	f.Add(uint16(1005), false, "ignored")
	f.Add(uint16(1000), true, strings.Repeat("a", 123))
	f.Add(uint16(1000), true, strings.Repeat("a", 124))
	f.Add(uint16(1000), true, strings.Repeat("é", 70))
	f.Add(uint16(1000), true, strings.Repeat("a", 122)+"😀")
	f.Add(uint16(65535), true, strings.Repeat("\x80", 200))
	f.Fuzz(func(t *testing.T, code uint16, hasCode bool, reason string) {
		p := Payload(code, hasCode, reason)
		if !hasCode {
			if len(p) != 0 {
				t.Fatalf("Payload without a code = %q", p)
			}
			return
		}
		if len(p) < 2 || len(p) > 125 || binary.BigEndian.Uint16(p) != code {
			t.Fatalf("Payload(%d, %q) = %q", code, reason, p)
		}
		cut := string(p[2:])
		if !strings.HasPrefix(reason, cut) || len(reason) <= 123 && cut != reason {
			t.Fatalf("Payload(%d, %q): reason %q", code, reason, cut)
		}
		if utf8.ValidString(reason) && len(reason) > 123 && (!utf8.ValidString(cut) || len(cut) < 120 || !utf8.RuneStart(reason[len(cut)])) {
			t.Fatalf("Payload(%d, %q): reason cut to %q", code, reason, cut)
		}
	})
}
