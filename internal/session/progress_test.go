package session

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/wsx-cli/wsx/closecodes"
	"github.com/wsx-cli/wsx/format"
	"github.com/wsx-cli/wsx/internal/wstest"
	"github.com/wsx-cli/wsx/send"
)

// slowReader is a server that reads nothing until resume is closed, then
// reads everything and answers the close.
func slowReader(t *testing.T, resume <-chan struct{}) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := upgrader.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer c.Close()
		select {
		case <-resume:
		case <-time.After(wstest.Failsafe):
			return
		}
		for {
			if _, _, err := c.ReadMessage(); err != nil {
				return
			}
		}
	}))
	t.Cleanup(srv.Close)
	return "ws" + strings.TrimPrefix(srv.URL, "http") + "/"
}

// TestSessionProgress sends a big @FILE to a server that makes it wait:
// with Progress, its meter shows meanwhile and is gone before the close
// line and the summary, which start on clean lines; without, stderr has
// nothing of it.
func TestSessionProgress(t *testing.T) {
	path := filepath.Join(t.TempDir(), "big.bin")
	if err := os.WriteFile(path, make([]byte, 64<<20), 0o600); err != nil { // past what the sockets hold
		t.Fatal(err)
	}
	withMeter := regexp.MustCompile(`^connected to [^\r\n]*\n(\rsending ` + regexp.QuoteMeta(path) + `: [^\r\n]*\x1b\[K)+\r\x1b\[K` +
		`closed by client: 1000 \(normal closure\); server echoed 1000\nsent 1 message \(67108864 bytes\), received 0 messages \(0 bytes\)\n$`)
	for _, progress := range []bool{true, false} {
		resume := make(chan struct{})
		url := slowReader(t, resume)
		src, err := send.NewArgs("argument", []string{"@" + path}, nil, send.Check{}, 1)
		if err != nil {
			t.Fatal(err)
		}
		stderr := wstest.NewSyncBuffer()
		out := format.New(wstest.NewSyncBuffer(), stderr, format.Options{Color: format.ColorNever})
		o := Options{CloseTimeout: wstest.Failsafe, CloseCode: closecodes.NormalClosure, Summary: true, SendAll: true, Progress: progress}
		done := make(chan error, 1)
		go func() { done <- DialAndRun(dialConfig(t, url), o, out, src) }()
		if progress {
			stderr.Wait(t, "\rsending "+path+": ")
		}
		close(resume)
		if err := wstest.Receive(t, done); err != nil {
			t.Fatalf("progress %v: %v; stderr:\n%q", progress, err, stderr)
		}
		got := stderr.String()
		if progress && !withMeter.MatchString(got) {
			t.Errorf("with progress, stderr:\n%q", got)
		}
		if !progress && strings.ContainsAny(got, "\r\x1b") {
			t.Errorf("without progress, stderr:\n%q", got)
		}
	}
}
