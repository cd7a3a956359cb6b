package probe

import (
	"strings"
	"testing"
)

// Each step's check is named so that the report shows the order: sends and
// replies numbered apart, a ping or a wait numbered only when there are
// more than one, and the two that end the conversation named as before.
func TestStepNames(t *testing.T) {
	for _, tc := range []struct {
		kinds []StepKind
		want  string
	}{
		{nil, ""},
		{[]StepKind{StepSend, StepExpect, StepSend, StepExpect, StepExpect}, "send 1, reply 1, send 2, reply 2, reply 3"},
		{[]StepKind{StepPing, StepSend, StepWait, StepExpect, StepExpectClose}, "ping, send 1, wait, reply 1, close code"},
		{[]StepKind{StepPing, StepWait, StepPing, StepWait, StepWait, StepClose}, "ping 1, wait 1, ping 2, wait 2, wait 3, close"},
	} {
		steps := make([]Step, len(tc.kinds))
		for i, k := range tc.kinds {
			steps[i].Kind = k
		}
		if got := strings.Join(stepNames(steps), ", "); got != tc.want {
			t.Errorf("%v: %q, want %q", tc.kinds, got, tc.want)
		}
	}
}
