package cmd

// A message nested deeper than any JSON wsx will walk (format.MaxJSONDepth):
// the default --max-size (64 MiB) admits 60 MiB of "[[[[...", which once
// overflowed the stack in listen --filter. Now it is a clear outcome: the
// message is not JSON, so no filter keeps it, --select finds nothing in it,
// and pretty and compact print it as the text it is.

import (
	"bytes"
	"strings"
	"testing"

	"github.com/wsx-cli/wsx/serve"
)

func TestDeeplyNestedMessage(t *testing.T) {
	filter := [][]string{{"--filter", "a"}}
	all := [][]string{{"--filter", "a"}, {"--select", "a"}, {"-f", "pretty"}, {"-f", "compact"}}
	for _, c := range []struct {
		name  string
		data  []byte
		flags [][]string
	}{
		// the case that crashed, whole: 60 MiB, under the default --max-size
		{"60 MiB of [", bytes.Repeat([]byte("["), 60<<20), filter},
		// deeper than the limit, smaller: the same rule, in less time
		{"closed arrays", append(bytes.Repeat([]byte("["), 1<<19), bytes.Repeat([]byte("]"), 1<<19)...), all},
		{"objects", append(bytes.Repeat([]byte(`{"a":`), 1<<17), append([]byte("1"), bytes.Repeat([]byte("}"), 1<<17)...)...), all},
	} {
		t.Run(c.name, func(t *testing.T) {
			// the server greets with the message, then closes with 1000
			srv := serve.New(serve.Options{Greet: []serve.Message{{Data: c.data}}, CloseAfter: 0, CloseCode: 1000, DropAfter: -1})
			url, err := srv.Listen("127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { srv.Close() })
			for _, flags := range c.flags {
				want := "" // nothing kept
				if flags[0] == "-f" {
					want = string(c.data) + "\n" // printed as it is
				}
				r := runWsx(&Env{}, append(append([]string{"listen"}, flags...), url)...)
				if out := r.stdout.String(); r.code != 0 || out != want {
					t.Errorf("listen %s: exit %d, %d bytes on stdout, want exit 0 and %d bytes; stderr:\n%.300s",
						strings.Join(flags, " "), r.code, len(out), len(want), r.stderr.String())
				}
			}
		})
	}
}
