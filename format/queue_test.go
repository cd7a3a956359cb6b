package format

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wsx-cli/wsx/closecodes"
)

// fileStdout is a Printer whose stdout is a file (not a terminal), as when
// wsx's output is redirected: the case in which Queue batches. Its stderr
// records what stdout held each time a line was written to it.
func fileStdout(t *testing.T, o Options) (*Printer, *os.File, *snapshotWriter) {
	t.Helper()
	f, err := os.Create(filepath.Join(t.TempDir(), "stdout"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	if o.Now == nil {
		o.Now = func() time.Time { return fixedNow }
	}
	errw := &snapshotWriter{t: t, out: f}
	return New(f, errw, o), f, errw
}

// snapshotWriter is a stderr that records, with each line, what the stdout
// file held when the line was written.
type snapshotWriter struct {
	t     *testing.T
	out   *os.File
	lines []string // "<stdout so far>|<stderr line>"
}

func (w *snapshotWriter) Write(b []byte) (int, error) {
	w.lines = append(w.lines, fileText(w.t, w.out)+"|"+string(b))
	return len(b), nil
}

func fileText(t *testing.T, f *os.File) string {
	t.Helper()
	b, err := os.ReadFile(f.Name())
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestQueueHoldsUntilFlush(t *testing.T) {
	t.Parallel()
	p, f, _ := fileStdout(t, Options{Mode: Raw})
	must(t, p.Queue(In, false, []byte("a")))
	must(t, p.Queue(In, false, []byte("b")))
	if got := fileText(t, f); got != "" {
		t.Fatalf("stdout = %q before Flush, want nothing yet", got)
	}
	must(t, p.Flush())
	if got := fileText(t, f); got != "a\nb\n" {
		t.Fatalf("stdout = %q after Flush, want %q", got, "a\nb\n")
	}
	must(t, p.Flush()) // nothing held: no write, no error
	if got := fileText(t, f); got != "a\nb\n" {
		t.Fatalf("stdout = %q after a second Flush", got)
	}
}

// TestQueueWritesThrough covers the stdouts Queue does not batch for: a
// terminal, and any writer that is not a file (its writes are not system
// calls). Queue then writes each message at once, as Message does.
func TestQueueWritesThrough(t *testing.T) {
	t.Parallel()
	t.Run("terminal", func(t *testing.T) {
		t.Parallel()
		p, f, _ := fileStdout(t, Options{Mode: Raw, StdoutTTY: true, Color: ColorNever})
		must(t, p.Queue(In, false, []byte("a")))
		if got := fileText(t, f); got != "a\n" {
			t.Errorf("stdout = %q, want %q at once", got, "a\n")
		}
	})
	t.Run("buffer", func(t *testing.T) {
		t.Parallel()
		p, out, _ := newTest(Options{Mode: Raw})
		must(t, p.Queue(In, false, []byte("a")))
		if out.String() != "a\n" {
			t.Errorf("stdout = %q, want %q at once", out.String(), "a\n")
		}
	})
	t.Run("write error", func(t *testing.T) {
		t.Parallel()
		p := New(failWriter{}, failWriter{}, Options{Mode: Raw})
		if err := p.Queue(In, false, []byte("a")); err != errClosed {
			t.Errorf("Queue = %v, want %v", err, errClosed)
		}
	})
}

func TestQueueWritesWhenFull(t *testing.T) {
	t.Parallel()
	p, f, _ := fileStdout(t, Options{Mode: Raw})
	line := bytes.Repeat([]byte("x"), 1023) // 1 KiB with its newline
	n := 0
	for fileText(t, f) == "" {
		if n > batchSize/1024 {
			t.Fatalf("%d KiB queued and nothing written", n)
		}
		must(t, p.Queue(In, false, line))
		n++
	}
	if n != batchSize/1024 {
		t.Errorf("first write after %d KiB, want %d", n, batchSize/1024)
	}
	if got := fileText(t, f); got != strings.Repeat(string(line)+"\n", n) {
		t.Errorf("stdout holds %d bytes, want the %d messages whole", len(got), n)
	}
}

// TestQueueOrder checks that whatever else is printed goes out after the
// messages Queue holds: stderr lines (the close line after the last
// message), events, Message and Stream.
func TestQueueOrder(t *testing.T) {
	t.Parallel()
	t.Run("stderr lines", func(t *testing.T) {
		t.Parallel()
		p, _, errw := fileStdout(t, Options{Mode: Raw})
		must(t, p.Queue(In, false, []byte("a")))
		p.Status("status")
		must(t, p.Queue(In, false, []byte("b")))
		p.Warn("warning")
		must(t, p.Queue(In, false, []byte("c")))
		p.Failed(Failure{Msg: "error", Exit: 1})
		must(t, p.Queue(In, false, []byte("d")))
		p.Closed(Close{By: "server", Code: closecodes.NormalClosure, HasCode: true}, false)
		want := []string{
			"a\n|status\n",
			"a\nb\n|wsx: warning: warning\n",
			"a\nb\nc\n|wsx: error: error\n",
			"a\nb\nc\nd\n|closed by server: 1000 (normal closure)\n",
		}
		if strings.Join(errw.lines, "") != strings.Join(want, "") {
			t.Errorf("stdout|stderr at each stderr write:\n got %q\nwant %q", errw.lines, want)
		}
	})
	t.Run("events", func(t *testing.T) {
		t.Parallel()
		p, f, _ := fileStdout(t, Options{Mode: JSONL})
		must(t, p.Queue(In, false, []byte("1")))
		p.Control("ping", In, []byte("p"), 0)
		must(t, p.Queue(In, false, []byte("2")))
		must(t, p.Message(Out, false, []byte("3")))
		must(t, p.Queue(In, false, []byte("4")))
		p.Closed(Close{By: "server", Code: closecodes.NormalClosure, HasCode: true}, false)
		var got []string
		for _, line := range strings.Split(strings.TrimSuffix(fileText(t, f), "\n"), "\n") {
			var ev struct {
				Event, Dir string
				Data       any
			}
			if err := json.Unmarshal([]byte(line), &ev); err != nil {
				t.Fatalf("%q: %v", line, err)
			}
			got = append(got, fmt.Sprint(ev.Event, " ", ev.Dir, " ", ev.Data))
		}
		want := []string{"message in 1", "ping in p", "message in 2", "message out 3", "message in 4", "close  <nil>"}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("events:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	})
	t.Run("stream", func(t *testing.T) {
		t.Parallel()
		p, f, _ := fileStdout(t, Options{Mode: Raw, Prompt: "< "})
		must(t, p.Queue(In, false, []byte("a")))
		if _, rerr, werr := p.Stream(false, strings.NewReader("big")); rerr != nil || werr != nil {
			t.Fatal(rerr, werr)
		}
		if got := fileText(t, f); got != "< a\n< big\n" {
			t.Errorf("stdout = %q, want %q", got, "< a\n< big\n")
		}
	})
}

// TestClockText checks the cached time text against time.Format, across
// seconds, milliseconds, time zones and years.
func TestClockText(t *testing.T) {
	t.Parallel()
	east := time.FixedZone("east", 5*3600+30*60)
	base := time.Date(2024, 12, 31, 23, 59, 58, 0, time.UTC)
	var times []time.Time
	for _, d := range []time.Duration{0, time.Millisecond, 999 * time.Millisecond, 999999999, time.Second,
		1500 * time.Millisecond, 2*time.Second + 1, 3 * time.Second, 3*time.Second + 999*time.Microsecond} {
		times = append(times, base.Add(d), base.Add(d).In(east), base.Add(d))
	}
	times = append(times, time.Date(1969, 12, 31, 23, 59, 59, 500_000_000, time.UTC), time.Time{},
		time.Date(12345, 1, 2, 3, 4, 5, 6_000_000, time.UTC))
	for _, layout := range []string{"15:04:05", timeLayout} {
		var c clockText
		for _, tm := range times {
			got := string(c.append([]byte("x"), tm, layout))
			if want := "x" + tm.Format(layout+".000"); got != want {
				t.Errorf("%v in %q: got %q, want %q", tm, layout, got, want)
			}
		}
	}
}

func TestHexDumpMatchesEncodingHex(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(1, 2))
	sizes := []int{1, 2, 7, 8, 9, 15, 16, 17, 31, 32, 33, 100, 255, 256, 4096, 70000}
	for _, n := range sizes {
		data := make([]byte, n)
		for i := range data {
			data[i] = byte(r.IntN(256))
		}
		got := string(appendHexDump([]byte("x"), data))
		if want := "x" + hex.Dump(data); got != want {
			t.Errorf("%d bytes: got\n%s\nwant\n%s", n, got[:min(len(got), 300)], want[:min(len(want), 300)])
		}
	}
	if got := string(appendHexDump(nil, nil)); got != "\n" {
		t.Errorf("empty message: %q, want one empty line", got)
	}
}

// FuzzHexDump checks the hex dump against encoding/hex for any data.
func FuzzHexDump(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) == 0 {
			return
		}
		if got, want := appendHexDump(nil, data), hex.Dump(data); string(got) != want {
			t.Fatalf("got %q, want %q", got, want)
		}
	})
}

func TestQueueAllocations(t *testing.T) {
	msg := []byte(`{ "type": "tick", "price": 12345678901234567890.5, "s": "caf\u00e9" }`)
	for _, o := range []Options{{Mode: Raw}, {Mode: Pretty}, {Mode: Compact}, {Mode: JSONL}, {Mode: Raw, Timestamps: true},
		{Mode: Raw, BinaryAs: Hex}} {
		p, _, _ := fileStdout(t, o)
		allocs := testing.AllocsPerRun(100, func() {
			_ = p.Queue(In, o.BinaryAs == Hex, msg)
			_ = p.Flush()
		})
		// pretty.Pretty returns a new slice, and grows it once for a
		// message like this: two allocations, none of the printer's own.
		want := 0.0
		if o.Mode == Pretty {
			want = 2
		}
		if allocs > want {
			t.Errorf("%+v: %v allocations per message, want %v", o, allocs, want)
		}
	}
}
