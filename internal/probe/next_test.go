package probe

import (
	"testing"

	"github.com/wsx-cli/wsx/listen"
)

// A reply that came just before the server closed is matched: when both
// the reply and the end are ready, the reply is taken first.
func TestReplyBeforeTheEnd(t *testing.T) {
	for range 100 {
		p := &prober{ctx: t.Context(), in: newInbox([]Step{{Kind: StepExpect}}, nil), readDone: make(chan listen.Result, 1)}
		p.in.put([]byte("x"))
		p.readDone <- listen.Result{}
		if data, ok := p.next(); !ok || string(data) != "x" {
			t.Fatalf("next: %q, %v; want the reply before the end", data, ok)
		}
		if _, ok := p.next(); ok || p.ended == nil {
			t.Fatalf("next after the reply: %v, ended %v; want the end", ok, p.ended)
		}
	}
}
