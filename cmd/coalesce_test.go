// Gathering frames never holds back a piped line while no more input waits.

package cmd

import (
	"io"
	"testing"

	"github.com/wsx-cli/wsx/internal/exit"
	"github.com/wsx-cli/wsx/serve"
)

// Gathering frames never delays a message while no more input waits: each
// line written to a pipe that then pauses comes back (echoed) before the
// next is written. If wsx held a line back, the wait would fail.
func TestPipedLineGoesOutAtOnce(t *testing.T) {
	for _, command := range []string{"connect", "send"} {
		_, url, _ := startServer(t, serve.Options{})
		stdin, feed := io.Pipe()
		stdout, stderr, done := startWsx(&Env{Stdin: stdin}, command, url)
		for _, line := range []string{"one", "two", "three"} {
			if _, err := io.WriteString(feed, line+"\n"); err != nil {
				t.Fatal(err)
			}
			stdout.Wait(t, line+"\n")
		}
		feed.Close()
		if code := waitExit(t, done); code != exit.OK {
			t.Fatalf("%s: exit %d; stderr:\n%s", command, code, stderr)
		}
		if got := stdout.String(); got != "one\ntwo\nthree\n" {
			t.Errorf("%s: stdout %q", command, got)
		}
	}
}
