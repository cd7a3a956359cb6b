package cmd

import (
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/urfave/cli/v2"
	"github.com/wsx-cli/wsx/closecodes"
)

// Fuzz targets for the parsers of flag values (cmd/flags.go, cmd/args.go).
// They call the parsing functions directly, never the app: urfave/cli keeps
// globals, so cmd's tests do not run the app in parallel.

// checkUsage fails unless err is a usage error (exit 2) whose message and
// hints are each one non-empty line in wsx's voice, the message starting
// with prefix.
func checkUsage(t *testing.T, err error, prefix string) *Error {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) || e.Code != ExitUsage {
		t.Fatalf("error %v (%T) is not a usage error", err, err)
	}
	if !strings.HasPrefix(e.Msg, prefix) {
		t.Fatalf("error %q does not start with %q", e.Msg, prefix)
	}
	for _, line := range append([]string{e.Msg}, e.Hints...) {
		if line == "" || strings.ContainsAny(line, "\r\n") || !unicode.IsLower([]rune(line)[0]) && line[0] != '\'' {
			t.Fatalf("error line %q is not one line starting in lower case", line)
		}
	}
	return e
}

// FuzzParseCloseCode: --close-code (and /close) takes a code wsx may send.
// What it accepts is what closecodes.Parse reads, and sendable; what wsx
// prints for a code (its number, and the slug of a registered one) reads
// back as the same code. A code Parse reads and that may be sent is never
// refused.
func FuzzParseCloseCode(f *testing.F) {
	for _, s := range []string{
		"1000", "1008", " 4001 ", "policy", "PolicyViolation", "bad-gateway", "1014",
		"1005", "1006", "1015", "1004", "999", "5000", "65535", "65536", "-1", "+1000",
		"", "close", "t", "try-again-later", "3000", "tls-handshake",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := parseCloseCode("close-code", s)
		pc, perr := closecodes.Parse(s)
		if err != nil {
			checkUsage(t, err, "invalid --close-code: ")
			if perr == nil && pc.Sendable() {
				t.Fatalf("parseCloseCode(%q) refused %d, which may be sent: %v", s, pc, err)
			}
			return
		}
		if perr != nil || pc != c {
			t.Fatalf("parseCloseCode(%q) = %d, but closecodes.Parse gives %d, %v", s, c, pc, perr)
		}
		if !c.Sendable() {
			t.Fatalf("parseCloseCode(%q) = %d, which may not be sent", s, c)
		}
		printed := []string{strconv.Itoa(int(c))}
		if c.Registered() {
			printed = append(printed, c.Slug())
		}
		for _, p := range printed {
			if back, err := parseCloseCode("close-code", p); err != nil || back != c {
				t.Fatalf("parseCloseCode(%q) = %d, but parseCloseCode(%q) = %d, %v", s, c, p, back, err)
			}
		}
	})
}

// FuzzParseCodeList: --expect-close is a comma list of codes or names. The
// set holds exactly the codes of the parts, every part must parse, and the
// set written back as numbers (as wsx prints codes) reads as the same set.
func FuzzParseCodeList(f *testing.F) {
	for _, s := range []string{
		"1000,1001", "1000", "1000, 1001 ,going-away", "normal,4001", "1005", "",
		",", "1000,", "1000,,1001", "policy,tls", "0,65535", "70000", "abnormal,no-status",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		set, err := parseCodeList("expect-close", s)
		parts := strings.Split(s, ",")
		want := map[closecodes.Code]bool{}
		var bad error
		for _, p := range parts {
			c, err := closecodes.Parse(strings.TrimSpace(p))
			if err != nil && bad == nil {
				bad = err
			}
			want[c] = true
		}
		if err != nil {
			checkUsage(t, err, "invalid --expect-close: ")
			if bad == nil {
				t.Fatalf("parseCodeList(%q) refused a list whose every part parses: %v", s, err)
			}
			return
		}
		if bad != nil {
			t.Fatalf("parseCodeList(%q) accepted a list with a bad part: %v", s, bad)
		}
		if !sameCodes(set, want) {
			t.Fatalf("parseCodeList(%q) = %v, want %v", s, set, want)
		}
		var nums []string
		for c := range set {
			nums = append(nums, strconv.Itoa(int(c)))
		}
		slices.Sort(nums)
		back, err := parseCodeList("expect-close", strings.Join(nums, ","))
		if err != nil || !sameCodes(back, set) {
			t.Fatalf("parseCodeList(%q) = %v, but its numbers %v read back as %v, %v", s, set, nums, back, err)
		}
	})
}

func sameCodes(a, b map[closecodes.Code]bool) bool {
	if len(a) != len(b) {
		return false
	}
	for c := range a {
		if !b[c] {
			return false
		}
	}
	return true
}

// sizeModel reads a --max-size value as the README documents it: a decimal
// byte count, optionally followed by a unit (KiB, MiB, GiB, kB, MB, GB, or
// K, M, G, B), in any case, with spaces around.
func sizeModel(s string) (n, mult int64, ok bool) {
	num := strings.ToLower(strings.TrimSpace(s))
	mult = 1
	units := []struct {
		suffix string
		mult   int64
	}{
		{"kib", 1 << 10}, {"mib", 1 << 20}, {"gib", 1 << 30},
		{"kb", 1e3}, {"mb", 1e6}, {"gb", 1e9},
		{"k", 1 << 10}, {"m", 1 << 20}, {"g", 1 << 30}, {"b", 1},
	}
	for _, u := range units { // longest first
		if rest, found := strings.CutSuffix(num, u.suffix); found {
			num, mult = strings.TrimSpace(rest), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(num, 10, 64)
	return n, mult, err == nil
}

// FuzzParseSize: a size is never negative and never over 2^62 without an
// error; it is the number times its unit; and a size accepts what wsx
// prints (a byte count, as in "larger than --max-size 1024 bytes") and the
// same amount written with each binary unit that divides it.
func FuzzParseSize(f *testing.F) {
	for _, s := range []string{
		"64MiB", "65536", "1GB", "1gib", " 10 KiB ", "0", "-1", "1.5MiB", "kib", "",
		"4611686018427387904", "4611686018427387905", "4194304GiB", "4194305GiB", "+7b", "7 b", "1e3",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := parseSize("max-size", s)
		num, mult, ok := sizeModel(s)
		if err != nil {
			checkUsage(t, err, "invalid --max-size "+strconv.Quote(s)+": ")
			if ok && num >= 0 && num <= (1<<62)/mult {
				t.Fatalf("parseSize(%q) refused %d×%d: %v", s, num, mult, err)
			}
			return
		}
		if n < 0 || n > 1<<62 {
			t.Fatalf("parseSize(%q) = %d, out of 0..2^62 without an error", s, n)
		}
		if !ok || n != num*mult {
			t.Fatalf("parseSize(%q) = %d, want %d×%d (ok %v)", s, n, num, mult, ok)
		}
		printed := []string{strconv.FormatInt(n, 10), strconv.FormatInt(n, 10) + "B"}
		for _, u := range []struct {
			name string
			mult int64
		}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}} {
			if n%u.mult == 0 {
				printed = append(printed, strconv.FormatInt(n/u.mult, 10)+u.name)
			}
		}
		for _, p := range printed {
			if back, err := parseSize("max-size", p); err != nil || back != n {
				t.Fatalf("parseSize(%q) = %d, but parseSize(%q) = %d, %v", s, n, p, back, err)
			}
		}
	})
}

// FuzzParseDuration: a duration is never negative without an error; Go
// syntax means what time.ParseDuration says; and a duration accepts what wsx
// prints (time.Duration's String, as in "--timeout 10s had passed").
func FuzzParseDuration(f *testing.F) {
	for _, s := range []string{
		"3s", "500ms", "2m", "1.5s", "1h2m3.5s", "10", "0.25", "0", "", "-1s", "-1", "-0",
		"NaN", "Inf", "-Inf", "1e9", "1e10", "9223372036854775807ns", "9999999999h", "s", "1 s", "0x10p0",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := parseDuration("timeout", s)
		if err != nil {
			checkUsage(t, err, "invalid --timeout "+strconv.Quote(s)+": ")
			if gd, gerr := time.ParseDuration(s); gerr == nil && gd >= 0 {
				t.Fatalf("parseDuration(%q) refused the Go duration %v: %v", s, gd, err)
			}
			return
		}
		if d < 0 {
			t.Fatalf("parseDuration(%q) = %v, negative without an error", s, d)
		}
		if gd, gerr := time.ParseDuration(s); gerr == nil && gd != d {
			t.Fatalf("parseDuration(%q) = %v, but time.ParseDuration gives %v", s, d, gd)
		}
		if s == "" && d != 0 {
			t.Fatalf("parseDuration(\"\") = %v, want 0 (not set)", d)
		}
		if back, err := parseDuration("timeout", d.String()); err != nil || back != d {
			t.Fatalf("parseDuration(%q) = %v, but parseDuration(%q) = %v, %v", s, d, d.String(), back, err)
		}
	})
}

// headerLine is one header as the README documents -H: "Name: value",
// spaces around both dropped.
type headerLine struct{ name, value string }

// headerModel reads lines as -H values or @FILE lines do; ok is false when
// one of them is not a header HTTP can carry: the name an RFC 9110 token,
// the value without control characters other than HTAB.
func headerModel(lines []string) (hs []headerLine, ok bool) {
	for _, l := range lines {
		name, value, found := strings.Cut(l, ":")
		name = strings.TrimSpace(name)
		if !found || !isRFCToken(name) || !isRFCFieldValue(value) {
			return nil, false
		}
		hs = append(hs, headerLine{http.CanonicalHeaderKey(name), strings.TrimSpace(value)})
	}
	return hs, true
}

// fileLines splits a header file as bufio.ScanLines does, and drops blank
// lines and # comments.
func fileLines(data []byte) []string {
	var out []string
	lines := strings.Split(string(data), "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	for _, l := range lines {
		l = strings.TrimSpace(strings.TrimSuffix(l, "\r"))
		if l != "" && !strings.HasPrefix(l, "#") {
			out = append(out, l)
		}
	}
	return out
}

// FuzzParseHeaders: -H values and an @FILE. Every header returned has a
// name without blanks, CR or LF and a value without CR or LF, trimmed; the
// headers are exactly the documented reading of the input, in order (see
// headerModel); and an error, which names the flag or the file and line,
// never shows a value (it may be a secret).
func FuzzParseHeaders(f *testing.F) {
	f.Add("Authorization: Bearer s3cret-token", "X-Trace:abc", []byte("# comment\nCookie: a=b\r\n\n  X-Two :  2  \n"))
	f.Add("NoColon", "", []byte(""))
	f.Add("X: y", "Bad Name: v", []byte("X-Ok: 1\n"))
	f.Add("X: y", ": v", []byte("Good: 1\nbad line with secret-value\n"))
	f.Add("X: a\rb", "Y: 1", []byte("x: \x00"))
	f.Add("x-lower: v", "X-LOWER: w", []byte("#only a comment"))
	f.Add("Key: ", "K:v:w", []byte("A: 1\r\nB: 2\rC: 3\n"))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, a, b string, file []byte) {
		a, b = strings.TrimLeft(a, "@"), strings.TrimLeft(b, "@") // @ reads a file: only ours
		path := filepath.Join(dir, "headers")
		if err := os.WriteFile(path, file, 0o600); err != nil {
			t.Fatal(err)
		}
		lines := append([]string{a, b}, fileLines(file)...)
		want, ok := headerModel(lines)
		h, err := parseHeaders([]string{a, b, "@" + path})
		if err != nil {
			e := checkUsage(t, err, "")
			if ok && !strings.Contains(e.Msg, "token too long") {
				t.Fatalf("parseHeaders refused %q: %v", lines, err)
			}
			public := path + headerErrorText // what an error may show: names too
			for _, l := range lines {
				name, _, _ := strings.Cut(l, ":")
				public += " " + name
			}
			for _, l := range lines {
				_, v, _ := strings.Cut(l, ":")
				for _, secret := range []string{strings.TrimSpace(l), strings.TrimSpace(v)} {
					if len(secret) >= 6 && !strings.Contains(public, secret) && strings.Contains(e.Msg, secret) {
						t.Fatalf("error %q shows the input %q", e.Msg, secret)
					}
				}
			}
			return
		}
		if !ok {
			t.Fatalf("parseHeaders accepted %q, which holds a line that is not 'Name: value'", lines)
		}
		for name, values := range h {
			if name == "" || strings.ContainsAny(name, " \t\r\n") {
				t.Fatalf("header name %q", name)
			}
			for _, v := range values {
				if strings.ContainsAny(v, "\r\n") || v != strings.TrimSpace(v) {
					t.Fatalf("header %s has value %q", name, v)
				}
			}
		}
		for name, values := range h {
			var wantValues []string
			for _, w := range want {
				if w.name == name {
					wantValues = append(wantValues, w.value)
				}
			}
			if !slices.Equal(values, wantValues) {
				t.Fatalf("header %s = %q, want %q (input %q)", name, values, wantValues, lines)
			}
		}
		if n := countValues(h); n != len(want) {
			t.Fatalf("%d header values, want %d (input %q)", n, len(want), lines)
		}
	})
}

// headerErrorText is the fixed text of header errors: a value found in it
// is not a leak.
const headerErrorText = "invalid header in --header line : want 'Name: value' cannot read header file bufio.Scanner: token too long" +
	" the value of holds a control character (byte )"

func countValues(h http.Header) int {
	n := 0
	for _, v := range h {
		n += len(v)
	}
	return n
}

// isRFCToken reports whether s is an RFC 9110 token (§5.6.2), what a
// header field name must be.
func isRFCToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return true
}

// isRFCFieldValue reports whether s may be sent as a header field value
// (RFC 9110 §5.5): no control characters other than HTAB, no DEL.
func isRFCFieldValue(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < ' ' && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}

// FuzzParseHeadersOnWire: a header -H accepts is sent as given, so it must
// be one HTTP can carry: the name a token, the value free of control
// characters. Otherwise wsx would connect and send a malformed upgrade
// request, where a bad -H is a usage error (exit 2) before connecting.
func FuzzParseHeadersOnWire(f *testing.F) {
	for _, s := range []string{"X-Token: abc", "Authorization: Bearer a b", "X:\tv", "Bad Name: x", "x: y\r\nz: w"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		h, err := parseHeaders([]string{strings.TrimLeft(line, "@")})
		if err != nil {
			return
		}
		for name, values := range h {
			if !isRFCToken(name) {
				t.Fatalf("-H %q gives header name %q, not an HTTP token", line, name)
			}
			for _, v := range values {
				if !isRFCFieldValue(v) {
					t.Fatalf("-H %q gives header value %q, with control characters", line, v)
				}
			}
		}
	})
}

// FuzzSplitFlags: flags may come before or after the URL. splitFlags must
// give the flags (each value-taking one with the argument after it, unless
// it holds "="), then "--", then the other arguments, all in their order;
// everything after the first "--" is an argument, as it is; a value-taking
// flag at the end, or before "--", is a usage error. What it gives, read
// again, stays as it is. The arguments come NUL-separated.
func FuzzSplitFlags(f *testing.F) {
	for _, s := range []string{
		"ws://h/\x00-n\x003\x00--close-code\x00going-away",
		"-H\x00X: y\x00ws://h/\x00--\x00-not-a-flag",
		"--count=3\x00url\x00-q\x00extra",
		"url\x00--header",
		"url\x00-H\x00--",
		"--help\x00url\x00-n\x001",
		"-\x00--\x00--\x00-v",
		"--unknown\x00value",
		"-n\x00-q\x00url",
		"",
	} {
		f.Add(s)
	}
	defs := connectCommand(nil).Flags
	takesValue := map[string]bool{}
	for _, d := range defs {
		_, isBool := d.(*cli.BoolFlag)
		for _, n := range d.Names() {
			takesValue[n] = !isBool
		}
	}
	f.Fuzz(func(t *testing.T, joined string) {
		var args []string
		if joined != "" {
			args = strings.Split(joined, "\x00")
		}
		out, err := splitFlags(defs, slices.Clone(args))

		var flags, rest []string
		help, missing := false, ""
		for i := 0; i < len(args); i++ {
			a := args[i]
			if a == "--" {
				rest = append(rest, args[i+1:]...)
				break
			}
			if len(a) < 2 || a[0] != '-' {
				rest = append(rest, a)
				continue
			}
			flags = append(flags, a)
			name := strings.TrimLeft(a, "-")
			help = help || name == "help" || name == "h"
			if takesValue[name] && !strings.Contains(name, "=") {
				if i+1 == len(args) || args[i+1] == "--" {
					missing = a
					break
				}
				i++
				flags = append(flags, args[i])
			}
		}
		if missing != "" {
			if err == nil {
				t.Fatalf("splitFlags(%q) = %q, but %s has no value", args, out, missing)
			}
			checkUsage(t, err, "flag "+missing+" needs a value")
			return
		}
		if err != nil {
			t.Fatalf("splitFlags(%q): %v", args, err)
		}
		want := slices.Concat(flags, []string{"--"}, rest)
		if help {
			want = flags
		}
		if !slices.Equal(out, want) {
			t.Fatalf("splitFlags(%q) = %q, want %q", args, out, want)
		}
		if again, err := splitFlags(defs, slices.Clone(out)); err != nil || !slices.Equal(again, out) {
			t.Fatalf("splitFlags(%q) = %q, but that splits again as %q, %v", args, out, again, err)
		}
	})
}
