package probe

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wsx-cli/wsx/closecodes"
	"github.com/wsx-cli/wsx/format"
	"github.com/wsx-cli/wsx/internal/dial"
	"github.com/wsx-cli/wsx/internal/exit"
	"github.com/wsx-cli/wsx/internal/wstest"
	"github.com/wsx-cli/wsx/listen"
	"github.com/wsx-cli/wsx/send"
	"github.com/wsx-cli/wsx/serve"
)

// A check that cannot be decided fails when nothing failed before it of
// the same cause, and is skipped, naming that failure, when something did.
func TestCannotRun(t *testing.T) {
	pc := &Options{Timeout: 2 * time.Second}
	past := time.Now().Add(-time.Millisecond)

	p := &prober{res: &probeResult{}, pc: pc, deadline: past}
	p.late("ping")
	p.late("close")
	want := []check{
		{Name: "ping", Detail: "not decided: --timeout 2s had passed"},
		{Name: "close", Skipped: true, Detail: "not run: ping failed first"},
	}
	if !equalChecks(p.res.Checks, want) {
		t.Errorf("late twice: %+v, want %+v", p.res.Checks, want)
	}

	// The connection had ended: the ping fails, unless a failure before it
	// was that same end; a timeout before it is another cause.
	ended := &listen.Result{}
	future := time.Now().Add(time.Hour)
	p = &prober{res: &probeResult{}, pc: pc, deadline: future, ended: ended}
	p.blamed[outOfTime] = "reply 1"
	p.ping("ping")
	if want := []check{{Name: "ping", Detail: "the connection had ended"}}; !equalChecks(p.res.Checks, want) {
		t.Errorf("ping after the end, no failure of it before: %+v, want %+v", p.res.Checks, want)
	}
	p = &prober{res: &probeResult{}, pc: pc, deadline: future, ended: ended}
	p.fail(connEnded, "reply 1", "no reply matched x before the connection ended (no replies)")
	p.ping("ping")
	want = []check{
		{Name: "reply 1", Detail: "no reply matched x before the connection ended (no replies)"},
		{Name: "ping", Skipped: true, Detail: "not run: reply 1 failed first"},
	}
	if !equalChecks(p.res.Checks, want) {
		t.Errorf("ping after a reply lost to the end: %+v, want %+v", p.res.Checks, want)
	}
}

// equalChecks compares checks without their times.
func equalChecks(got, want []check) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		g := got[i]
		g.Time = 0
		if g != want[i] {
			return false
		}
	}
	return true
}

// liveProbe probes url once with o (text, unless o.Format says otherwise)
// and returns stdout and the probe's exit status.
func liveProbe(t *testing.T, url string, o Options) (string, int) {
	t.Helper()
	dc, err := dial.New(dial.Options{URL: url})
	if err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	o.Repeat, o.Color, o.Stdout, o.Stderr = 1, format.ColorNever, &stdout, &stderr
	if o.Format == "" {
		o.Format = "text"
	}
	err = Run(dc, o)
	if stderr.Len() > 0 {
		t.Errorf("stderr: %s", stderr.Bytes())
	}
	return stdout.String(), exit.Status(err)
}

// echoServer runs wsx serve's echo server on loopback for one test.
func echoServer(t *testing.T) string {
	t.Helper()
	srv := serve.New(serve.Options{CloseAfter: -1, DropAfter: -1})
	url, err := srv.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return url
}

// masks are the parts of a live report that change from run to run: the
// server's port, the phases' timings and the JUnit times.
var masks = []struct {
	re   *regexp.Regexp
	with string
}{
	{regexp.MustCompile(`127\.0\.0\.1:\d+`), "127.0.0.1:PORT"},
	{regexp.MustCompile(`"(dns|first_reply|ping|tcp|tls|upgrade)": \d+(\.\d+)?`), `"$1": MS`},
	{regexp.MustCompile(`time="\d+\.\d{3}"`), `time="S.SSS"`},
}

var (
	timingsLine = regexp.MustCompile(`(?m)^  timings .*$`)
	duration    = regexp.MustCompile(`\d+(\.\d+)?(ns|µs|ms|s)\b`)
)

// mask replaces what changes from run to run with fixed words; the text
// report's timings keep their phases, not their durations.
func mask(s string) string {
	for _, m := range masks {
		s = m.re.ReplaceAllString(s, m.with)
	}
	return timingsLine.ReplaceAllStringFunc(s, func(line string) string { return duration.ReplaceAllString(line, "DUR") })
}

// The case, live: --expect nomatch --ping against an echo server.
// The reply check fails when --timeout passes; the ping and the close,
// which that left no time for, are skipped: one failure, reported once,
// exit 7. The golden files pin the three reports with the variable parts
// masked; the JUnit report is also read back with encoding/xml.
func TestSkippedAfterFailure(t *testing.T) {
	url := echoServer(t)
	junit := filepath.Join(t.TempDir(), "probe.xml")
	o := Options{Timeout: time.Second, Steps: []Step{expectStep(t, "nomatch"), {Kind: StepPing}}, JUnit: junit}
	text, code := liveProbe(t, url, o)
	if code != exit.Check {
		t.Errorf("exit %d, want %d", code, exit.Check)
	}
	checkGolden(t, "live-skipped.txt", []byte(mask(text)))
	data, err := os.ReadFile(junit)
	if err != nil {
		t.Fatal(err)
	}
	checkGolden(t, "live-skipped.junit.xml", []byte(mask(string(data))))
	times := checkJUnit(t, data, 4, 1, 2)
	// The reply check waited from the sends to the timeout; a skipped check took no time.
	if r := times["reply 1"]; r < 0.5 || r > 1.5 {
		t.Errorf("reply 1 took %.3fs, want about the 1s --timeout", r)
	}
	if times["ping"] != 0 || times["close"] != 0 {
		t.Errorf("skipped checks took %.3fs and %.3fs, want 0", times["ping"], times["close"])
	}

	o.Format, o.JUnit = "json", ""
	doc, code := liveProbe(t, url, o)
	if code != exit.Check {
		t.Errorf("--format json: exit %d, want %d", code, exit.Check)
	}
	checkGolden(t, "live-skipped.json", []byte(mask(doc)))
	var got jsonReport
	if err := json.Unmarshal([]byte(doc), &got); err != nil {
		t.Fatal(err)
	}
	var statuses []string
	for _, c := range got.Checks {
		statuses = append(statuses, c.Name+" "+c.Status)
	}
	if s, want := strings.Join(statuses, ", "), "upgrade passed, reply 1 failed, ping skipped, close skipped"; s != want || got.Passed {
		t.Errorf("checks %s, passed %v; want %s, false", s, got.Passed, want)
	}
}

// A check that times out with nothing failed before it fails, with the
// timeout in its message; only the checks after it are skipped.
func TestTimeoutAloneFails(t *testing.T) {
	url := echoServer(t)
	junit := filepath.Join(t.TempDir(), "probe.xml")
	text, code := liveProbe(t, url, Options{Timeout: 300 * time.Millisecond, Steps: []Step{expectStep(t, "a"), expectStep(t, "b")}, JUnit: junit})
	if code != exit.Check {
		t.Errorf("exit %d, want %d", code, exit.Check)
	}
	for _, line := range []string{
		"\nFAIL reply 1: no reply matched a within --timeout 300ms (no replies)\n",
		"\nSKIP reply 2: not run: reply 1 failed first\n",
		"\nSKIP close: not run: reply 1 failed first\n",
		"\n1 of 4 checks failed, 2 skipped\n",
	} {
		if !strings.Contains(text, line) {
			t.Errorf("no line %q in\n%s", line[1:], text)
		}
	}
	data, err := os.ReadFile(junit)
	if err != nil {
		t.Fatal(err)
	}
	checkJUnit(t, data, 4, 1, 2)

	// --expect-close against a server that never closes: the close code
	// check fails at the timeout; the close check is skipped.
	text, code = liveProbe(t, url, Options{Timeout: 300 * time.Millisecond, ExpectClose: new(closecodes.NormalClosure),
		Steps: []Step{{Kind: StepExpectClose, Code: closecodes.NormalClosure}}})
	if code != exit.Check {
		t.Errorf("--expect-close: exit %d, want %d", code, exit.Check)
	}
	for _, line := range []string{
		"\nFAIL close code: the server had not closed when the timeout passed (expected 1000 (normal closure))\n",
		"\nSKIP close: not run: close code failed first\n",
		"\n1 of 3 checks failed, 1 skipped\n",
	} {
		if !strings.Contains(text, line) {
			t.Errorf("no line %q in\n%s", line[1:], text)
		}
	}
}

func mustExpect(t *testing.T, s string) Expectation {
	t.Helper()
	e, err := ParseExpectation(s)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// expectStep is an expect step for the pattern s.
func expectStep(t *testing.T, s string) Step {
	t.Helper()
	return Step{Kind: StepExpect, Expect: mustExpect(t, s)}
}

// checkJUnit reads a JUnit report with encoding/xml and checks its counts,
// on the testsuites and the testsuite, against its testcases; and that
// every time is a number of seconds, 0 or more, with three decimals. It
// returns each testcase's time by name.
func checkJUnit(t *testing.T, data []byte, tests, failures, skipped int) map[string]float64 {
	t.Helper()
	type counts struct {
		Tests    int    `xml:"tests,attr"`
		Failures int    `xml:"failures,attr"`
		Skipped  int    `xml:"skipped,attr"`
		Time     string `xml:"time,attr"`
	}
	var doc struct {
		counts
		Suites []struct {
			counts
			Cases []struct {
				Name    string  `xml:"name,attr"`
				Time    *string `xml:"time,attr"`
				Failure *struct {
					Message string `xml:"message,attr"`
				} `xml:"failure"`
				Skipped *struct {
					Message string `xml:"message,attr"`
				} `xml:"skipped"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(data, &doc); err != nil {
		t.Fatalf("not XML: %v\n%s", err, data)
	}
	seconds := func(what, s string) float64 {
		t.Helper()
		v, err := strconv.ParseFloat(s, 64)
		if err != nil || v < 0 || !regexp.MustCompile(`^\d+\.\d{3}$`).MatchString(s) {
			t.Errorf("%s: time %q, want seconds like 1.234 (%v)", what, s, err)
		}
		return v
	}
	want := counts{Tests: tests, Failures: failures, Skipped: skipped}
	if got := doc.counts; got.Tests != tests || got.Failures != failures || got.Skipped != skipped || len(doc.Suites) != 1 {
		t.Fatalf("testsuites %+v, %d suites; want %+v, 1 suite\n%s", got, len(doc.Suites), want, data)
	}
	seconds("testsuites", doc.Time)
	s := doc.Suites[0]
	if got := s.counts; got.Tests != tests || got.Failures != failures || got.Skipped != skipped || len(s.Cases) != tests {
		t.Errorf("testsuite %+v, %d testcases; want %+v", got, len(s.Cases), want)
	}
	seconds("testsuite", s.Time)
	f, k := 0, 0
	times := map[string]float64{}
	for _, c := range s.Cases {
		if c.Time == nil {
			t.Errorf("testcase %q has no time", c.Name)
		} else {
			times[c.Name] = seconds("testcase "+c.Name, *c.Time)
		}
		if c.Failure != nil {
			f++
		}
		if c.Skipped != nil {
			k++
			if !strings.HasPrefix(c.Skipped.Message, "not run: ") {
				t.Errorf("testcase %q: skipped %q, want why it was not run", c.Name, c.Skipped.Message)
			}
		}
		if c.Failure != nil && c.Skipped != nil {
			t.Errorf("testcase %q both failed and skipped", c.Name)
		}
	}
	if f != failures || k != skipped {
		t.Errorf("testcases: %d failures, %d skipped; want %d, %d", f, k, failures, skipped)
	}
	return times
}

// TestSendBoundedByTimeout: a send to a server that takes the upgrade and
// then reads nothing cannot outlast --timeout, however wsx frames the
// message: the probe fails the send, out of time.
func TestSendBoundedByTimeout(t *testing.T) {
	srv := wstest.StartRawServer(t, func(c *wstest.RawConn) {
		if c.Upgrade() == nil {
			<-c.Done()
		}
	})
	big := bytes.Repeat([]byte("x"), 64<<20) // more than the kernel's buffers hold
	done := make(chan string, 1)
	go func() {
		text, code := liveProbe(t, srv.URL(), Options{Timeout: 300 * time.Millisecond,
			Steps: []Step{{Kind: StepSend, Message: send.Message{Data: big, Binary: true, Pos: "--send 1"}}}})
		if code != exit.Check {
			t.Errorf("exit %d, want %d", code, exit.Check)
		}
		done <- text
	}()
	select {
	case text := <-done:
		if !strings.Contains(text, "\nFAIL send 1: ") || !strings.Contains(text, "timeout") {
			t.Errorf("no failed send, out of time, in\n%s", text)
		}
	case <-time.After(wstest.Failsafe):
		t.Fatal("the probe outlasted --timeout by far")
	}
}
