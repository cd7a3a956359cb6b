package probe

import (
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/wsx-cli/wsx/format"
	"github.com/wsx-cli/wsx/internal/atomicfile"
	"github.com/wsx-cli/wsx/internal/exit"
)

// reporter writes probe results as a checklist or JSON, and JUnit XML.
type reporter struct {
	pc    *Options
	paint *format.Palette // stdout's
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
		if c.failed() {
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
		if err := atomicfile.Write(r.pc.JUnit, func(w io.Writer) error { return writeJUnit(w, results) }); err != nil {
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
	failed, skipped := 0, 0
	for _, c := range checks {
		switch {
		case c.Skipped:
			skipped++
		case !c.Passed:
			failed++
		}
		fmt.Fprintf(w, "%s %s: %s\n", r.mark(c.Passed, c.Skipped), c.Name, c.Detail)
	}
	switch {
	case failed+skipped == 0 && len(checks) == 1:
		fmt.Fprintln(w, "the check passed")
	case failed == 1 && len(checks) == 1:
		fmt.Fprintln(w, "the check failed")
	case failed+skipped == 0:
		fmt.Fprintf(w, "all %d checks passed\n", len(checks))
	case failed == 0:
		fmt.Fprintf(w, "%d of %d checks passed, %d skipped\n", len(checks)-skipped, len(checks), skipped)
	case skipped == 0:
		fmt.Fprintf(w, "%d of %d checks failed\n", failed, len(checks))
	default:
		fmt.Fprintf(w, "%d of %d checks failed, %d skipped\n", failed, len(checks), skipped)
	}
}

// mark is PASS, FAIL or SKIP, or a green tick, red cross or yellow circle
// where stdout is coloured.
func (r *reporter) mark(passed, skipped bool) string {
	switch {
	case r.paint.Enabled() && skipped:
		return r.paint.Warning("○")
	case r.paint.Enabled() && passed:
		return r.paint.Good("✓")
	case r.paint.Enabled():
		return r.paint.Bad("✗")
	case skipped:
		return "SKIP"
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
		skipped := ""
		if c.Skipped > 0 {
			skipped = fmt.Sprintf(", %d skipped", c.Skipped)
		}
		fmt.Fprintf(w, "%s %s: %d/%d passed%s\n", r.mark(c.Failed+c.Skipped == 0, c.Failed == 0 && c.Skipped > 0),
			c.Name, c.Passed, c.Passed+c.Failed+c.Skipped, skipped)
	}
	fmt.Fprintf(w, "%-13s %10s %10s %10s %10s\n", "latency", "min", "median", "p95", "max")
	for _, l := range latencies(results) {
		fmt.Fprintf(w, "  %-11s %10v %10v %10v %10v\n", l.Name, roundDuration(l.Min), roundDuration(l.Median), roundDuration(l.P95), roundDuration(l.Max))
	}
}

type passCount struct {
	Name    string `json:"name"`
	Passed  int    `json:"passed"`
	Failed  int    `json:"failed"`
	Skipped int    `json:"skipped"` // not run, after an earlier check failed
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
			switch {
			case c.Skipped:
				counts[i].Skipped++
			case c.Passed:
				counts[i].Passed++
			default:
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

// The --format json documents: jsonReport for one probe, jsonRepeat for
// repeated ones. A pointer field is a value that may be missing, written
// as null.
//
// encoding/json writes a struct's fields in the order they are declared.
// These documents were first built from maps, whose keys it sorts, so the
// fields are declared in alphabetical order of their JSON keys, at every
// level, to keep the output byte for byte as it was; testdata/golden holds
// those bytes. Fields added since (a check's status) keep to that order.
// The one exception is passCount (the repeated report's checks), which was
// a struct from the start: name, passed, failed, and skipped added last.

// jsonReport is the document for one probe.
type jsonReport struct {
	Address    *string        `json:"address"`
	Checks     []jsonCheck    `json:"checks"` // [] rather than null when empty
	Close      *jsonClose     `json:"close"`
	HTTP       jsonHTTP       `json:"http"`
	Negotiated jsonNegotiated `json:"negotiated"`
	Passed     bool           `json:"passed"`
	TimingsMS  jsonTimings    `json:"timings_ms"`
	TLS        *jsonTLS       `json:"tls"`
	URL        string         `json:"url"`
}

type jsonCheck struct {
	Detail string `json:"detail"`
	Name   string `json:"name"`
	Passed bool   `json:"passed"` // false for a skipped check too
	Status string `json:"status"` // "passed", "failed" or "skipped" (not run: an earlier check failed)
}

type jsonClose struct {
	By     *string `json:"by"` // null for a drop
	Code   int     `json:"code"`
	Echo   bool    `json:"echo"`
	Name   string  `json:"name"` // the code's slug, e.g. normal-closure
	Reason string  `json:"reason"`
}

type jsonHTTP struct {
	Status     *int    `json:"status"`      // null when no HTTP answer came
	StatusText *string `json:"status_text"` // "101 Switching Protocols"
}

type jsonNegotiated struct {
	Extensions  *string `json:"extensions"`
	Subprotocol *string `json:"subprotocol"`
}

// jsonTimings are each phase in milliseconds, to the microsecond; null
// for a phase that did not happen.
type jsonTimings struct {
	DNS        *float64 `json:"dns"`
	FirstReply *float64 `json:"first_reply"`
	Ping       *float64 `json:"ping"`
	TCP        *float64 `json:"tcp"`
	TLS        *float64 `json:"tls"`
	Upgrade    *float64 `json:"upgrade"`
}

type jsonTLS struct {
	Cipher   string `json:"cipher"`
	DaysLeft int    `json:"days_left"`
	Issuer   string `json:"issuer"`
	NotAfter string `json:"not_after"` // RFC 3339, in UTC
	Subject  string `json:"subject"`
	Version  string `json:"version"`
}

// jsonRepeat is the document for repeated probes: pass counts, latency and
// each run's own report.
type jsonRepeat struct {
	Checks    []passCount   `json:"checks"`
	LatencyMS jsonLatencies `json:"latency_ms"`
	Passed    bool          `json:"passed"`
	Results   []jsonReport  `json:"results"`
	Runs      int           `json:"runs"`
	URL       string        `json:"url"`
}

// jsonLatencies are the series latencies measures; one that no run could
// time is left out rather than null, so none at all is {}.
type jsonLatencies struct {
	Connect    *jsonLatency `json:"connect,omitempty"`
	FirstReply *jsonLatency `json:"first_reply,omitempty"`
	Ping       *jsonLatency `json:"ping,omitempty"`
}

// jsonLatency is one series in milliseconds, to the microsecond.
type jsonLatency struct {
	Max    float64 `json:"max"`
	Median float64 `json:"median"`
	Min    float64 `json:"min"`
	P95    float64 `json:"p95"`
}

// millis is d in milliseconds, to the microsecond.
func millis(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// ms is d in milliseconds, or nil for a phase that did not happen.
func ms(d time.Duration) *float64 {
	if d <= 0 {
		return nil
	}
	v := millis(d)
	return &v
}

// probeJSON is the document --format json writes for one probe.
func probeJSON(res *probeResult) jsonReport {
	t := res.Timings
	doc := jsonReport{
		Address:    nullIfEmpty(res.Address),
		Checks:     checksJSON(res.Checks),
		HTTP:       jsonHTTP{Status: statusCode(res.Status), StatusText: nullIfEmpty(res.Status)},
		Negotiated: jsonNegotiated{Extensions: nullIfEmpty(res.Extensions), Subprotocol: nullIfEmpty(res.Subprotocol)},
		Passed:     res.passed(),
		TimingsMS: jsonTimings{DNS: ms(t.DNS), FirstReply: ms(t.FirstReply), Ping: ms(t.Ping),
			TCP: ms(t.TCP), TLS: ms(t.TLS), Upgrade: ms(t.Upgrade)},
		URL: res.URL,
	}
	if t := res.TLS; t != nil {
		doc.TLS = &jsonTLS{Cipher: t.Cipher, DaysLeft: t.DaysLeft, Issuer: t.Issuer,
			NotAfter: t.NotAfter.UTC().Format(time.RFC3339), Subject: t.Subject, Version: t.Version}
	}
	if c := res.Close; c != nil {
		doc.Close = &jsonClose{By: nullIfEmpty(c.By), Code: int(c.Code), Echo: c.Echo, Name: c.Code.Slug(), Reason: c.Reason}
	}
	return doc
}

func checksJSON(checks []check) []jsonCheck {
	out := make([]jsonCheck, 0, len(checks))
	for _, c := range checks {
		status := "failed"
		switch {
		case c.Skipped:
			status = "skipped"
		case c.Passed:
			status = "passed"
		}
		out = append(out, jsonCheck{Detail: c.Detail, Name: c.Name, Passed: c.Passed, Status: status})
	}
	return out
}

// repeatJSON is the document --format json writes for repeated probes.
func repeatJSON(results []*probeResult) jsonRepeat {
	doc := jsonRepeat{Checks: passCounts(results), Passed: true, Results: make([]jsonReport, 0, len(results)),
		Runs: len(results), URL: results[0].URL}
	for _, l := range latencies(results) {
		s := &jsonLatency{Max: millis(l.Max), Median: millis(l.Median), Min: millis(l.Min), P95: millis(l.P95)}
		switch l.Name {
		case "connect":
			doc.LatencyMS.Connect = s
		case "first reply":
			doc.LatencyMS.FirstReply = s
		case "ping":
			doc.LatencyMS.Ping = s
		default:
			panic("probe: latency series " + l.Name + " has no field in jsonLatencies")
		}
	}
	for _, res := range results {
		doc.Results = append(doc.Results, probeJSON(res))
		doc.Passed = doc.Passed && res.passed()
	}
	return doc
}

// nullIfEmpty is s, or nil (JSON null) when s is empty.
func nullIfEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// statusCode is the number that starts an HTTP status line, or nil (JSON
// null) when there is none.
func statusCode(status string) *int {
	code, err := strconv.Atoi(strings.SplitN(status, " ", 2)[0])
	if err != nil {
		return nil
	}
	return &code
}

func writeJSON(w io.Writer, doc any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(doc)
}

// JUnit XML, as CI systems read it. Times are in seconds, to the
// millisecond, as JUnit and Surefire write them: a testcase's is its
// check's, from when it started to when it was decided; a suite's is the
// sum of its testcases'.
type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Skipped  int         `xml:"skipped,attr"`
	Time     string      `xml:"time,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Class   string        `xml:"classname,attr"`
	Name    string        `xml:"name,attr"`
	Time    string        `xml:"time,attr"`
	Failure *junitFailure `xml:"failure,omitempty"`
	Skipped *junitFailure `xml:"skipped,omitempty"`
	Output  string        `xml:"system-out,omitempty"`
}

// junitFailure is a <failure> or <skipped> element: why, in its message.
type junitFailure struct {
	Message string `xml:"message,attr"`
}

// junitTime is d in seconds, to the millisecond: "1.234".
func junitTime(d time.Duration) string { return fmt.Sprintf("%.3f", d.Seconds()) }

func writeJUnit(w io.Writer, results []*probeResult) error {
	suite := junitSuite{Name: "wsx probe " + results[0].URL}
	var total time.Duration
	for i, res := range results {
		for _, c := range res.Checks {
			name := c.Name
			if len(results) > 1 {
				name = fmt.Sprintf("run %d: %s", i+1, c.Name)
			}
			tc := junitCase{Class: "wsx.probe", Name: name, Time: junitTime(c.Time), Output: c.Detail}
			switch {
			case c.Skipped:
				tc.Skipped = &junitFailure{Message: c.Detail}
				suite.Skipped++
			case !c.Passed:
				tc.Failure = &junitFailure{Message: c.Detail}
				suite.Failures++
			}
			total += c.Time
			suite.Cases = append(suite.Cases, tc)
		}
	}
	suite.Tests = len(suite.Cases)
	suite.Time = junitTime(total)
	doc := junitSuites{Tests: suite.Tests, Failures: suite.Failures, Skipped: suite.Skipped, Time: suite.Time, Suites: []junitSuite{suite}}
	io.WriteString(w, xml.Header)
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}
