package cmd

import (
	"bytes"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wsx-cli/wsx/serve"
)

// syncBuffer is a bytes.Buffer that can be written from one goroutine and
// watched from another: wait returns once the text holds a string.
type syncBuffer struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	changed chan struct{}
}

func newSyncBuffer() *syncBuffer { return &syncBuffer{changed: make(chan struct{}, 1)} }

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	select {
	case b.changed <- struct{}{}:
	default:
	}
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// wait blocks until the buffer contains s, failing the test after 10s.
func (b *syncBuffer) wait(t *testing.T, s string) {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for !strings.Contains(b.String(), s) {
		select {
		case <-b.changed:
		case <-timeout:
			t.Fatalf("no %q within 10s in:\n%s", s, b.String())
		}
	}
}

// startServer runs a serve.Server on loopback for one test; log receives
// its per-connection lines.
func startServer(t *testing.T, o serve.Options) (*serve.Server, string, *syncBuffer) {
	t.Helper()
	log := newSyncBuffer()
	if o.CloseAfter == 0 {
		o.CloseAfter = -1
	}
	if o.DropAfter == 0 {
		o.DropAfter = -1
	}
	o.Log = log
	srv := serve.New(o)
	url, err := srv.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv, url, log
}

// result is one in-process run of wsx.
type result struct {
	stdout, stderr *syncBuffer
	code           int
}

// runWsx runs Main in-process with the given stdin and signals.
func runWsx(env *Env, args ...string) result {
	r := result{stdout: newSyncBuffer(), stderr: newSyncBuffer()}
	env.Stdout, env.Stderr = r.stdout, r.stderr
	if env.Stdin == nil {
		env.Stdin = strings.NewReader("")
	}
	r.code = Main(args, env)
	return r
}

// startWsx runs Main in the background; the channel yields its result.
func startWsx(env *Env, args ...string) (stdout, stderr *syncBuffer, done <-chan int) {
	stdout, stderr = newSyncBuffer(), newSyncBuffer()
	env.Stdout, env.Stderr = stdout, stderr
	ch := make(chan int, 1)
	go func() { ch <- Main(args, env) }()
	return stdout, stderr, ch
}

func waitExit(t *testing.T, done <-chan int) int {
	t.Helper()
	select {
	case code := <-done:
		return code
	case <-time.After(15 * time.Second):
		t.Fatal("wsx did not exit within 15s")
		return -1
	}
}

func writeFile(t *testing.T, name string, data []byte) string {
	t.Helper()
	path := t.TempDir() + "/" + name
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}
