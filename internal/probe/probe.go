// Package probe is the CI check: the probe's checks, run in order on one
// connection (or repeated), the steps of its conversation among them, and
// its text, JSON and JUnit reports.
package probe

import (
	"errors"
	"io"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/wsx-cli/wsx/closecodes"
	"github.com/wsx-cli/wsx/format"
	"github.com/wsx-cli/wsx/internal/dial"
	"github.com/wsx-cli/wsx/internal/exit"
	"github.com/wsx-cli/wsx/internal/session"
	"github.com/wsx-cli/wsx/listen"
)

// Options are probe's own flags, read and checked, and where it reports.
type Options struct {
	Timeout        time.Duration // bounds each probe, dial included
	ExpectStatus   int           // 0: 101
	ExpectProtocol string        // "": no check; "none": no subprotocol
	// Steps are the conversation, in the order given: each is a check. A
	// Close or ExpectClose step, if any, is the last.
	Steps []Step
	// ExpectClose is the code of the ExpectClose step, if there is one:
	// the close check passes it too.
	ExpectClose    *closecodes.Code
	Format         string // "text" or "json"
	JUnit          string // a file to write the JUnit report to; "": none
	Repeat         int
	Interval       time.Duration
	Color          format.ColorMode    // --color; decided per stream with format.ColorEnabled
	Getenv         func(string) string // for the colour decision
	Verbose        bool
	StdoutTTY      bool
	StderrTTY      bool
	Stdout, Stderr io.Writer
	// Signals delivers SIGINT and SIGTERM; nil when nobody will send any.
	Signals <-chan os.Signal
}

// Expectation is one --expect: a substring, re:REGEX or json:FILTER.
type Expectation struct {
	text   string
	re     *regexp.Regexp
	filter *listen.Filter
}

func (e Expectation) match(data []byte) bool {
	switch {
	case e.re != nil:
		return e.re.Match(data)
	case e.filter != nil:
		return e.filter.Match(data)
	}
	return strings.Contains(string(data), e.text)
}

// ParseExpectation reads an --expect value.
func ParseExpectation(s string) (Expectation, error) {
	e, err := NewExpectation(s)
	if err != nil {
		return e, exit.Usagef("invalid --expect %q: %v", s, err)
	}
	return e, nil
}

// NewExpectation reads a pattern: TEXT, re:REGEX or json:FILTER. Its error
// says, on one line, what is wrong with the pattern, for the caller to say
// where the pattern came from.
func NewExpectation(s string) (Expectation, error) {
	e := Expectation{text: s}
	var err error
	if pat, ok := strings.CutPrefix(s, "re:"); ok {
		if e.re, err = regexp.Compile(pat); err != nil {
			return e, errors.New(strings.NewReplacer("\r", `\r`, "\n", `\n`).Replace(err.Error()))
		}
	} else if expr, ok := strings.CutPrefix(s, "json:"); ok {
		if e.filter, err = listen.ParseFilter(expr); err != nil {
			return e, err
		}
	}
	return e, nil
}

// String is the pattern as it was given.
func (e Expectation) String() string { return e.text }

// Run probes the endpoint dc names o.Repeat times, reports, and returns
// the probe's end: nil when every check passed, exit status 7 when one
// failed, 3 or 4 when no run could upgrade.
func Run(dc *dial.Config, o Options) error {
	pc := &o
	if dc.ConnectTimeout == 0 || dc.ConnectTimeout > pc.Timeout {
		dc.ConnectTimeout = pc.Timeout
	}
	rep := &reporter{pc: pc, paint: format.NewPalette(format.ColorEnabled(pc.Color, pc.StdoutTTY, pc.Getenv))}
	ctx, stopWatch := session.WatchSignals(pc.Signals)
	var results []*probeResult
	for i := 0; i < pc.Repeat && ctx.Err() == nil; i++ {
		if i > 0 && pc.Interval > 0 {
			t := time.NewTimer(pc.Interval)
			select {
			case <-t.C:
			case <-ctx.Done():
			}
			t.Stop()
		}
		res := probeOnce(ctx, dc, pc)
		results = append(results, res)
		if pc.Repeat == 1 {
			break
		}
		rep.progress(i+1, res)
	}
	if sig := stopWatch(); sig != nil {
		return exit.BySignal(sig)
	}
	if err := rep.report(results); err != nil {
		return err
	}
	return probeExit(results)
}

// probeExit maps the results to the exit status: 0 when every check passed,
// 3 or 4 when no run could upgrade, 7 otherwise.
func probeExit(results []*probeResult) error {
	failed, upgradeCode := 0, 0
	for _, r := range results {
		if !r.passed() {
			failed++
		}
		if r.exit != 0 {
			upgradeCode = r.exit
		}
	}
	switch {
	case failed == 0:
		return nil
	case upgradeCode != 0 && allUpgradeFailed(results):
		return exit.Silent(upgradeCode)
	}
	return exit.Silent(exit.Check)
}

func allUpgradeFailed(results []*probeResult) bool {
	for _, r := range results {
		if r.exit == 0 {
			return false
		}
	}
	return true
}
