// --ping-timeout against a server that reads and ignores pings: wsx closes with 1011 and exits 5, or connects again.

package cmd

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/urfave/cli/v3"
	"github.com/wsx-cli/wsx/internal/session"
	"github.com/wsx-cli/wsx/internal/wstest"
)

// deafServer reads every frame and answers none: no pong, no close echo. It
// reports the frames of each connection.
func deafServer(t *testing.T) (*wstest.RawServer, <-chan []wstest.RawFrame) {
	t.Helper()
	frames := make(chan []wstest.RawFrame, 4)
	srv := wstest.StartRawServer(t, func(c *wstest.RawConn) {
		if c.Upgrade() != nil {
			return
		}
		fs, _ := c.ReadUntilClose()
		frames <- fs
	})
	return srv, frames
}

// checkDeaf checks that a connection had pings and ended with wsx's 1011.
func checkDeaf(t *testing.T, fs []wstest.RawFrame) {
	t.Helper()
	pings := 0
	for _, f := range fs {
		if f.Op == wstest.OpPing {
			pings++
		}
	}
	if pings == 0 || len(fs) == 0 || fs[len(fs)-1].Op != wstest.OpClose || fs[len(fs)-1].CloseCode() != 1011 ||
		string(fs[len(fs)-1].Payload[2:]) != "no pong" {
		t.Errorf("the server saw %v; want pings, then a close with 1011 \"no pong\"", fs)
	}
}

func TestPingTimeout(t *testing.T) {
	srv, frames := deafServer(t)
	start := time.Now()
	_, stderr, done := startWsx(&Env{}, "listen", "--ping-interval", "50ms", "--ping-timeout", "200ms", srv.URL())
	if code := waitExit(t, done); code != 5 {
		t.Fatalf("exit %d, want 5; stderr:\n%s", code, stderr)
	}
	// the ping timeout, then at most as long again for the echo
	if took := time.Since(start); took < 200*time.Millisecond {
		t.Errorf("ended after %v, before --ping-timeout passed", took)
	}
	checkDeaf(t, wstest.Receive(t, frames))
	for _, line := range []string{
		"wsx: error: no pong within --ping-timeout 200ms: the connection is dead; closed with 1011",
		`closed by client: 1011 (internal error) "no pong"; no close echo from server`,
	} {
		if !hasLine(stderr.String(), line) {
			t.Errorf("stderr has no line %q:\n%s", line, stderr)
		}
	}
}

// With --reconnect each dead connection is an end to retry; the last one is
// reported as without it.
func TestPingTimeoutReconnects(t *testing.T) {
	srv, frames := deafServer(t)
	_, stderr, done := startWsx(&Env{}, "listen", "--reconnect", "--reconnect-delay", "10ms", "--reconnect-max", "1",
		"--ping-timeout", "150ms", "--send", "sub", srv.URL())
	if code := waitExit(t, done); code != 5 {
		t.Fatalf("exit %d, want 5; stderr:\n%s", code, stderr)
	}
	for range 2 {
		fs := wstest.Receive(t, frames)
		checkDeaf(t, fs)
		if fs[0].Op != wstest.OpText || string(fs[0].Payload) != "sub" {
			t.Errorf("the connection began with %v, not the --send", fs[0])
		}
	}
	if !strings.Contains(stderr.String(), "no pong within --ping-timeout 150ms: the connection is dead; closed with 1011; reconnecting in ") ||
		!hasLine(stderr.String(), "wsx: error: no pong within --ping-timeout 150ms: the connection is dead; closed with 1011") {
		t.Errorf("stderr:\n%s", stderr)
	}
}

// --reconnect with --ping-interval turns --ping-timeout on (30s); without
// --ping-interval it stays off.
func TestPingTimeoutDefault(t *testing.T) {
	for _, c := range []struct {
		args []string
		want time.Duration
	}{
		{[]string{"--reconnect", "--ping-interval", "5s"}, 30 * time.Second},
		{[]string{"--reconnect", "--ping-interval", "5s", "--ping-timeout", "0"}, 0},
		{[]string{"--reconnect"}, 0},
		{[]string{"--ping-interval", "5s"}, 0},
		{[]string{"--ping-timeout", "2s"}, 2 * time.Second},
	} {
		so := readSessionFlags(t, "listen", c.args...)
		if so.PingTimeout != c.want {
			t.Errorf("%v: --ping-timeout %v, want %v", c.args, so.PingTimeout, c.want)
		}
	}
}

// readSessionFlags reads a command's session options from its flags, as the
// command does before it connects.
func readSessionFlags(t *testing.T, command string, args ...string) *session.Options {
	t.Helper()
	env := &Env{Getenv: func(string) string { return "" }}
	var so *session.Options
	app := newApp(env, "")
	for _, c := range app.Commands {
		if c.Name == command {
			c.Action = func(_ context.Context, c *cli.Command) error {
				var err error
				if _, so, err = readConfigs(indexed(c), env, "ws://127.0.0.1:1/"); err != nil {
					return err
				}
				return readReconnect(indexed(c), so)
			}
		}
	}
	if err := app.Run(context.Background(), append([]string{"wsx", command}, args...)); err != nil || so == nil {
		t.Fatalf("%v: %v", args, err)
	}
	return so
}
