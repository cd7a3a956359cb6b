// wsx probe: its JSON and JUnit reports, --repeat, --timeout, --send @FILE, a server that never answers, and its steps: their order, --close's value, steps files.

package cmd

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wsx-cli/wsx/internal/exit"
	"github.com/wsx-cli/wsx/internal/probe"
	"github.com/wsx-cli/wsx/internal/wstest"
	"github.com/wsx-cli/wsx/serve"
)

// probeDoc is the document `wsx probe --format json` writes for one probe.
type probeDoc struct {
	URL     string  `json:"url"`
	Address *string `json:"address"`
	TLS     *struct {
		Version  string `json:"version"`
		Subject  string `json:"subject"`
		DaysLeft int    `json:"days_left"`
	} `json:"tls"`
	HTTP struct {
		Status     *int    `json:"status"`
		StatusText *string `json:"status_text"`
	} `json:"http"`
	Negotiated *struct {
		Subprotocol *string `json:"subprotocol"`
		Extensions  *string `json:"extensions"`
	} `json:"negotiated"`
	TimingsMS map[string]*float64 `json:"timings_ms"`
	Close     *struct {
		By     *string `json:"by"`
		Code   int     `json:"code"`
		Name   string  `json:"name"`
		Reason string  `json:"reason"`
		Echo   bool    `json:"echo"`
	} `json:"close"`
	Checks []probeCheck `json:"checks"`
	Passed *bool        `json:"passed"`
}

type probeCheck struct {
	Name   string `json:"name"`
	Passed bool   `json:"passed"`
	Detail string `json:"detail"`
	Status string `json:"status"` // passed, failed or skipped
}

// repeatDoc is the document `wsx probe --repeat N --format json` writes.
type repeatDoc struct {
	URL    string `json:"url"`
	Runs   int    `json:"runs"`
	Passed *bool  `json:"passed"`
	Checks []struct {
		Name   string `json:"name"`
		Passed int    `json:"passed"`
		Failed int    `json:"failed"`
	} `json:"checks"`
	LatencyMS map[string]struct {
		Min    *float64 `json:"min"`
		Median *float64 `json:"median"`
		P95    *float64 `json:"p95"`
		Max    *float64 `json:"max"`
	} `json:"latency_ms"`
	Results []probeDoc `json:"results"`
}

// decodeOne parses stdout as exactly one JSON document into v.
func decodeOne(t *testing.T, stdout string, v any) {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(stdout))
	if err := dec.Decode(v); err != nil {
		t.Fatalf("stdout is not a JSON document: %v\n%s", err, stdout)
	}
	if err := dec.Decode(new(json.RawMessage)); !errors.Is(err, io.EOF) {
		t.Fatalf("stdout holds more than one document (%v):\n%s", err, stdout)
	}
}

func checkNames(checks []probeCheck) []string {
	var names []string
	for _, c := range checks {
		names = append(names, c.Name)
	}
	return names
}

func TestProbeJSON(t *testing.T) {
	_, url, _ := startServer(t, serve.Options{Protocols: []string{"chat"}})
	r := runWsx(&Env{}, "probe", "--format", "json", "-p", "chat", "--expect-protocol", "chat",
		"--send", "hello", "--expect", "hello", "--ping", url)
	if r.code != exit.OK {
		t.Fatalf("exit %d, want 0; stdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	if r.stderr.String() != "" {
		t.Errorf("stderr %q, want nothing", r.stderr)
	}
	var doc probeDoc
	decodeOne(t, r.stdout.String(), &doc)

	if doc.URL != url {
		t.Errorf("url %q, want %q", doc.URL, url)
	}
	host := strings.TrimSuffix(strings.TrimPrefix(url, "ws://"), "/")
	if doc.Address == nil || *doc.Address != host {
		t.Errorf("address %v, want %q", doc.Address, host)
	}
	if doc.TLS != nil {
		t.Errorf("tls %+v, want null for ws://", doc.TLS)
	}
	if doc.HTTP.Status == nil || *doc.HTTP.Status != 101 {
		t.Errorf("http.status %v, want 101", doc.HTTP.Status)
	}
	if doc.HTTP.StatusText == nil || *doc.HTTP.StatusText != "101 Switching Protocols" {
		t.Errorf("http.status_text %v", doc.HTTP.StatusText)
	}
	if n := doc.Negotiated; n == nil || n.Subprotocol == nil || *n.Subprotocol != "chat" || n.Extensions != nil {
		t.Errorf("negotiated %+v, want subprotocol chat and no extensions", n)
	}
	for _, phase := range []string{"tcp", "upgrade", "first_reply", "ping"} {
		if v, ok := doc.TimingsMS[phase]; !ok || v == nil || *v < 0 {
			t.Errorf("timings_ms.%s = %v, want a number", phase, v)
		}
	}
	if v, ok := doc.TimingsMS["tls"]; !ok || v != nil {
		t.Errorf("timings_ms.tls = %v (present %v), want null for ws://", v, ok)
	}
	if v, ok := doc.TimingsMS["dns"]; !ok || v != nil {
		t.Errorf("timings_ms.dns = %v (present %v), want null: the URL has an IP address, nothing was looked up", v, ok)
	}
	c := doc.Close
	if c == nil || c.By == nil || *c.By != "client" || c.Code != 1000 || c.Name != "normal-closure" || c.Reason != "" || !c.Echo {
		t.Errorf("close %+v, want by client, 1000 normal-closure, echoed", c)
	}
	want := []probeCheck{
		{"upgrade", true, "HTTP 101 Switching Protocols", "passed"},
		{"subprotocol", true, "chat (expected chat)", "passed"},
		{"send 1", true, "hello", "passed"},
		{"reply 1", true, "hello matched hello", "passed"},
		{"ping", true, "", "passed"}, // the round trip varies
		{"close", true, "closed by client: 1000 (normal closure); server echoed 1000", "passed"},
	}
	if len(doc.Checks) != len(want) {
		t.Fatalf("checks %v, want %d", checkNames(doc.Checks), len(want))
	}
	for i, w := range want {
		got := doc.Checks[i]
		if w.Name == "ping" {
			if got.Name != "ping" || !got.Passed || got.Status != "passed" || !strings.HasPrefix(got.Detail, "pong in ") {
				t.Errorf("check %d: %+v, want a passed ping with its round trip", i, got)
			}
			continue
		}
		if got != w {
			t.Errorf("check %d: %+v, want %+v", i, got, w)
		}
	}
	if doc.Passed == nil || !*doc.Passed {
		t.Errorf("passed %v, want true", doc.Passed)
	}
}

func TestProbeJSONFailedCheck(t *testing.T) {
	_, url, _ := startServer(t, serve.Options{})
	r := runWsx(&Env{}, "probe", "--format", "json", "--expect-protocol", "chat", url)
	if r.code != exit.Check {
		t.Fatalf("exit %d, want 7; stdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	if r.stderr.String() != "" {
		t.Errorf("stderr %q, want nothing: the document says it", r.stderr)
	}
	var doc probeDoc
	decodeOne(t, r.stdout.String(), &doc)
	if doc.Passed == nil || *doc.Passed {
		t.Errorf("passed %v, want false", doc.Passed)
	}
	if n := doc.Negotiated; n == nil || n.Subprotocol != nil {
		t.Errorf("negotiated %+v, want a null subprotocol", n)
	}
	if len(doc.Checks) != 3 || doc.Checks[1] != (probeCheck{"subprotocol", false, "none (expected chat)", "failed"}) ||
		!doc.Checks[0].Passed || !doc.Checks[2].Passed {
		t.Errorf("checks %+v, want upgrade passed, subprotocol failed, close passed", doc.Checks)
	}
}

func TestProbeJSONRefused(t *testing.T) {
	_, url, _ := startServer(t, serve.Options{Reject: 401})
	for _, c := range []struct {
		args   []string
		code   int
		passed bool
		detail string
	}{
		{nil, exit.Upgrade, false, "upgrade refused: HTTP 401 Unauthorized; "},
		{[]string{"--expect-status", "401"}, exit.OK, true, "HTTP 401 Unauthorized (expected 401)"},
		{[]string{"--expect-status", "403"}, exit.Check, false, "HTTP 401 Unauthorized (expected 403)"},
	} {
		args := append([]string{"probe", "--format", "json", url}, c.args...)
		r := runWsx(&Env{}, args...)
		if r.code != c.code {
			t.Errorf("%v: exit %d, want %d; stderr:\n%s", c.args, r.code, c.code, r.stderr)
			continue
		}
		var doc probeDoc
		decodeOne(t, r.stdout.String(), &doc)
		if doc.HTTP.Status == nil || *doc.HTTP.Status != 401 {
			t.Errorf("%v: http.status %v, want 401", c.args, doc.HTTP.Status)
		}
		if doc.Close != nil {
			t.Errorf("%v: close %+v, want null: nothing was open", c.args, doc.Close)
		}
		if doc.Passed == nil || *doc.Passed != c.passed {
			t.Errorf("%v: passed %v, want %v", c.args, doc.Passed, c.passed)
		}
		if len(doc.Checks) != 1 || doc.Checks[0].Name != "upgrade" || doc.Checks[0].Passed != c.passed ||
			!strings.HasPrefix(doc.Checks[0].Detail, c.detail) {
			t.Errorf("%v: checks %+v, want one upgrade check %q", c.args, doc.Checks, c.detail)
		}
	}
}

func TestProbeJSONTLS(t *testing.T) {
	srv := serve.New(serve.Options{CloseAfter: -1, DropAfter: -1, TLS: true})
	url, err := srv.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	ca := writeFile(t, "ca.pem", srv.CertificatePEM())

	r := runWsx(&Env{}, "probe", "--format", "json", "--cacert", ca, url)
	if r.code != exit.OK {
		t.Fatalf("exit %d, want 0; stdout:\n%s", r.code, r.stdout)
	}
	var doc probeDoc
	decodeOne(t, r.stdout.String(), &doc)
	if doc.TLS == nil || doc.TLS.Version != "TLS 1.3" || doc.TLS.Subject != "CN=wsx serve" || doc.TLS.DaysLeft <= 0 {
		t.Errorf("tls %+v, want TLS 1.3, CN=wsx serve, days left", doc.TLS)
	}
	for _, phase := range []string{"tcp", "tls", "upgrade"} {
		if v := doc.TimingsMS[phase]; v == nil || *v < 0 {
			t.Errorf("timings_ms.%s = %v, want a number", phase, v)
		}
	}
}

func TestProbeRepeatJSON(t *testing.T) {
	_, url, _ := startServer(t, serve.Options{})
	r := runWsx(&Env{}, "probe", "--format", "json", "--repeat", "3", "--interval", "5ms",
		"--send", "hi", "--expect", "hi", "--ping", url)
	if r.code != exit.OK {
		t.Fatalf("exit %d, want 0; stdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	var doc repeatDoc
	decodeOne(t, r.stdout.String(), &doc)
	if doc.URL != url || doc.Runs != 3 || doc.Passed == nil || !*doc.Passed {
		t.Errorf("url %q, runs %d, passed %v; want %q, 3, true", doc.URL, doc.Runs, doc.Passed, url)
	}
	var counts []string
	for _, c := range doc.Checks {
		counts = append(counts, c.Name+" "+strconv.Itoa(c.Passed)+"/"+strconv.Itoa(c.Failed))
	}
	if got, want := strings.Join(counts, ", "), "upgrade 3/0, send 1 3/0, reply 1 3/0, ping 3/0, close 3/0"; got != want {
		t.Errorf("checks %q, want %q", got, want)
	}
	for _, name := range []string{"connect", "first_reply", "ping"} {
		l, ok := doc.LatencyMS[name]
		if !ok || l.Min == nil || l.Median == nil || l.P95 == nil || l.Max == nil {
			t.Errorf("latency_ms.%s = %+v, want min, median, p95 and max", name, l)
			continue
		}
		if !(*l.Min <= *l.Median && *l.Median <= *l.P95 && *l.P95 <= *l.Max) {
			t.Errorf("latency_ms.%s: min %v, median %v, p95 %v, max %v out of order", name, *l.Min, *l.Median, *l.P95, *l.Max)
		}
	}
	if len(doc.Results) != 3 {
		t.Fatalf("results: %d, want 3", len(doc.Results))
	}
	for i, res := range doc.Results {
		if res.URL != url || res.Passed == nil || !*res.Passed || len(res.Checks) != 5 {
			t.Errorf("result %d: url %q, passed %v, checks %v", i, res.URL, res.Passed, checkNames(res.Checks))
		}
	}
	if got := r.stderr.String(); got != "run 1/3: passed\nrun 2/3: passed\nrun 3/3: passed\n" {
		t.Errorf("stderr %q, want one line per run", got)
	}
}

func TestProbeRepeatJSONFailed(t *testing.T) {
	_, url, _ := startServer(t, serve.Options{})
	r := runWsx(&Env{}, "probe", "--format", "json", "--repeat", "2", "--expect-protocol", "chat", url)
	if r.code != exit.Check {
		t.Fatalf("exit %d, want 7; stdout:\n%s", r.code, r.stdout)
	}
	var doc repeatDoc
	decodeOne(t, r.stdout.String(), &doc)
	if doc.Passed == nil || *doc.Passed || len(doc.Results) != 2 {
		t.Fatalf("passed %v, results %d; want false, 2", doc.Passed, len(doc.Results))
	}
	for _, c := range doc.Checks {
		if c.Name == "subprotocol" && (c.Passed != 0 || c.Failed != 2) {
			t.Errorf("subprotocol: %d passed, %d failed; want 0, 2", c.Passed, c.Failed)
		}
	}
}

// junitDoc is what CI systems read from --junit.
type junitDoc struct {
	XMLName  xml.Name `xml:"testsuites"`
	Tests    int      `xml:"tests,attr"`
	Failures int      `xml:"failures,attr"`
	Skipped  int      `xml:"skipped,attr"`
	Suites   []struct {
		Name     string `xml:"name,attr"`
		Tests    int    `xml:"tests,attr"`
		Failures int    `xml:"failures,attr"`
		Skipped  int    `xml:"skipped,attr"`
		Time     string `xml:"time,attr"`
		Cases    []struct {
			Class   string `xml:"classname,attr"`
			Name    string `xml:"name,attr"`
			Time    string `xml:"time,attr"`
			Failure *struct {
				Message string `xml:"message,attr"`
			} `xml:"failure"`
			Skipped *struct {
				Message string `xml:"message,attr"`
			} `xml:"skipped"`
			Output string `xml:"system-out"`
		} `xml:"testcase"`
	} `xml:"testsuite"`
}

// readJUnit parses a whole --junit file: one root element, nothing after it.
func readJUnit(t *testing.T, path string) junitDoc {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(data, []byte(xml.Header)) {
		t.Errorf("%s does not start with the XML declaration:\n%s", path, data)
	}
	dec := xml.NewDecoder(bytes.NewReader(data))
	var doc junitDoc
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("%s is not valid JUnit XML: %v\n%s", path, err, data)
	}
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("%s: after the root: %v", path, err)
		}
		if cd, ok := tok.(xml.CharData); !ok || len(bytes.TrimSpace(cd)) > 0 {
			t.Fatalf("%s: %T after the root element", path, tok)
		}
	}
	return doc
}

// onlyFile checks that dir holds exactly name: no temporary file is left.
func onlyFile(t *testing.T, dir, name string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if len(names) != 1 || names[0] != name {
		t.Errorf("%s holds %q, want only %s", dir, names, name)
	}
}

func TestProbeJUnit(t *testing.T) {
	_, url, _ := startServer(t, serve.Options{})
	dir := t.TempDir()
	path := filepath.Join(dir, "probe.xml")
	r := runWsx(&Env{}, "probe", "--junit", path, "--expect-protocol", "chat",
		"--send", "hi", "--expect", "hi", "--send", "<&>", "--expect", "nothing", "--timeout", "1s", url)
	if r.code != exit.Check {
		t.Fatalf("exit %d, want 7; stdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stdout.String(), "\nFAIL subprotocol: none (expected chat)\n") {
		t.Errorf("the checklist is still on stdout; got:\n%s", r.stdout)
	}
	doc := readJUnit(t, path)
	onlyFile(t, dir, "probe.xml")
	if info, err := os.Stat(path); err != nil || info.Mode().Perm() != 0o644 {
		t.Errorf("mode %v (%v), want 0644", info.Mode().Perm(), err)
	}

	want := []struct{ name, failure, skipped string }{
		{"upgrade", "", ""},
		{"subprotocol", "none (expected chat)", ""},
		{"send 1", "", ""},
		{"reply 1", "", ""},
		{"send 2", "", ""},
		{"reply 2", `no reply matched nothing within --timeout 1s (got 2 replies: hi, <&>)`, ""},
		{"close", "", "not run: reply 2 failed first"},
	}
	if doc.Tests != len(want) || doc.Failures != 2 || doc.Skipped != 1 || len(doc.Suites) != 1 {
		t.Fatalf("testsuites: tests %d, failures %d, skipped %d, %d suites; want %d, 2, 1, 1", doc.Tests, doc.Failures, doc.Skipped, len(doc.Suites), len(want))
	}
	s := doc.Suites[0]
	if s.Name != "wsx probe "+url || s.Tests != len(want) || s.Failures != 2 || s.Skipped != 1 || len(s.Cases) != len(want) {
		t.Fatalf("testsuite %q: tests %d, failures %d, skipped %d, %d cases", s.Name, s.Tests, s.Failures, s.Skipped, len(s.Cases))
	}
	if v, err := strconv.ParseFloat(s.Time, 64); err != nil || v < 0 {
		t.Errorf("testsuite time %q, want seconds", s.Time)
	}
	for i, w := range want {
		tc := s.Cases[i]
		if tc.Name != w.name || tc.Class != "wsx.probe" {
			t.Errorf("testcase %d: %s %q, want wsx.probe %q", i, tc.Class, tc.Name, w.name)
		}
		if v, err := strconv.ParseFloat(tc.Time, 64); err != nil || v < 0 {
			t.Errorf("testcase %q: time %q, want seconds", tc.Name, tc.Time)
		}
		switch {
		case w.failure == "" && tc.Failure != nil:
			t.Errorf("testcase %q: failure %q, want none", tc.Name, tc.Failure.Message)
		case w.failure != "" && (tc.Failure == nil || tc.Failure.Message != w.failure):
			t.Errorf("testcase %q: failure %+v, want message %q", tc.Name, tc.Failure, w.failure)
		}
		switch {
		case w.skipped == "" && tc.Skipped != nil:
			t.Errorf("testcase %q: skipped %q, want not", tc.Name, tc.Skipped.Message)
		case w.skipped != "" && (tc.Skipped == nil || tc.Skipped.Message != w.skipped):
			t.Errorf("testcase %q: skipped %+v, want message %q", tc.Name, tc.Skipped, w.skipped)
		}
	}
	if out := s.Cases[3].Output; out != "hi matched hi" {
		t.Errorf("reply 1 system-out %q, want the detail", out)
	}
}

func TestProbeJUnitPassedAndRepeated(t *testing.T) {
	_, url, _ := startServer(t, serve.Options{})
	dir := t.TempDir()
	path := filepath.Join(dir, "probe.xml")
	if err := os.WriteFile(path, []byte("old report"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := runWsx(&Env{}, "probe", "--junit", path, "--repeat", "2", "--format", "json", url)
	if r.code != exit.OK {
		t.Fatalf("exit %d, want 0; stderr:\n%s", r.code, r.stderr)
	}
	doc := readJUnit(t, path) // replaced whole
	onlyFile(t, dir, "probe.xml")
	if doc.Tests != 4 || doc.Failures != 0 || len(doc.Suites) != 1 || len(doc.Suites[0].Cases) != 4 {
		t.Fatalf("tests %d, failures %d; want 4 testcases (2 runs, 2 checks), no failure", doc.Tests, doc.Failures)
	}
	var names []string
	for _, tc := range doc.Suites[0].Cases {
		names = append(names, tc.Name)
		if tc.Failure != nil {
			t.Errorf("testcase %q: failure %q", tc.Name, tc.Failure.Message)
		}
	}
	if got := strings.Join(names, ", "); got != "run 1: upgrade, run 1: close, run 2: upgrade, run 2: close" {
		t.Errorf("testcases %s", got)
	}
	var jd repeatDoc
	decodeOne(t, r.stdout.String(), &jd) // --junit does not replace --format json
}

func TestProbeJUnitMissingDirectory(t *testing.T) {
	_, url, _ := startServer(t, serve.Options{})
	dir := t.TempDir()
	path := filepath.Join(dir, "missing", "probe.xml")
	r := runWsx(&Env{}, "probe", "--junit", path, url)
	if r.code != exit.Runtime {
		t.Fatalf("exit %d, want 1; stdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	stderr := r.stderr.String()
	if want := "wsx: error: cannot write --junit " + path + ": no such file or directory\n"; stderr != want {
		t.Errorf("stderr %q, want %q", stderr, want)
	}
	if !strings.Contains(r.stdout.String(), "PASS upgrade") {
		t.Errorf("the checklist must still be printed; stdout:\n%s", r.stdout)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("%s: %d entries, want none", dir, len(entries))
	}
}

// A check that cannot be decided fails when --timeout passes, and the probe
// ends then, not at some later default. The check after it, left no time,
// is skipped, not failed again.
func TestProbeTimeoutEndsPromptly(t *testing.T) {
	_, url, _ := startServer(t, serve.Options{})
	start := time.Now()
	r := runWsx(&Env{}, "probe", "--format", "json", "--expect-close", "1000", "--timeout", "1s", url)
	elapsed := time.Since(start)
	if r.code != exit.Check {
		t.Fatalf("exit %d, want 7; stdout:\n%s", r.code, r.stdout)
	}
	if elapsed < time.Second || elapsed > 8*time.Second { // not the 10s default
		t.Errorf("took %v with --timeout 1s", elapsed)
	}
	var doc probeDoc
	decodeOne(t, r.stdout.String(), &doc)
	want := []probeCheck{
		{"upgrade", true, "HTTP 101 Switching Protocols", "passed"},
		{"close code", false, "the server had not closed when the timeout passed (expected 1000 (normal closure))", "failed"},
		{"close", false, "not run: close code failed first", "skipped"}, // the timeout is reported once

	}
	if len(doc.Checks) != len(want) {
		t.Fatalf("checks %+v", doc.Checks)
	}
	for i := range want {
		if doc.Checks[i] != want[i] {
			t.Errorf("check %d: %+v, want %+v", i, doc.Checks[i], want[i])
		}
	}
}

// A server that accepts TCP and never answers the upgrade: exit 3 when
// --timeout passes, with the reason.
func TestProbeNoUpgradeResponse(t *testing.T) {
	addr := silentServer(t)
	start := time.Now()
	r := runWsx(&Env{}, "probe", "--timeout", "1s", "ws://"+addr+"/")
	elapsed := time.Since(start)
	if r.code != exit.Connect {
		t.Fatalf("exit %d, want 3; stdout:\n%s", r.code, r.stdout)
	}
	if elapsed > 8*time.Second { // not the 10s default
		t.Errorf("took %v with --timeout 1s", elapsed)
	}
	want := "FAIL upgrade: no upgrade response from " + addr + " within 1s (hint: the server accepted TCP but did not answer the WebSocket upgrade; is it a WebSocket server?)\n"
	if !strings.Contains(r.stdout.String(), "\n"+want) {
		t.Errorf("stdout:\n%s\nwant the line %q", r.stdout, want)
	}
}

// silentServer accepts connections and never writes; it returns host:port.
func silentServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
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
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		wg.Wait()
		for _, c := range conns {
			c.Close()
		}
	})
	return ln.Addr().String()
}

// probe --send @FILE streams a file over 1 MiB like send does.
func TestProbeSendsBigFile(t *testing.T) {
	_, url, log := startServer(t, serve.Options{})
	file := writeFile(t, "big.txt", []byte(strings.Repeat("x", 2<<20)+"MARK"))
	r := runWsx(&Env{}, "probe", "--send", "@"+file, "--expect", "MARK", "--timeout", "10s", url)
	if r.code != 0 {
		t.Fatalf("exit %d; stdout:\n%.2000s", r.code, r.stdout)
	}
	log.Wait(t, "received 1 message, 2097156 bytes")
}

// graphqlSteps is the graphql-transport-ws conversation, in order; the
// unordered form sends both messages first, as probe did before steps.
var (
	graphqlInit      = `{"type":"connection_init"}`
	graphqlSubscribe = `{"id":"1","type":"subscribe","payload":{"query":"subscription { hello }"}}`
	graphqlOrdered   = []string{"--send", graphqlInit, "--expect", "json:type==connection_ack",
		"--send", graphqlSubscribe, "--expect", "json:type==next", "--expect", "json:type==complete"}
	graphqlUnordered = []string{"--send", graphqlInit, "--send", graphqlSubscribe,
		"--expect", "json:type==connection_ack", "--expect", "json:type==next", "--expect", "json:type==complete"}
)

// The JSON and JUnit reports carry every step, in the order given, each
// with its status: against serve's order mode, the ordered conversation
// passes and the unordered one fails on the 4401 close.
func TestProbeStepsReports(t *testing.T) {
	_, url, _ := startServer(t, serve.Options{Mode: serve.Order, AckDelay: 200 * time.Millisecond})
	for _, tc := range []struct {
		name  string
		steps []string
		code  int
		want  []probeCheck // details checked by prefix
	}{
		{"ordered", graphqlOrdered, exit.OK, []probeCheck{
			{"upgrade", true, "HTTP 101", "passed"},
			{"send 1", true, graphqlInit, "passed"},
			{"reply 1", true, `{"type":"connection_ack"} matched json:type==connection_ack`, "passed"},
			{"send 2", true, graphqlSubscribe, "passed"},
			{"reply 2", true, `{"id":"1","type":"next",`, "passed"},
			{"reply 3", true, `{"id":"1","type":"complete"} matched json:type==complete`, "passed"},
			{"close", true, "closed by client: 1000 (normal closure); server echoed 1000", "passed"},
		}},
		{"unordered", graphqlUnordered, exit.Check, []probeCheck{
			{"upgrade", true, "HTTP 101", "passed"},
			{"send 1", true, graphqlInit, "passed"},
			{"send 2", true, graphqlSubscribe, "passed"},
			{"reply 1", false, "no reply matched json:type==connection_ack before the connection ended (no replies)", "failed"},
			{"reply 2", false, "not run: reply 1 failed first", "skipped"},
			{"reply 3", false, "not run: reply 1 failed first", "skipped"},
			{"close", false, `closed by server: 4401 (private use) "Unauthorized"`, "failed"},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			junit := filepath.Join(t.TempDir(), "probe.xml")
			args := append([]string{"probe", "--format", "json", "--junit", junit, url}, tc.steps...)
			r := runWsx(&Env{}, args...)
			if r.code != tc.code {
				t.Fatalf("exit %d, want %d; stdout:\n%s\nstderr:\n%s", r.code, tc.code, r.stdout, r.stderr)
			}
			var doc probeDoc
			decodeOne(t, r.stdout.String(), &doc)
			if len(doc.Checks) != len(tc.want) {
				t.Fatalf("checks %v, want %d", checkNames(doc.Checks), len(tc.want))
			}
			for i, w := range tc.want {
				got := doc.Checks[i]
				if got.Name != w.Name || got.Passed != w.Passed || got.Status != w.Status || !strings.HasPrefix(got.Detail, w.Detail) {
					t.Errorf("JSON check %d: %+v, want %+v", i, got, w)
				}
			}
			if doc.Passed == nil || *doc.Passed != (tc.code == exit.OK) {
				t.Errorf("passed %v", doc.Passed)
			}
			jd := readJUnit(t, junit)
			if len(jd.Suites) != 1 || len(jd.Suites[0].Cases) != len(tc.want) {
				t.Fatalf("JUnit: %+v, want one suite of %d testcases", jd, len(tc.want))
			}
			for i, w := range tc.want {
				tcase := jd.Suites[0].Cases[i]
				status := "passed"
				switch {
				case tcase.Failure != nil && tcase.Skipped != nil:
					status = "both"
				case tcase.Failure != nil:
					status = "failed"
				case tcase.Skipped != nil:
					status = "skipped"
				}
				if tcase.Name != w.Name || status != w.Status || !strings.HasPrefix(tcase.Output, w.Detail) {
					t.Errorf("JUnit testcase %d: %q %s %q, want %q %s %q", i, tcase.Name, status, tcase.Output, w.Name, w.Status, w.Detail)
				}
			}
		})
	}
}

// splitFlags gives probe's --close its value only when the argument after
// it starts with a close code, and an empty one otherwise, so that the flag
// package reads either; --ping takes none.
func TestSplitFlagsClose(t *testing.T) {
	defs := probeCommand(nil).Flags
	for _, tc := range []struct{ args, want []string }{
		{[]string{"--close", "4000 bye now", "URL"}, []string{"--close=4000 bye now", "--", "URL"}},
		{[]string{"--close", "going-away", "URL"}, []string{"--close=going-away", "--", "URL"}},
		{[]string{"--close", "70000", "URL"}, []string{"--close=70000", "--", "URL"}}, // a number: refused later, by name
		{[]string{"--close", "URL"}, []string{"--close=", "--", "URL"}},
		{[]string{"URL", "--close"}, []string{"--close=", "--", "URL"}},
		{[]string{"--close", "--send", "x", "URL"}, []string{"--close=", "--send", "x", "--", "URL"}},
		{[]string{"--close", "--", "4000"}, []string{"--close=", "--", "4000"}},
		{[]string{"--close=4000", "URL"}, []string{"--close=4000", "--", "URL"}},
		{[]string{"-close", "1000", "URL"}, []string{"-close=1000", "--", "URL"}},
		{[]string{"--ping", "URL", "--send", "--ping"}, []string{"--ping", "--send", "--ping", "--", "URL"}},
		{[]string{"--wait", "1s", "URL"}, []string{"--wait", "1s", "--", "URL"}},
	} {
		got, err := splitFlags(defs, slices.Clone(tc.args))
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("splitFlags(%q) = %q, %v; want %q", tc.args, got, err, tc.want)
			continue
		}
		if again, err := splitFlags(defs, slices.Clone(got)); err != nil || !slices.Equal(again, got) {
			t.Errorf("splitFlags(%q) = %q, which splits again as %q, %v", tc.args, got, again, err)
		}
	}
}

// A steps file is read line by line: the keyword, then its argument after
// spaces or tabs; comments, blank lines and the spaces around a line are
// not steps; @FILE is relative to the file's directory, and a send in
// double quotes is a Go string.
func TestReadStepsFile(t *testing.T) {
	t.Chdir(t.TempDir())
	if err := os.MkdirAll("ci", 0o755); err != nil {
		t.Fatal(err)
	}
	writeHere(t, "ci/subscribe.json", `{"id":"1","type":"subscribe"}`)
	writeHere(t, "ci/probe.steps", "# a comment\n"+
		"\n"+
		"  send {\"type\":\"connection_init\"}  \r\n"+
		"expect\tjson:type==connection_ack\n"+
		"send @subscribe.json\n"+
		"send \"SEND\\ndestination:/q\\n\\nhi\\x00\"\n"+
		"send  two  spaces  kept  inside\n"+
		"   # an indented comment\n"+
		"ping\n"+
		"wait 250ms\n"+
		"wait 2\n"+
		"expect re:^a b$\n"+
		"close 4000   going away  now \n")
	steps, err := readSteps([]rawStep{{kind: "steps", value: "ci/probe.steps"}}, &Env{Stdin: strings.NewReader("")}, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, st := range steps {
		switch st.Kind {
		case probe.StepSend:
			got = append(got, fmt.Sprintf("send %q", st.Message.Data))
		case probe.StepExpect:
			got = append(got, "expect "+st.Expect.String())
		case probe.StepPing:
			got = append(got, "ping")
		case probe.StepWait:
			got = append(got, "wait "+st.Wait.String())
		case probe.StepClose:
			got = append(got, fmt.Sprintf("close %d %q", st.Code, st.Reason))
		}
	}
	want := []string{
		`send "{\"type\":\"connection_init\"}"`,
		"expect json:type==connection_ack",
		`send "{\"id\":\"1\",\"type\":\"subscribe\"}"`,
		`send "SEND\ndestination:/q\n\nhi\x00"`,
		`send "two  spaces  kept  inside"`,
		"ping",
		"wait 250ms",
		"wait 2s",
		"expect re:^a b$",
		`close 4000 "going away  now"`,
	}
	if !slices.Equal(got, want) {
		t.Errorf("steps:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// writeHere writes a file relative to the current directory.
func writeHere(t *testing.T, name, text string) {
	t.Helper()
	if err := os.WriteFile(name, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// A line that is not a step is a usage error naming FILE:LINE and what is
// wrong; so is one that comes after the step that ends the conversation.
func TestStepsFileErrors(t *testing.T) {
	t.Chdir(t.TempDir())
	if err := os.MkdirAll("ci", 0o755); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		text, want string
	}{
		{"sned hi", `s.steps:1: unknown step "sned": want send, expect, ping, wait, close or expect-close`},
		{"Send hi", `s.steps:1: unknown step "Send": want send, expect, ping, wait, close or expect-close`},
		{"# one\n\n  sendhi", `s.steps:3: unknown step "sendhi": want send, expect, ping, wait, close or expect-close`},
		{"send", `s.steps:1: send needs a message: send TEXT, send @FILE or send "GO STRING"`},
		{"send   ", `s.steps:1: send needs a message: send TEXT, send @FILE or send "GO STRING"`},
		{`send "abc`, `s.steps:1: invalid send "abc: not a Go string literal`},
		{`send "a" b"`, `s.steps:1: invalid send "a" b": not a Go string literal`},
		{`send "\xff"`, `s.steps:1: not valid UTF-8 at byte 0`},
		{"send @missing.json", `s.steps:1: cannot read @missing.json: no such file or directory`},
		{"expect", `s.steps:1: expect needs a pattern: TEXT, re:REGEX or json:FILTER`},
		{"expect re:(", "s.steps:1: invalid expect \"re:(\": error parsing regexp: missing closing ): `(`"},
		{"expect json:>", `s.steps:1: invalid expect "json:>": invalid filter ">": missing path`},
		{"ping now", `s.steps:1: ping takes no argument, got "now"`},
		{"wait", `s.steps:1: wait needs a duration, like 500ms, 3s or 2m`},
		{"wait soon", `s.steps:1: invalid wait "soon": want a duration like 500ms, 3s or 2m`},
		{"wait -1s", `s.steps:1: invalid wait "-1s": must not be negative`},
		{"wait 5s\nwait 5s", `the waits add up to 10s, and --timeout 10s leaves no time for the rest`},
		{"close bogus", `s.steps:1: invalid close: unknown close code "bogus"`},
		{"close 1006", `s.steps:1: invalid close: 1006 (abnormal closure) may not be sent in a close frame`},
		{"close 4000 " + strings.Repeat("x", 124), `s.steps:1: invalid close: the reason is 124 bytes, at most 123 fit in a close frame`},
		{"expect-close", `s.steps:1: expect-close needs a close code, a number or a name`},
		{"expect-close nope", `s.steps:1: invalid expect-close: unknown close code "nope"`},
		{"close\nsend x", `s.steps:2: invalid send: it comes after close (s.steps:1), which ends the conversation`},
		{"expect-close 4001\n# then\nexpect-close 4001", `s.steps:3: invalid expect-close: it comes after expect-close (s.steps:1), which ends the conversation`},
	} {
		writeHere(t, "s.steps", tc.text)
		_, err := readSteps([]rawStep{{kind: "steps", value: "s.steps"}}, &Env{Stdin: strings.NewReader("")}, 10*time.Second)
		if err == nil {
			t.Errorf("%q: no error, want %q", tc.text, tc.want)
			continue
		}
		e := wstest.CheckUsage(t, err, tc.want)
		if len(e.Hints) > 1 {
			t.Errorf("%q: hints %q, want one at most", tc.text, e.Hints)
		}
	}

	// @FILE is relative to the file's directory, and named so.
	writeHere(t, "ci/s.steps", "send @missing.json")
	_, err := readSteps([]rawStep{{kind: "steps", value: "ci/s.steps"}}, &Env{Stdin: strings.NewReader("")}, 10*time.Second)
	wstest.CheckUsage(t, err, "ci/s.steps:1: cannot read @ci/missing.json: no such file or directory")

	// Steps on stdin are named so; their sends cannot read stdin too.
	_, err = readSteps([]rawStep{{kind: "steps", value: "-"}}, &Env{Stdin: strings.NewReader("ping\nsend @-\n")}, 10*time.Second)
	wstest.CheckUsage(t, err, "stdin:2: send @-: stdin already holds the steps")

	// A step after one that ends the conversation, across a file and a flag.
	writeHere(t, "end.steps", "expect x\nexpect-close 1000\n")
	_, err = readSteps([]rawStep{{kind: "steps", value: "end.steps"}, {kind: "ping", value: "true"}}, &Env{Stdin: strings.NewReader("")}, 10*time.Second)
	wstest.CheckUsage(t, err, "invalid --ping: it comes after expect-close (end.steps:2), which ends the conversation")
}
