package wstest

import (
	"errors"
	"strings"
	"testing"
	"unicode"

	"github.com/wsx-cli/wsx/internal/exit"
)

// CheckUsage fails unless err is a usage error (exit 2) whose message and
// hints are each one non-empty line in wsx's voice, the message starting
// with prefix.
func CheckUsage(t testing.TB, err error, prefix string) *exit.Error {
	t.Helper()
	var e *exit.Error
	if !errors.As(err, &e) || e.Code != exit.Usage {
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
