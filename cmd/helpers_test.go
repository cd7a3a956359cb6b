package cmd

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/wsx-cli/wsx/internal/wstest"
	"github.com/wsx-cli/wsx/serve"
)

// startServer runs a serve.Server on loopback for one test; log receives
// its per-connection lines.
func startServer(t *testing.T, o serve.Options) (*serve.Server, string, *wstest.SyncBuffer) {
	t.Helper()
	log := wstest.NewSyncBuffer()
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
	stdout, stderr *wstest.SyncBuffer
	code           int
}

// runWsx runs Main in-process with the given stdin and signals.
func runWsx(env *Env, args ...string) result {
	r := result{stdout: wstest.NewSyncBuffer(), stderr: wstest.NewSyncBuffer()}
	env.Stdout, env.Stderr = r.stdout, r.stderr
	if env.Stdin == nil {
		env.Stdin = strings.NewReader("")
	}
	r.code = Main(args, env)
	return r
}

// startWsx runs Main in the background; the channel yields its result.
func startWsx(env *Env, args ...string) (stdout, stderr *wstest.SyncBuffer, done <-chan int) {
	stdout, stderr = wstest.NewSyncBuffer(), wstest.NewSyncBuffer()
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
