// A proxy that cannot be reached is named in the error as the proxy, not as the target.

package cmd

import (
	"testing"

	"github.com/wsx-cli/wsx/internal/exit"
)

// A refused proxy is named as the proxy, not as the target.
func TestProxyConnectionRefused(t *testing.T) {
	r := runWsx(&Env{}, "connect", "--proxy", "http://127.0.0.1:1", "ws://127.0.0.1:9/")
	want := "wsx: error: proxy http://127.0.0.1:1: dial tcp 127.0.0.1:1: connect: connection refused\n"
	if r.code != exit.Connect || r.stderr.String() != want {
		t.Errorf("exit %d; stderr %q, want %q", r.code, r.stderr, want)
	}
}
