package cmd

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
	"github.com/urfave/cli/v2"
	"github.com/wsx-cli/wsx/serve"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"wsx": func() { os.Exit(Main(os.Args[1:], OSEnv())) },
	})
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
		},
		RequireExplicitExec: true,
	})
}

// servers are the in-process servers of the running scripts, by script and name.
var servers sync.Map

// cmdServe starts a serve.Server in the test process: `wsserve [as=NAME]
// [wsx serve flags]`. It sets $NAME (default URL) to its ws:// URL and logs
// to $WORK/NAME.log (serve.log for the default).
func cmdServe(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("unsupported: ! wsserve")
	}
	name, args := serverName(args)
	for i, a := range args {
		if file, ok := strings.CutPrefix(a, "@"); ok {
			args[i] = "@" + ts.MkAbs(file) // the server runs in the test's directory
		}
	}
	var opts serve.Options
	app := &cli.App{
		Flags:          serveFlags(),
		HideHelp:       true, // cli.HelpFlag is shared: parallel scripts would race on it
		ExitErrHandler: func(*cli.Context, error) {},
		Action: func(c *cli.Context) (err error) {
			opts, _, err = serveOptions(c)
			return err
		},
	}
	if err := app.Run(append([]string{"wsserve"}, args...)); err != nil {
		ts.Fatalf("wsserve: %v", err)
	}
	logName := "serve.log"
	if name != "URL" {
		logName = strings.ToLower(name) + ".log"
	}
	log, err := os.Create(ts.MkAbs(logName))
	ts.Check(err)
	opts.Log = log
	srv := serve.New(opts)
	url, err := srv.Listen("127.0.0.1:0")
	ts.Check(err)
	ts.Setenv(name, url)
	servers.Store(ts.Getenv("WORK")+"/"+name, srv)
	ts.Defer(func() {
		srv.Close()
		log.Close()
	})
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
