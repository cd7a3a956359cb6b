package dial

import (
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/wsx-cli/wsx/internal/wstest"
)

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
		h, err := ParseHeaders([]string{a, b, "@" + path})
		if err != nil {
			e := wstest.CheckUsage(t, err, "")
			if ok && !strings.Contains(e.Msg, "token too long") {
				t.Fatalf("ParseHeaders refused %q: %v", lines, err)
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
			t.Fatalf("ParseHeaders accepted %q, which holds a line that is not 'Name: value'", lines)
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
		h, err := ParseHeaders([]string{strings.TrimLeft(line, "@")})
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

// headerLine is one header as the README documents -H: "Name: value",
// spaces around both dropped.
type headerLine struct{ name, value string }

// headerErrorText is the fixed text of header errors: a value found in it
// is not a leak.
const headerErrorText = "invalid header in --header line : want 'Name: value' cannot read header file bufio.Scanner: token too long" +
	" the value of holds a control character (byte )"
