package send

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/gorilla/websocket"

	"github.com/wsx-cli/wsx/format"
	"github.com/wsx-cli/wsx/internal/wstest"
)

// meterOf matches what a meter labelled label writes: its line drawn over
// and over (with total, when not "", as its size), then erased.
func meterOf(label, total string) *regexp.Regexp {
	size := ""
	if total != "" {
		size = ` of ` + regexp.QuoteMeta(total) + ` \(\d+%\)`
	}
	line := `\r` + regexp.QuoteMeta(label) + `: [0-9.]+ (B|KiB|MiB)` + size + `(, [0-9.]+ (B|KiB|MiB)/s(, [0-9hms]+ left)?)?\x1b\[K`
	return regexp.MustCompile(`^(` + line + `)+\r\x1b\[K$`)
}

// meterPrinter is a printer whose stderr the test can wait on.
func meterPrinter() (*format.Printer, *wstest.SyncBuffer) {
	errs := wstest.NewSyncBuffer()
	return format.New(io.Discard, errs, format.Options{}), errs
}

// meteredWriter is a writer on ws with Progress, and the stderr its
// meters are drawn on.
func meteredWriter(ws *websocket.Conn) (*Writer, *wstest.SyncBuffer) {
	p, errs := meterPrinter()
	w := NewWriter(ws)
	w.Progress = p
	return w, errs
}

// tempFile writes data to a file of the test's and returns its path.
func tempFile(t *testing.T, data []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "big.bin")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// runGated runs w on src while every write to the connection waits: once
// the first one has come, wait runs, and then the writes go on. It returns
// Run's result.
func runGated(t *testing.T, w *Writer, rc *recConn, src Source, wait func()) Result {
	t.Helper()
	rc.gate()
	done := make(chan Result, 1)
	go func() { done <- w.Run(src) }()
	recv(t, rc.entered, "the first write")
	wait()
	rc.ungate()
	return wstest.Receive(t, done)
}

// TestWriterProgressFile: a @FILE over 1 MiB shows a meter with its size
// while gorilla takes it, erased once it has gone.
func TestWriterProgressFile(t *testing.T) {
	t.Parallel()
	s, url := startServer(t, sink())
	ws, rc := dial(t, url)
	data := bytes.Repeat([]byte("x"), 3<<20)
	path := tempFile(t, data)
	args, err := NewArgs("argument", []string{"@" + path}, nil, Check{}, 1)
	if err != nil {
		t.Fatal(err)
	}
	w, errs := meteredWriter(ws)
	label := "sending " + path
	res := runGated(t, w, rc, args, func() { errs.Wait(t, "\r"+label+": ") })
	if !res.EOF || res.Messages != 1 || res.Bytes != int64(len(data)) {
		t.Fatalf("Result %+v, want the file sent", res)
	}
	if got := errs.String(); !meterOf(label, "3.0 MiB").MatchString(got) {
		t.Fatalf("stderr %q: not the file's meter, drawn and then erased", got)
	}
	closeAndWait(t, ws, NewCloser(ws, failsafe), 1000, "")
	if st := nextStats(t, s); st.Messages != 1 || st.Bytes != int64(len(data)) {
		t.Fatalf("server got %d messages, %d bytes", st.Messages, st.Bytes)
	}
}

// TestWriterProgressWhole: a --whole message over 1 MiB is sent with a
// meter of its size, past the framer, which would take it in one call.
func TestWriterProgressWhole(t *testing.T) {
	t.Parallel()
	_, url := startServer(t, sink())
	ws, rc, co := dialCoalesced(t, url)
	co.FrameData()
	w, errs := meteredWriter(ws)
	src := NewWhole(bytes.NewReader(bytes.Repeat([]byte("y"), 2<<20)), Check{})
	res := runGated(t, w, rc, src, func() { errs.Wait(t, "\rsending stdin: ") })
	if !res.EOF || res.Messages != 1 {
		t.Fatalf("Result %+v, want the message sent", res)
	}
	// reading stdin from memory is over before any tick: only the sending shows
	if got := errs.String(); !meterOf("sending stdin", "2.0 MiB").MatchString(got) {
		t.Fatalf("stderr %q: not the message's meter, drawn and then erased", got)
	}
	closeAndWait(t, ws, NewCloser(ws, failsafe), 1000, "")
}

// pauseAfter holds its source's next message once past bytes have been
// handed over, closing paused, until release is closed.
type pauseAfter struct {
	Source
	past, n         int64
	paused, release chan struct{}
}

func (p *pauseAfter) Next() (Message, error) {
	m, err := p.Source.Next()
	if p.n += m.Len(); p.n > p.past && p.paused != nil {
		close(p.paused)
		p.paused = nil
		<-p.release
	}
	return m, err
}

func (p *pauseAfter) MeterInput(pr *format.Printer) func() { return MeterInput(p.Source, pr) }

// TestWriterProgressStdinFile: stdin redirected from a regular file shows
// its size; the meter comes once over 1 MiB has been read, and is erased
// at the end of the input.
func TestWriterProgressStdinFile(t *testing.T) {
	t.Parallel()
	_, url := startServer(t, sink())
	ws, _ := dial(t, url)
	f, err := os.Open(tempFile(t, []byte(strings.Repeat(kiLine, 3<<10)))) // 3 MiB
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w, errs := meteredWriter(ws)
	paused, release := make(chan struct{}), make(chan struct{})
	src := &pauseAfter{Source: NewLines(f, false), past: 3 << 19, paused: paused, release: release} // 1.5 MiB
	done := make(chan Result, 1)
	go func() { done <- w.Run(src) }()
	recv(t, paused, "the input past 1.5 MiB")
	errs.Wait(t, " of 3.0 MiB (")
	close(release)
	if res := wstest.Receive(t, done); !res.EOF || res.Messages != 3<<10 {
		t.Fatalf("Result %+v, want every line sent", res)
	}
	if got := errs.String(); !meterOf("sending stdin", "3.0 MiB").MatchString(got) {
		t.Fatalf("stderr %q: not stdin's meter, drawn and then erased", got)
	}
	closeAndWait(t, ws, NewCloser(ws, failsafe), 1000, "")
}

// kiLine is a line of 1 KiB.
var kiLine = strings.Repeat("z", 1023) + "\n"

// TestWriterProgressStdinPipe: stdin from a pipe has no size: bytes and
// rate only. Stop ends the meter at once: the writer may wait for more
// input long after the session has reported its end.
func TestWriterProgressStdinPipe(t *testing.T) {
	t.Parallel()
	_, url := startServer(t, sink())
	ws, _ := dial(t, url)
	pr, pw := io.Pipe()
	defer pr.Close()
	w, errs := meteredWriter(ws)
	done := make(chan Result, 1)
	go func() { done <- w.Run(NewLines(pr, false)) }()
	if _, err := pw.Write([]byte(strings.Repeat(kiLine, 3<<9))); err != nil { // 1.5 MiB, all read when Write returns
		t.Fatal(err)
	}
	errs.Wait(t, "\rsending stdin: 1.5 MiB")
	w.Stop() // the writer may still send what it read; the meter ends now all the same
	got := errs.String()
	pw.Close()
	wstest.Receive(t, done)
	if !meterOf("sending stdin", "").MatchString(got) {
		t.Fatalf("stderr %q: not stdin's meter, drawn and then erased", got)
	}
	if after := errs.String(); after != got {
		t.Fatalf("stderr went on after Stop: %q", after[len(got):])
	}
	closeAndWait(t, ws, NewCloser(ws, failsafe), 1000, "")
}

// TestWriterProgressSmallOrOff: input of up to 1 MiB shows no meter, and a
// writer without Progress shows none for any.
func TestWriterProgressSmallOrOff(t *testing.T) {
	t.Parallel()
	big := []byte(strings.Repeat(kiLine, 2<<10)) // 2 MiB
	for _, tc := range []struct {
		name     string
		input    []byte
		progress bool
	}{
		{"small", big[:1<<20], true},
		{"off", big, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			args, err := NewArgs("argument", []string{"@" + tempFile(t, tc.input)}, nil, Check{}, 1)
			if err != nil {
				t.Fatal(err)
			}
			p, errs := meterPrinter()
			for _, src := range []Source{args, NewWhole(bytes.NewReader(tc.input), Check{}), NewLines(bytes.NewReader(tc.input), false)} {
				_, url := startServer(t, sink())
				ws, _ := dial(t, url)
				w := NewWriter(ws)
				if tc.progress {
					w.Progress = p
				}
				if res := w.Run(src); !res.EOF {
					t.Fatalf("%T: Result %+v", src, res)
				}
				closeAndWait(t, ws, NewCloser(ws, failsafe), 1000, "")
			}
			if got := errs.String(); got != "" {
				t.Fatalf("stderr %q, want nothing", got)
			}
		})
	}
}
