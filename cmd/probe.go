package cmd

import (
	"github.com/urfave/cli/v2"
	"github.com/wsx-cli/wsx/closecodes"
	"github.com/wsx-cli/wsx/format"
	"github.com/wsx-cli/wsx/internal/exit"
	"github.com/wsx-cli/wsx/internal/probe"
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
			&cli.StringFlag{Name: "color", Value: "auto", Usage: "colour: `auto|always|never` (NO_COLOR, CLICOLOR_FORCE, FORCE_COLOR and TERM=dumb honoured)"},
			&cli.IntFlag{Name: "repeat", Value: 1, Usage: "probe `N` times and report pass counts and latency"},
			&cli.StringFlag{Name: "interval", Usage: "wait `DUR` between repeated probes"},
		}),
		Action: func(c *cli.Context) error { return runProbe(c, env) },
	}
}

func readProbeOptions(c *cli.Context, env *Env) (*probe.Options, error) {
	pc := &probe.Options{
		ExpectStatus:   c.Int("expect-status"),
		ExpectProtocol: c.String("expect-protocol"),
		Ping:           c.Bool("ping"),
		Format:         c.String("format"),
		JUnit:          c.String("junit"),
		Repeat:         c.Int("repeat"),
	}
	var err error
	if pc.Timeout, err = durationFlag(c, "timeout"); err != nil {
		return nil, err
	}
	if pc.Timeout == 0 {
		return nil, exit.Usagef("invalid --timeout 0: a probe needs a time limit")
	}
	if pc.Interval, err = durationFlag(c, "interval"); err != nil {
		return nil, err
	}
	switch {
	case pc.Format != "text" && pc.Format != "json":
		return nil, exit.Usagef("invalid --format %q: want text or json", pc.Format)
	case pc.Repeat < 1:
		return nil, exit.Usagef("invalid --repeat %d: must be at least 1", pc.Repeat)
	case pc.ExpectStatus != 0 && (pc.ExpectStatus < 100 || pc.ExpectStatus > 599):
		return nil, exit.Usagef("invalid --expect-status %d: want an HTTP status", pc.ExpectStatus)
	}
	if s := c.String("expect-close"); s != "" {
		code, err := closecodes.Parse(s)
		if err != nil {
			return nil, exit.Usagef("invalid --expect-close: %v", err)
		}
		pc.ExpectClose = &code
	}
	for _, s := range c.StringSlice("expect") {
		e, err := probe.ParseExpectation(s)
		if err != nil {
			return nil, err
		}
		pc.Expects = append(pc.Expects, e)
	}
	msgs := c.StringSlice("send")
	if pc.Sends, err = send.NewArgs("--send", msgs, env.Stdin, send.Check{}, 1); err != nil {
		return nil, exit.Usagef("%v", err)
	}
	pc.SendCount = len(msgs)
	mode, err := format.ParseColor(c.String("color"))
	if err != nil {
		return nil, exit.Usagef("%v", err)
	}
	pc.Color, pc.Getenv = mode, env.Getenv
	pc.Verbose, pc.StdoutTTY, pc.StderrTTY = c.Bool("verbose"), env.StdoutTTY, env.StderrTTY
	pc.Stdout, pc.Stderr, pc.Signals = env.Stdout, env.Stderr, env.Signals
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
	po, err := readProbeOptions(c, env)
	if err != nil {
		return err
	}
	if _, err := durationFlag(c, "ping-interval"); err != nil { // a shared flag probe does not use
		return err
	}
	return probe.Run(dc, *po)
}
