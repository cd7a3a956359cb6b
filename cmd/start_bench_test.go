// The cost of a run's start: reading the command line, setting up, and a dial that fails at once.

package cmd

import (
	"bytes"
	"strings"
	"testing"

	"github.com/wsx-cli/wsx/internal/exit"
)

// BenchmarkStartRefused runs a send whose dial is refused (nobody listens on
// port 1): what it measures is wsx's own start, its command line and set-up,
// and not a session.
func BenchmarkStartRefused(b *testing.B) {
	args := []string{"send", "-q", "--count", "1", "ws://127.0.0.1:1/echo"}
	var stdout, stderr bytes.Buffer
	b.ReportAllocs()
	for b.Loop() {
		stdout.Reset()
		stderr.Reset()
		env := &Env{Stdin: strings.NewReader(""), Stdout: &stdout, Stderr: &stderr}
		if code := Main(args, env); code != exit.Connect {
			b.Fatalf("exit %d, want %d (a refused dial)\n%s", code, exit.Connect, stderr.String())
		}
	}
}
