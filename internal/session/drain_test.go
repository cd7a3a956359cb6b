package session

import (
	"testing"
	"time"
)

func TestQuietWindow(t *testing.T) {
	for _, c := range []struct{ handshake, limit, want time.Duration }{
		{time.Millisecond, 3 * time.Second, quietFloor},                   // loopback: the floor
		{200 * time.Millisecond, 3 * time.Second, 400 * time.Millisecond}, // far away: twice the handshake
		{5 * time.Second, 3 * time.Second, 3 * time.Second},               // never more than --close-timeout
		{time.Millisecond, 50 * time.Millisecond, 50 * time.Millisecond},  // a short --close-timeout wins
		{time.Millisecond, 0, quietFloor},                                 // no --close-timeout: no cap
	} {
		if got := quietWindow(c.handshake, c.limit); got != c.want {
			t.Errorf("quietWindow(%v, %v) = %v, want %v", c.handshake, c.limit, got, c.want)
		}
	}
}
