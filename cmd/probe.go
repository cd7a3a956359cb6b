package cmd

import (
	"regexp"
	"strings"
	"time"

	"github.com/urfave/cli/v2"
	"github.com/wsx-cli/wsx/closecodes"
	"github.com/wsx-cli/wsx/listen"
	"github.com/wsx-cli/wsx/send"
)

func probeCommand(env *Env) *cli.Command {
	return &cli.Command{
		Name:      "probe",
		Usage:     "check an endpoint for CI: report the handshake, run checks, exit 0 or 7",
		ArgsUsage: "URL",
		Description: "Reports the address, TLS, HTTP status, subprotocol, extensions, timings and the close,\n" +
			"then one PASS/FAIL line per check. Exit 0 when all pass, 7 when one fails, 3 or 4 when\n" +
			"the upgrade could not happen (unless --expect-status covers it).",
		Flags: concat(dialFlags(), []cli.Flag{
			&cli.StringFlag{Name: "timeout", Value: "10s", Usage: "bound the whole probe by `DUR`"},
			&cli.IntFlag{Name: "expect-status", Usage: "the upgrade must answer HTTP `N` (101 by default; 401 checks a refusal)"},
			&cli.StringFlag{Name: "expect-protocol", Usage: "the negotiated subprotocol must be `NAME` (none: no subprotocol)"},
			&cli.StringSliceFlag{Name: "send", Usage: "send `MSG` after the upgrade (repeatable; @FILE sends a file)"},
			&cli.StringSliceFlag{Name: "expect", Usage: "a reply must match `TEXT` (a substring), re:REGEX, or json:FILTER (a listen --filter); repeatable, matched in order"},
			&cli.StringFlag{Name: "expect-close", Usage: "the server must close with `CODE|NAME` within the timeout"},
			&cli.BoolFlag{Name: "ping", Usage: "a ping must be answered (round trip reported)"},
			&cli.StringFlag{Name: "format", Aliases: []string{"f"}, Value: "text", Usage: "report as `text|json`"},
			&cli.StringFlag{Name: "junit", Usage: "also write a JUnit XML report to `FILE`"},
			&cli.StringFlag{Name: "color", Value: "auto", Usage: "colour: `auto|always|never` (NO_COLOR is honoured)"},
			&cli.IntFlag{Name: "repeat", Value: 1, Usage: "probe `N` times and report pass counts and latency"},
			&cli.StringFlag{Name: "interval", Usage: "wait `DUR` between repeated probes"},
		}),
		Action: func(c *cli.Context) error { return runProbe(c, env) },
	}
}

// probeConfig is probe's own flags, read and checked.
type probeConfig struct {
	timeout        time.Duration
	expectStatus   int
	expectProtocol string
	sends          *send.Args
	sendCount      int
	expects        []expectation
	expectClose    *closecodes.Code
	ping           bool
	format         string
	junit          string
	repeat         int
	interval       time.Duration
}

// expectation is one --expect: a substring, re:REGEX or json:FILTER.
type expectation struct {
	text   string
	re     *regexp.Regexp
	filter *listen.Filter
}

func (e expectation) match(data []byte) bool {
	switch {
	case e.re != nil:
		return e.re.Match(data)
	case e.filter != nil:
		return e.filter.Match(data)
	}
	return strings.Contains(string(data), e.text)
}

func parseExpectation(s string) (expectation, error) {
	e := expectation{text: s}
	var err error
	if pat, ok := strings.CutPrefix(s, "re:"); ok {
		if e.re, err = regexp.Compile(pat); err != nil {
			oneLine := strings.NewReplacer("\r", `\r`, "\n", `\n`).Replace(err.Error())
			return e, usageError("invalid --expect %q: %s", s, oneLine)
		}
	} else if expr, ok := strings.CutPrefix(s, "json:"); ok {
		if e.filter, err = listen.ParseFilter(expr); err != nil {
			return e, usageError("invalid --expect %q: %v", s, err)
		}
	}
	return e, nil
}

func readProbeConfig(c *cli.Context, env *Env) (*probeConfig, error) {
	pc := &probeConfig{
		expectStatus:   c.Int("expect-status"),
		expectProtocol: c.String("expect-protocol"),
		ping:           c.Bool("ping"),
		format:         c.String("format"),
		junit:          c.String("junit"),
		repeat:         c.Int("repeat"),
	}
	var err error
	if pc.timeout, err = durationFlag(c, "timeout"); err != nil {
		return nil, err
	}
	if pc.timeout == 0 {
		return nil, usageError("invalid --timeout 0: a probe needs a time limit")
	}
	if pc.interval, err = durationFlag(c, "interval"); err != nil {
		return nil, err
	}
	switch {
	case pc.format != "text" && pc.format != "json":
		return nil, usageError("invalid --format %q: want text or json", pc.format)
	case pc.repeat < 1:
		return nil, usageError("invalid --repeat %d: must be at least 1", pc.repeat)
	case pc.expectStatus != 0 && (pc.expectStatus < 100 || pc.expectStatus > 599):
		return nil, usageError("invalid --expect-status %d: want an HTTP status", pc.expectStatus)
	}
	if s := c.String("expect-close"); s != "" {
		code, err := closecodes.Parse(s)
		if err != nil {
			return nil, usageError("invalid --expect-close: %v", err)
		}
		pc.expectClose = &code
	}
	for _, s := range c.StringSlice("expect") {
		e, err := parseExpectation(s)
		if err != nil {
			return nil, err
		}
		pc.expects = append(pc.expects, e)
	}
	msgs := c.StringSlice("send")
	if pc.sends, err = send.NewArgs("--send", msgs, env.Stdin, send.Check{}, 1); err != nil {
		return nil, usageError("%v", err)
	}
	pc.sendCount = len(msgs)
	return pc, nil
}

func runProbe(c *cli.Context, env *Env) error {
	rawURL, err := oneURL(c)
	if err != nil {
		return err
	}
	dc, err := readDialConfig(c, env, rawURL)
	if err != nil {
		return err
	}
	pc, err := readProbeConfig(c, env)
	if err != nil {
		return err
	}
	if dc.connectTimeout == 0 || dc.connectTimeout > pc.timeout {
		dc.connectTimeout = pc.timeout
	}
	rep := newProbeReporter(env, c, pc)
	ctx, stopWatch := watchSignals(env)
	var results []*probeResult
	for i := 0; i < pc.repeat && ctx.Err() == nil; i++ {
		if i > 0 && pc.interval > 0 {
			t := time.NewTimer(pc.interval)
			select {
			case <-t.C:
			case <-ctx.Done():
			}
			t.Stop()
		}
		res := probeOnce(ctx, env, dc, pc)
		results = append(results, res)
		if pc.repeat == 1 {
			break
		}
		rep.progress(i+1, res)
	}
	if sig := stopWatch(); sig != nil {
		return interrupted(sig)
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
		return &Error{Code: upgradeCode, Reported: true}
	}
	return &Error{Code: ExitCheck, Reported: true}
}

func allUpgradeFailed(results []*probeResult) bool {
	for _, r := range results {
		if r.exit == 0 {
			return false
		}
	}
	return true
}
