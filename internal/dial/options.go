package dial

import (
	"bufio"
	"fmt"
	"net/http"
	"os"
	"strings"

	"github.com/wsx-cli/wsx/internal/exit"
)

// ParseHeaders reads -H values: "Name: value", or @FILE with one header a line
// (blank lines and lines starting with # are skipped).
func ParseHeaders(values []string) (http.Header, error) {
	h := http.Header{}
	for _, v := range values {
		if file, ok := strings.CutPrefix(v, "@"); ok {
			if err := readHeaderFile(h, file); err != nil {
				return nil, err
			}
			continue
		}
		if err := addHeader(h, v, "--header"); err != nil {
			return nil, err
		}
	}
	return h, nil
}

func readHeaderFile(h http.Header, file string) error {
	f, err := os.Open(file)
	if err != nil {
		return exit.Usagef("cannot read header file: %v", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if err := addHeader(h, line, fmt.Sprintf("%s line %d", file, n)); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		return exit.Usagef("cannot read header file %s: %v", file, err)
	}
	return nil
}

// addHeader adds one "Name: value" line; where names it in the error. The
// value is never echoed: it may be a secret.
func addHeader(h http.Header, line, where string) error {
	name, value, ok := strings.Cut(line, ":")
	name = strings.TrimSpace(name)
	if !ok || !isHTTPToken(name) {
		return exit.Usagef("invalid header in %s: want 'Name: value'", where)
	}
	if i := strings.IndexFunc(value, func(r rune) bool { return r < ' ' && r != '\t' || r == 0x7f }); i >= 0 {
		return exit.Usagef("invalid header in %s: the value of %s holds a control character (byte %d)", where, name, len(name)+1+i)
	}
	h.Add(name, strings.TrimSpace(value))
	return nil
}

// ParseProtocols reads --protocol: repeated, comma-separated subprotocol
// names, each an HTTP token (RFC 6455 §4.1).
func ParseProtocols(values []string) ([]string, error) {
	var out []string
	for _, v := range values {
		for _, p := range strings.Split(v, ",") {
			p = strings.TrimSpace(p)
			if !isHTTPToken(p) {
				return nil, exit.Usagef("invalid --protocol %q: a subprotocol name is a token (letters, digits and !#$%%&'*+-.^_`|~, no spaces)", p)
			}
			out = append(out, p)
		}
	}
	return out, nil
}

// isHTTPToken reports whether s is an HTTP token (RFC 9110 §5.6.2).
func isHTTPToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`"(),/:;<=>?@[\]{}`, c) >= 0 {
			return false
		}
	}
	return true
}
