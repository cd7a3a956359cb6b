package probe

import (
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/wsx-cli/wsx/internal/exit"
)

// reporter writes probe results as a checklist or JSON, and JUnit XML.
type reporter struct {
	pc *Options
}

// progress notes each repeated run on stderr, so a long series shows life.
func (r *reporter) progress(i int, res *probeResult) {
	state := "passed"
	if !res.passed() {
		state = "failed: " + strings.Join(failedNames(res), ", ")
	}
	fmt.Fprintf(r.pc.Stderr, "run %d/%d: %s\n", i, r.pc.Repeat, state)
}

func failedNames(res *probeResult) []string {
	var names []string
	for _, c := range res.Checks {
		if !c.Passed {
			names = append(names, c.Name)
		}
	}
	return names
}

func (r *reporter) report(results []*probeResult) error {
	out := r.pc.Stdout
	switch {
	case r.pc.Format == "json" && len(results) == 1:
		writeJSON(out, probeJSON(results[0]))
	case r.pc.Format == "json":
		writeJSON(out, repeatJSON(results))
	case len(results) == 1:
		r.text(out, results[0])
	default:
		r.repeatText(out, results)
	}
	if r.pc.JUnit != "" {
		if err := writeAtomically(r.pc.JUnit, func(w io.Writer) error { return writeJUnit(w, results) }); err != nil {
			return exit.Errorf(exit.Runtime, "cannot write --junit %s: %v", r.pc.JUnit, pathErr(err))
		}
	}
	return nil
}

// pathErr drops the file name from an *os.PathError, which may be the
// temporary file's.
func pathErr(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// text is the checklist of one probe.
func (r *reporter) text(w io.Writer, res *probeResult) {
	fmt.Fprintf(w, "probe %s\n", res.URL)
	row := func(name, value string) { fmt.Fprintf(w, "  %-12s %s\n", name, value) }
	row("address", orDash(res.Address))
	if t := res.TLS; t != nil {
		row("tls", t.Version+", "+t.Cipher)
		row("certificate", fmt.Sprintf("%s, issued by %s, expires %s (%d days)", t.Subject, t.Issuer, t.NotAfter.Format("2006-01-02"), t.DaysLeft))
	}
	row("http", orDash(res.Status))
	if res.Checks[0].Passed && res.Status != "" && strings.HasPrefix(res.Status, "101") {
		row("subprotocol", orNone(res.Subprotocol))
		row("extensions", orNone(res.Extensions))
	}
	row("timings", timingsText(res.Timings))
	if c := res.Close; c != nil {
		echo := ""
		if c.Echo {
			echo = "; the server echoed it"
		}
		row("close", closeText(c)+echo)
	}
	r.checklist(w, res.Checks)
}

func (r *reporter) checklist(w io.Writer, checks []check) {
	failed := 0
	for _, c := range checks {
		if !c.Passed {
			failed++
		}
		fmt.Fprintf(w, "%s %s: %s\n", r.mark(c.Passed), c.Name, c.Detail)
	}
	switch {
	case failed == 0 && len(checks) == 1:
		fmt.Fprintln(w, "the check passed")
	case len(checks) == 1:
		fmt.Fprintln(w, "the check failed")
	case failed == 0:
		fmt.Fprintf(w, "all %d checks passed\n", len(checks))
	default:
		fmt.Fprintf(w, "%d of %d checks failed\n", failed, len(checks))
	}
}

// mark is PASS/FAIL, or a coloured tick or cross on a terminal.
func (r *reporter) mark(passed bool) string {
	switch {
	case r.pc.Color && passed:
		return "\x1b[32m✓\x1b[0m"
	case r.pc.Color:
		return "\x1b[31m✗\x1b[0m"
	case passed:
		return "PASS"
	}
	return "FAIL"
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

func timingsText(t probeTimings) string {
	var parts []string
	for _, p := range []struct {
		name string
		d    time.Duration
	}{{"dns", t.DNS}, {"tcp", t.TCP}, {"tls", t.TLS}, {"upgrade", t.Upgrade}, {"first reply", t.FirstReply}, {"ping", t.Ping}} {
		if p.d > 0 {
			parts = append(parts, p.name+" "+roundDuration(p.d).String())
		}
	}
	return orDash(strings.Join(parts, ", "))
}

// repeatText sums up repeated probes: pass counts and latency.
func (r *reporter) repeatText(w io.Writer, results []*probeResult) {
	fmt.Fprintf(w, "probe %s (%d runs)\n", results[0].URL, len(results))
	for _, c := range passCounts(results) {
		fmt.Fprintf(w, "%s %s: %d/%d passed\n", r.mark(c.Failed == 0), c.Name, c.Passed, c.Passed+c.Failed)
	}
	fmt.Fprintf(w, "%-13s %10s %10s %10s %10s\n", "latency", "min", "median", "p95", "max")
	for _, l := range latencies(results) {
		fmt.Fprintf(w, "  %-11s %10v %10v %10v %10v\n", l.Name, roundDuration(l.Min), roundDuration(l.Median), roundDuration(l.P95), roundDuration(l.Max))
	}
}

type passCount struct {
	Name   string `json:"name"`
	Passed int    `json:"passed"`
	Failed int    `json:"failed"`
}

func passCounts(results []*probeResult) []passCount {
	var counts []passCount
	index := map[string]int{}
	for _, res := range results {
		for _, c := range res.Checks {
			i, ok := index[c.Name]
			if !ok {
				i = len(counts)
				index[c.Name] = i
				counts = append(counts, passCount{Name: c.Name})
			}
			if c.Passed {
				counts[i].Passed++
			} else {
				counts[i].Failed++
			}
		}
	}
	return counts
}

type latency struct {
	Name                  string
	Min, Median, P95, Max time.Duration
}

// latencies summarises connect (DNS to 101), first reply and ping times.
func latencies(results []*probeResult) []latency {
	series := []struct {
		name string
		get  func(t probeTimings) time.Duration
	}{
		{"connect", func(t probeTimings) time.Duration { return t.DNS + t.TCP + t.TLS + t.Upgrade }},
		{"first reply", func(t probeTimings) time.Duration { return t.FirstReply }},
		{"ping", func(t probeTimings) time.Duration { return t.Ping }},
	}
	var out []latency
	for _, s := range series {
		var ds []time.Duration
		for _, res := range results {
			if !strings.HasPrefix(res.Status, "101") {
				continue // no connection was made: nothing to time
			}
			if d := s.get(res.Timings); d > 0 {
				ds = append(ds, d)
			}
		}
		if len(ds) == 0 {
			continue
		}
		slices.Sort(ds)
		out = append(out, latency{Name: s.name, Min: ds[0], Median: ds[len(ds)/2], P95: ds[(len(ds)*95+99)/100-1], Max: ds[len(ds)-1]})
	}
	return out
}

func ms(d time.Duration) *float64 {
	if d <= 0 {
		return nil
	}
	v := float64(d.Microseconds()) / 1000
	return &v
}

// probeJSON is the document --format json writes for one probe.
func probeJSON(res *probeResult) map[string]any {
	doc := map[string]any{
		"url": res.URL, "address": nullIfEmpty(res.Address), "tls": nil, "close": nil,
		"http":       map[string]any{"status": statusCode(res.Status), "status_text": nullIfEmpty(res.Status)},
		"negotiated": map[string]any{"subprotocol": nullIfEmpty(res.Subprotocol), "extensions": nullIfEmpty(res.Extensions)},
		"timings_ms": map[string]any{
			"dns": ms(res.Timings.DNS), "tcp": ms(res.Timings.TCP), "tls": ms(res.Timings.TLS), "upgrade": ms(res.Timings.Upgrade),
			"first_reply": ms(res.Timings.FirstReply), "ping": ms(res.Timings.Ping),
		},
		"checks": checksJSON(res.Checks), "passed": res.passed(),
	}
	if t := res.TLS; t != nil {
		doc["tls"] = map[string]any{"version": t.Version, "cipher": t.Cipher, "subject": t.Subject, "issuer": t.Issuer,
			"not_after": t.NotAfter.UTC().Format(time.RFC3339), "days_left": t.DaysLeft}
	}
	if c := res.Close; c != nil {
		doc["close"] = map[string]any{"by": nullIfEmpty(c.By), "code": int(c.Code), "name": c.Code.Slug(), "reason": c.Reason, "echo": c.Echo}
	}
	return doc
}

func checksJSON(checks []check) []map[string]any {
	out := []map[string]any{}
	for _, c := range checks {
		out = append(out, map[string]any{"name": c.Name, "passed": c.Passed, "detail": c.Detail})
	}
	return out
}

func repeatJSON(results []*probeResult) map[string]any {
	lat := map[string]any{}
	for _, l := range latencies(results) {
		lat[strings.ReplaceAll(l.Name, " ", "_")] = map[string]any{"min": ms(l.Min), "median": ms(l.Median), "p95": ms(l.P95), "max": ms(l.Max)}
	}
	runs := []map[string]any{}
	passed := true
	for _, res := range results {
		runs = append(runs, probeJSON(res))
		passed = passed && res.passed()
	}
	return map[string]any{"url": results[0].URL, "runs": len(results), "passed": passed,
		"checks": passCounts(results), "latency_ms": lat, "results": runs}
}

func nullIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func statusCode(status string) any {
	code, err := strconv.Atoi(strings.SplitN(status, " ", 2)[0])
	if err != nil {
		return nil
	}
	return code
}

func writeJSON(w io.Writer, doc any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(doc)
}

// JUnit XML, as CI systems read it.
type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Class   string        `xml:"classname,attr"`
	Name    string        `xml:"name,attr"`
	Failure *junitFailure `xml:"failure,omitempty"`
	Output  string        `xml:"system-out,omitempty"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
}

func writeJUnit(w io.Writer, results []*probeResult) error {
	suite := junitSuite{Name: "wsx probe " + results[0].URL}
	for i, res := range results {
		for _, c := range res.Checks {
			name := c.Name
			if len(results) > 1 {
				name = fmt.Sprintf("run %d: %s", i+1, c.Name)
			}
			tc := junitCase{Class: "wsx.probe", Name: name, Output: c.Detail}
			if !c.Passed {
				tc.Failure = &junitFailure{Message: c.Detail}
				suite.Failures++
			}
			suite.Cases = append(suite.Cases, tc)
		}
	}
	suite.Tests = len(suite.Cases)
	doc := junitSuites{Tests: suite.Tests, Failures: suite.Failures, Suites: []junitSuite{suite}}
	io.WriteString(w, xml.Header)
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// writeAtomically writes a file through a temporary one, so a failed run
// never leaves half a file.
func writeAtomically(path string, write func(io.Writer) error) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if err := f.Chmod(0o644); err != nil {
		f.Close()
		return err
	}
	if err := write(f); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}
