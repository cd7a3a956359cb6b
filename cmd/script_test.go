// The testscript suite (testdata/script/*.txtar), its in-process servers, and the goroutine-leak check.

package cmd

import (
	"context"
	"fmt"

	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"go.uber.org/goleak"

	"github.com/rogpeppe/go-internal/testscript"
	"github.com/urfave/cli/v3"
	"github.com/wsx-cli/wsx/internal/atomicfile"
	"github.com/wsx-cli/wsx/serve"
)

func TestMain(m *testing.M) {
	testscript.Main(leakCheck{m}, map[string]func(){
		"wsx": func() { os.Exit(Main(os.Args[1:], OSEnv())) },
	})
}

// leakCheck fails the in-process tests when they leave goroutines behind.
type leakCheck struct{ m *testing.M }

func (l leakCheck) Run() int {
	code := l.m.Run()
	if code == 0 {
		if err := goleak.Find(); err != nil {
			fmt.Fprintf(os.Stderr, "goleak: %v\n", err)
			return 1
		}
	}
	return code
}

// TestScripts runs testdata/script/*.txtar: each is a command line with its
// stdin, expected stdout, stderr and exit status, against in-process servers.
func TestScripts(t *testing.T) {
	t.Parallel()
	testscript.Run(t, testscript.Params{
		Dir: filepath.Join("testdata", "script"),
		Cmds: map[string]func(*testscript.TestScript, bool, []string){
			"wsserve":  cmdServe,
			"waitconn": cmdWaitConn,
			"waitlog":  cmdWaitLog,
			"mkline":   cmdMkline,
			"mklines":  cmdMklines,
			"exits":    cmdExits,
			"wsraw":    cmdRaw,
			"mask":     cmdMask,
			"maxwidth": cmdMaxWidth,
		},
		RequireExplicitExec: true,
	})
}

// servers are the in-process servers of the running scripts, by script and name.
var servers sync.Map

// cmdServe starts a serve.Server in the test process: `wsserve [as=NAME]
// [wsx serve flags]`. It sets $NAME (default URL) to its ws:// URL (wss://
// with --tls), $NAME_HOST to its host:port, and logs to $WORK/NAME.log
// (serve.log for the default). --cert-out FILE writes the certificate, like
// wsx serve, before the variables are set.
func cmdServe(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("unsupported: ! wsserve")
	}
	name, args := serverName(args)
	for i, a := range args { // the server runs in the test's directory
		if file, ok := strings.CutPrefix(a, "@"); ok {
			args[i] = "@" + ts.MkAbs(file)
		}
		if file, ok := strings.CutPrefix(a, "--cert-out="); ok {
			args[i] = "--cert-out=" + ts.MkAbs(file)
		}
		if a == "--cert-out" && i+1 < len(args) {
			args[i+1] = ts.MkAbs(args[i+1])
		}
	}
	var opts serveConfig
	app := &cli.Command{
		Flags:                     serveFlags(),
		HideHelp:                  true, // its errors fail the script: no help with them
		DisableSliceFlagSeparator: true,
		ExitErrHandler:            func(context.Context, *cli.Command, error) {},
		Action: func(_ context.Context, c *cli.Command) (err error) {
			opts, err = serveOptions(indexed(c))
			return err
		},
	}
	if err := app.Run(context.Background(), append([]string{"wsserve"}, args...)); err != nil {
		ts.Fatalf("wsserve: %v", err)
	}
	logName := "serve.log"
	if name != "URL" {
		logName = strings.ToLower(name) + ".log"
	}
	log, err := os.Create(ts.MkAbs(logName))
	ts.Check(err)
	opts.Log = log
	srv := serve.New(opts.Options)
	ts.Defer(func() {
		srv.Close()
		log.Close()
	})
	url, err := srv.Listen("127.0.0.1:0")
	ts.Check(err)
	if opts.certOut != "" {
		ts.Check(atomicfile.WriteFile(opts.certOut, srv.CertificatePEM()))
	}
	ts.Setenv(name, url)
	_, host, _ := strings.Cut(strings.TrimSuffix(url, "/"), "://")
	ts.Setenv(name+"_HOST", host)
	servers.Store(ts.Getenv("WORK")+"/"+name, srv)
}

// cmdWaitConn waits until N connections of a server have ended and logged:
// `waitconn [as=NAME] N`. It gives up after 10 seconds.
func cmdWaitConn(ts *testscript.TestScript, neg bool, args []string) {
	name, args := serverName(args)
	if len(args) != 1 {
		ts.Fatalf("usage: waitconn [as=NAME] N")
	}
	n, err := strconv.Atoi(args[0])
	ts.Check(err)
	v, ok := servers.Load(ts.Getenv("WORK") + "/" + name)
	if !ok {
		ts.Fatalf("no server %s", name)
	}
	srv := v.(*serve.Server)
	timeout := time.After(10 * time.Second)
	for i := 0; i < n; i++ {
		select {
		case <-srv.Done():
		case <-timeout:
			ts.Fatalf("only %d of %d connections ended within 10s", i, n)
		}
	}
}

func serverName(args []string) (string, []string) {
	if len(args) > 0 && strings.HasPrefix(args[0], "as=") {
		return strings.TrimPrefix(args[0], "as="), args[1:]
	}
	return "URL", args
}

// cmdWaitLog waits until a server's log has a line matching a regexp:
// `waitlog [as=NAME] REGEXP`. It rereads the log as it grows, and gives up
// after 10 seconds.
func cmdWaitLog(ts *testscript.TestScript, neg bool, args []string) {
	name, args := serverName(args)
	if len(args) != 1 {
		ts.Fatalf("usage: waitlog [as=NAME] REGEXP")
	}
	re := regexp.MustCompile("(?m)" + args[0])
	logName := "serve.log"
	if name != "URL" {
		logName = strings.ToLower(name) + ".log"
	}
	deadline := time.Now().Add(10 * time.Second)
	for tick := time.NewTicker(5 * time.Millisecond); ; <-tick.C {
		data, err := os.ReadFile(ts.MkAbs(logName))
		ts.Check(err)
		if re.Match(data) {
			tick.Stop()
			return
		}
		if time.Now().After(deadline) {
			ts.Fatalf("no line matching %q in %s within 10s", args[0], logName)
		}
	}
}

// cmdMkline writes a file holding one line of N bytes: `mkline N FILE`.
func cmdMkline(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: mkline N FILE")
	}
	n, err := strconv.Atoi(args[0])
	ts.Check(err)
	line := bytes.Repeat([]byte("x"), n+1)
	line[n] = '\n'
	ts.Check(os.WriteFile(ts.MkAbs(args[1]), line, 0o644))
}

// cmdExits runs a command like exec and checks its exact exit status:
// `exits N wsx ...` (exec's "!" accepts any failure).
func cmdExits(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: exits N COMMAND [ARG...]")
	}
	want, err := strconv.Atoi(args[0])
	ts.Check(err)
	got := 0
	if err := ts.Exec(args[1], args[2:]...); err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			ts.Fatalf("%v", err)
		}
		got = ee.ExitCode()
	}
	if got != want {
		ts.Fatalf("exit status %d, want %d", got, want)
	}
}

// cmdMaxWidth checks that no line of the last command's stdout is wider
// than N columns but for a line of one word (a URL), which nothing may
// break: `maxwidth N`. `! maxwidth N` checks that a line is wider.
func cmdMaxWidth(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 {
		ts.Fatalf("usage: maxwidth N")
	}
	n, err := strconv.Atoi(args[0])
	ts.Check(err)
	wider := ""
	for _, line := range strings.Split(ts.ReadFile("stdout"), "\n") {
		if utf8.RuneCountInString(line) > n && len(strings.Fields(line)) > 1 {
			wider = line
			break
		}
	}
	switch {
	case wider != "" && !neg:
		ts.Fatalf("a line of %d columns, more than %d:\n%s", utf8.RuneCountInString(wider), n, wider)
	case wider == "" && neg:
		ts.Fatalf("no line is wider than %d columns", n)
	}
}

// cmdMklines writes a file of N numbered lines of SIZE bytes each:
// `mklines N SIZE FILE`. Each line starts with its number, so order shows.
func cmdMklines(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 3 {
		ts.Fatalf("usage: mklines N SIZE FILE")
	}
	n, err := strconv.Atoi(args[0])
	ts.Check(err)
	size, err := strconv.Atoi(args[1])
	ts.Check(err)
	var buf bytes.Buffer
	for i := 1; i <= n; i++ {
		line := []byte(strconv.Itoa(i) + " ")
		buf.Write(line)
		buf.Write(bytes.Repeat([]byte("x"), max(size-len(line), 0)))
		buf.WriteByte('\n')
	}
	ts.Check(os.WriteFile(ts.MkAbs(args[2]), buf.Bytes(), 0o644))
}
