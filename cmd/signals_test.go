// SIGINT (exit 130) and SIGTERM (exit 143) in every phase: connecting, the handshake, sending, receiving, closing, a probe.

package cmd

import (
	"bytes"
	"io"
	"net"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/wsx-cli/wsx/internal/exit"
	"github.com/wsx-cli/wsx/internal/wstest"
	"github.com/wsx-cli/wsx/serve"
)

// SIGINT (exit 130) and SIGTERM (exit 143) in each phase of a session:
// during the handshake, while sending, while receiving, and while waiting
// for the server's close echo. Then Ctrl-C and SIGTERM on an idle session,
// Ctrl-C while connecting, in a write the server never reads, a second
// Ctrl-C during the close, and Ctrl-C during a probe.

var stopSignals = []struct {
	name string
	sig  os.Signal
	code int
}{{"SIGINT", os.Interrupt, exit.Interrupt}, {"SIGTERM", syscall.SIGTERM, 143}}

// startMuteServer accepts TCP connections and never answers: no upgrade
// response, no TLS ServerHello. asked receives a value once a connection's
// first bytes (the upgrade request or the ClientHello) have arrived; hungUp
// once the client has closed it.
func startMuteServer(t *testing.T) (addr string, asked, hungUp <-chan struct{}) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	a, h := make(chan struct{}, 8), make(chan struct{}, 8)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			wg.Add(1)
			go func() {
				defer wg.Done()
				buf := make([]byte, 4096)
				if n, _ := c.Read(buf); n > 0 {
					a <- struct{}{}
				}
				io.Copy(io.Discard, c) // until the client hangs up
				h <- struct{}{}
			}()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return ln.Addr().String(), a, h
}

// waitChan fails the test unless ch yields within waitExit's bound.
func waitChan(t *testing.T, ch <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(15 * time.Second):
		t.Fatalf("no %s within 15s", what)
	}
}

// A signal while the handshake waits for a server that never answers (TCP
// accepted, no upgrade response; or no TLS ServerHello) ends wsx at once
// with the signal's status, hanging up, with no error line: nothing was
// connected, so there is no close to report. --connect-timeout 1m shows
// that the signal, not the timeout, ended it.
func TestSignalDuringHandshake(t *testing.T) {
	for _, scheme := range []string{"ws", "wss"} {
		for _, command := range []string{"connect", "send", "listen"} {
			for _, s := range stopSignals {
				t.Run(scheme+"/"+command+"/"+s.name, func(t *testing.T) {
					addr, asked, hungUp := startMuteServer(t)
					sig := make(chan os.Signal, 1)
					stdin, feed := io.Pipe()
					defer feed.Close()
					stdout, stderr, done := startWsx(&Env{Stdin: stdin, Signals: sig}, command, "--connect-timeout", "1m", scheme+"://"+addr+"/")
					waitChan(t, asked, "handshake request")
					sig <- s.sig
					if code := waitExit(t, done); code != s.code {
						t.Fatalf("exit %d, want %d; stderr:\n%s", code, s.code, stderr)
					}
					waitChan(t, hungUp, "hang-up after the signal")
					if stdout.String() != "" || stderr.String() != "" {
						t.Errorf("stdout %q; stderr:\n%s", stdout, stderr)
					}
				})
			}
		}
	}
}

// A signal while wsx is sending endless input: the message being written is
// finished, then wsx closes with 1000, prints the replies that came before
// the echo, and exits with the signal's status. Nothing sent is lost: every
// message wsx counts as sent (jsonl "out" events) reached the server, and
// every echo of them was printed, in order. The lines are 4 KiB, so what is
// in flight when the signal comes (bounded by the socket buffers) is quick
// to echo.
func TestSignalWhileSending(t *testing.T) {
	for _, command := range []string{"send", "connect"} {
		for _, s := range stopSignals {
			t.Run(command+"/"+s.name, func(t *testing.T) {
				srv, url, _ := startServer(t, serve.Options{})
				sig := make(chan os.Signal, 1)
				stdout := &watchWriter{SyncBuffer: wstest.NewSyncBuffer(), needle: []byte(`"dir":"in"`), seen: make(chan struct{})}
				stderr := wstest.NewSyncBuffer()
				done := make(chan int, 1)
				go func() {
					done <- Main([]string{command, "-f", "jsonl", url}, &Env{Stdin: &endlessInput{width: 4096}, Stdout: stdout, Stderr: stderr, Signals: sig})
				}()
				waitChan(t, stdout.seen, "first echo") // the stream is flowing both ways
				sig <- s.sig
				if code := waitExit(t, done); code != s.code {
					t.Fatalf("exit %d, want %d; stderr:\n%s", code, s.code, stderr)
				}
				st := nextConnStats(t, srv)
				ev := readSessionEvents(t, stdout.String())
				if st.ClosedBy != "client" || st.CloseCode != 1000 || !st.InOrder || st.Messages != ev.out {
					t.Errorf("the server saw %+v; wsx sent %d messages", st, ev.out)
				}
				for i, d := range ev.in { // "000...0042": JSON strings of zero-padded numbers
					ev.in[i] = strings.TrimLeft(strings.Trim(d, `"`), "0")
				}
				n, ok := countingLines(strings.Join(ev.in, "\n") + "\n")
				if !ok || n != ev.out {
					t.Errorf("%d replies printed (in order: %v) for %d messages sent", len(ev.in), ok, ev.out)
				}
				if ev.close["by"] != "client" || ev.close["code"] != 1000.0 || ev.close["echo"] != true {
					t.Errorf("close event %v", ev.close)
				}
				if !cleanCloseLine.MatchString(stderr.String()) || strings.Contains(stderr.String(), "wsx: error") {
					t.Errorf("stderr:\n%s", stderr)
				}
				if command == "send" && !strings.Contains(stderr.String(), "sent "+strconv.Itoa(ev.out)+" messages") {
					t.Errorf("summary does not count %d messages; stderr:\n%s", ev.out, stderr)
				}
			})
		}
	}
}

// watchWriter is stdout that closes seen once a write holds needle (each
// event is written whole, so a needle is never split between writes).
type watchWriter struct {
	*wstest.SyncBuffer
	needle []byte
	once   sync.Once
	seen   chan struct{}
}

func (w *watchWriter) Write(p []byte) (int, error) {
	if bytes.Contains(p, w.needle) {
		w.once.Do(func() { close(w.seen) })
	}
	return w.SyncBuffer.Write(p)
}

// A signal while wsx is receiving a flood: it closes with 1000, keeps
// printing until the echo, and exits with the signal's status; what it
// printed is the stream from its start, with no gap.
func TestSignalWhileReceiving(t *testing.T) {
	for _, s := range stopSignals {
		t.Run(s.name, func(t *testing.T) {
			url, closes := startFloodServer(t)
			sig := make(chan os.Signal, 1)
			stdout, stderr, done := startWsx(&Env{Signals: sig}, "listen", url)
			stdout.Wait(t, "\n")
			sig <- s.sig
			if code := waitExit(t, done); code != s.code {
				t.Fatalf("exit %d, want %d; stderr:\n%s", code, s.code, stderr)
			}
			if code := floodClose(t, closes); code != 1000 {
				t.Errorf("the server saw close code %d, want 1000", code)
			}
			if n, ok := countingLines(stdout.String()); !ok {
				t.Errorf("stdout is not 1..N: broken after line %d", n)
			}
			if !cleanCloseLine.MatchString(stderr.String()) || strings.Contains(stderr.String(), "wsx: error") {
				t.Errorf("stderr:\n%s", stderr)
			}
		})
	}
}

// A signal while wsx waits for a close echo that never comes (the input
// ended, wsx sent its close): wsx stops waiting at once, reports its close
// as unanswered, and exits with the signal's status. --close-timeout 1m
// shows that the signal, not the timeout, ended it.
func TestSignalDuringClose(t *testing.T) {
	for _, s := range stopSignals {
		t.Run(s.name, func(t *testing.T) {
			_, url, log := startServer(t, serve.Options{NoCloseEcho: true})
			sig := make(chan os.Signal, 1)
			stdout, stderr, done := startWsx(&Env{Stdin: strings.NewReader(""), Signals: sig}, "connect", "--close-timeout", "1m", url)
			log.Wait(t, "closed by client: 1000") // the close frame arrived: wsx waits for the echo
			sig <- s.sig
			code := waitExit(t, done)
			if stdout.String() != "" || strings.Contains(stderr.String(), "wsx: error") {
				t.Errorf("stdout %q; stderr:\n%s", stdout, stderr)
			}
			if code != s.code {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, s.code, stderr)
			}
			line := regexp.MustCompile(`(?m)^closed by client: 1000 \(normal closure\); no close echo from server\b.*$`)
			if !line.MatchString(stderr.String()) {
				t.Errorf("the close is not reported when a signal ends the wait for its echo; stderr:\n%s", stderr)
			}
		})
	}
}

// The real process: SIGTERM to a running `wsx listen` closes with 1000 and
// exits 143 (listen_end.txtar does Ctrl-C the same way, through sh).
func TestSIGTERMProcess(t *testing.T) {
	_, url, log := startServer(t, serve.Options{Mode: serve.Sink})
	stderr := wstest.NewSyncBuffer()
	cmd := exec.Command("wsx", "listen", url)
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Skipf("cannot start wsx (TestMain puts it on PATH): %v", err)
	}
	defer cmd.Process.Kill() // when the test fails before the signal
	done := make(chan int, 1)
	go func() { cmd.Wait(); done <- cmd.ProcessState.ExitCode() }()
	stderr.Wait(t, "connected to")
	cmd.Process.Signal(syscall.SIGTERM)
	if code := waitExit(t, done); code != 143 {
		t.Fatalf("exit %d, want 143; stderr:\n%s", code, stderr)
	}
	log.Wait(t, "conn 1: closed by client: 1000; received 0 messages")
	if !cleanCloseLine.MatchString(stderr.String()) {
		t.Errorf("stderr:\n%s", stderr)
	}
}

// Ctrl-C closes with 1000 and exits 130, SIGTERM the same with 143; the
// server sees the close.
func TestSignalClosesCleanly(t *testing.T) {
	for _, c := range []struct {
		sig  os.Signal
		code int
	}{{os.Interrupt, exit.Interrupt}, {syscall.SIGTERM, 143}} {
		_, url, log := startServer(t, serve.Options{})
		stdin, feed := io.Pipe()
		sig := make(chan os.Signal, 2)
		_, stderr, done := startWsx(&Env{Stdin: stdin, Signals: sig}, "connect", url)
		stderr.Wait(t, "connected to")
		sig <- c.sig
		if code := waitExit(t, done); code != c.code {
			t.Fatalf("%v: exit %d, want %d; stderr:\n%s", c.sig, code, c.code, stderr)
		}
		log.Wait(t, "closed by client: 1000")
		if !strings.Contains(stderr.String(), "closed by client: 1000 (normal closure); server echoed 1000") {
			t.Errorf("%v: stderr:\n%s", c.sig, stderr)
		}
		feed.Close()
	}
}

// Ctrl-C while connecting ends wsx at once, exit 130, instead of waiting for
// --connect-timeout.
func TestInterruptWhileConnecting(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan struct{})
	go func() { // accept, and never answer the upgrade
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		close(accepted)
		io.Copy(io.Discard, c) // until wsx hangs up
	}()
	sig := make(chan os.Signal, 1)
	_, stderr, done := startWsx(&Env{Signals: sig}, "connect", "--connect-timeout", "1m", "ws://"+ln.Addr().String()+"/")
	<-accepted // wsx now waits for the upgrade answer
	sig <- os.Interrupt
	if code := waitExit(t, done); code != exit.Interrupt {
		t.Fatalf("exit %d, want 130; stderr:\n%s", code, stderr)
	}
}

// A server that reads nothing after the upgrade: wsx blocks in write(2) in
// the middle of a 16 MiB message (more than Linux's 4 MiB send buffer).
// Ctrl-C still ends the run, exit 130: the
// message cannot be finished, so after --close-timeout wsx gives it up and
// closes the connection, and the close line says that it was not sent
// (stdin was read, so this is a loss, as when the server closes). The server
// signals once it has read the first MiB, so wsx is certain to be inside
// the write; it never reads the rest.
func TestMisbehaveSlowReaderInterrupt(t *testing.T) {
	reading := make(chan struct{})
	srv := wstest.StartRawServer(t, func(rc *wstest.RawConn) {
		rc.Conn.(*net.TCPConn).SetReadBuffer(64 << 10) // the kernel must not take the whole message in
		if rc.Upgrade() != nil {
			return
		}
		if _, err := io.CopyN(io.Discard, rc, 1<<20); err != nil {
			return
		}
		close(reading)
		<-rc.Done()
	})
	sig := make(chan os.Signal, 1)
	input := strings.Repeat("x", 16<<20) + "\n"
	stdout, stderr, done := startWsx(&Env{Stdin: strings.NewReader(input), Signals: sig}, "connect", "--close-timeout", "1s", srv.URL())
	wstest.Receive(t, reading)
	sig <- os.Interrupt
	code := waitExitWithin(t, done, 10*time.Second)
	if code != exit.Interrupt || stdout.String() != "" {
		t.Fatalf("exit %d, want 130; stdout %q; stderr:\n%s", code, stdout, stderr)
	}
	const line = "closed by client: 1000 (normal closure); no close echo from server; 1 message not sent"
	if !hasLine(stderr.String(), line) {
		t.Errorf("stderr:\n%s\nwant the line %s", stderr, line)
	}
}

// A second Ctrl-C while waiting for the close echo exits at once.
func TestSecondInterruptExitsAtOnce(t *testing.T) {
	_, url, _ := startServer(t, serve.Options{NoCloseEcho: true})
	stdin, feed := io.Pipe()
	defer feed.Close()
	sig := make(chan os.Signal, 2)
	_, stderr, done := startWsx(&Env{Stdin: stdin, Signals: sig}, "connect", "--close-timeout", "1m", url)
	stderr.Wait(t, "connected to")
	sig <- os.Interrupt
	sig <- os.Interrupt
	if code := waitExit(t, done); code != exit.Interrupt {
		t.Fatalf("exit %d, want 130", code)
	}
}

// Ctrl-C stops a probe too.
func TestInterruptProbe(t *testing.T) {
	_, url, _ := startServer(t, serve.Options{})
	sig := make(chan os.Signal, 1)
	_, stderr, done := startWsx(&Env{Signals: sig}, "probe", "--repeat", "1000", "--interval", "1m", url)
	stderr.Wait(t, "run 1/1000")
	sig <- os.Interrupt
	if code := waitExit(t, done); code != exit.Interrupt {
		t.Fatalf("exit %d, want 130; stderr:\n%s", code, stderr)
	}
}
