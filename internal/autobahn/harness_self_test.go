package autobahn

// Tests of the harness itself: the fragmenting and the fail-fast step.

import (
	"bytes"
	"testing"
)

// TestMessageFrames: message splits as autobahn's sendMessage does,
// including the empty final continuation when the payload is a multiple
// of the fragment size.
func TestMessageFrames(t *testing.T) {
	tests := []struct {
		payload string
		size    int
		want    [][]byte
	}{
		{"abc", 0, [][]byte{fr(opText, "abc")}},
		{"abc", 3, [][]byte{fr(opText, "abc")}},
		{"abc", 2, [][]byte{frag(opText, "ab"), fr(opCont, "c")}},
		{"abcd", 2, [][]byte{frag(opText, "ab"), frag(opCont, "cd"), fr(opCont, "")}},
		{"ab", 1, [][]byte{frag(opText, "a"), frag(opCont, "b"), fr(opCont, "")}},
	}
	for _, tt := range tests {
		got := message(opText, []byte(tt.payload), tt.size)
		if !bytes.Equal(bytes.Join(got, nil), bytes.Join(tt.want, nil)) || len(got) != len(tt.want) {
			t.Errorf("message(%q, %d) = %q, want %q", tt.payload, tt.size, got, tt.want)
		}
	}
	if got := frame(true, 7, opClose, nil); !bytes.Equal(got, []byte{0xf8, 0}) {
		t.Errorf("frame with RSV 7 = % x, want f8 00", got)
	}
}

// TestFailFast: when wsx closes right after the part that breaks the
// message, failFast passes and the rest is never sent (a reserved opcode
// in the middle of a message, which gorilla fails at once).
func TestFailFast(t *testing.T) {
	ran := false
	c := fail("fail-fast", 1002, "",
		send(frag(opText, "fragment1")),
		send(fr(3, "")),
		failFast(func(*peer) error { ran = true; return nil }))
	runCase(t, &c)
	if ran {
		t.Error("failFast sent the rest although wsx had closed")
	}
}
