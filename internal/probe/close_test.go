package probe

import (
	"testing"

	"github.com/wsx-cli/wsx/closecodes"
	"github.com/wsx-cli/wsx/internal/wire"
	"github.com/wsx-cli/wsx/listen"
)

// The close check's rule: a close the server started passes for 1000, 1001
// and the --expect-close code, and for nothing else; without
// --expect-close, for 1000 and 1001 only.
func TestCloseRule(t *testing.T) {
	code := func(c closecodes.Code) *closecodes.Code { return &c }
	for _, tc := range []struct {
		expect *closecodes.Code // --expect-close; nil: none
		got    uint16           // the server's close code
		reason string
		passed bool
		detail string
	}{
		{nil, 1000, "", true, "closed by server: 1000 (normal closure)"},
		{nil, 1001, "", true, "closed by server: 1001 (going away)"},
		{nil, 1008, "", false, "closed by server: 1008 (policy violation)"},
		{nil, 4001, "", false, "closed by server: 4001 (private use)"},
		{code(1011), 1000, "", true, "closed by server: 1000 (normal closure)"},
		{code(1011), 1001, "", true, "closed by server: 1001 (going away)"},
		{code(1011), 1011, "", true, "closed by server: 1011 (internal error)"},
		{code(1011), 1008, "no", false, `closed by server: 1008 (policy violation) "no" (expected 1000, 1001 or 1011 (internal error))`},
		{code(1011), 4001, "", false, "closed by server: 4001 (private use) (expected 1000, 1001 or 1011 (internal error))"},
		{code(4001), 4001, "", true, "closed by server: 4001 (private use)"},
		{code(4001), 4002, "", false, "closed by server: 4002 (private use) (expected 1000, 1001 or 4001 (private use))"},
		{code(1000), 1008, "", false, "closed by server: 1008 (policy violation) (expected 1000 or 1001)"},
		{code(1001), 1000, "", true, "closed by server: 1000 (normal closure)"},
		// A close frame that breaks the protocol fails, whatever its code.
		{code(1008), 1008, "\xff", false, "closed by server: 1008 (policy violation) \"\\xff\""},
		{nil, 1000, "\xff", false, "closed by server: 1000 (normal closure) \"\\xff\""},
	} {
		p := &prober{res: &probeResult{}, pc: &Options{ExpectClose: tc.expect},
			ended: &listen.Result{Frame: &wire.CloseFrame{HasCode: true, Code: tc.got, Reason: []byte(tc.reason)}}}
		p.closedByServer()
		want := check{Name: "close", Passed: tc.passed, Detail: tc.detail}
		if got := p.res.Checks; len(got) != 1 || got[0] != want {
			t.Errorf("--expect-close %v, server closed with %d: checks %+v, want %+v", tc.expect, tc.got, got, want)
		}
	}
}
