package cmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/urfave/cli/v3"
	"github.com/wsx-cli/wsx/closecodes"
	"github.com/wsx-cli/wsx/format"
	"github.com/wsx-cli/wsx/internal/exit"
	"github.com/wsx-cli/wsx/internal/probe"
	"github.com/wsx-cli/wsx/send"
)

func probeCommand(env *Env) *cli.Command {
	steps := &stepList{}
	return &cli.Command{
		Name:      "probe",
		Usage:     "check an endpoint for CI: report the handshake, run checks, exit 0 or 7",
		ArgsUsage: "URL",
		Description: "Reports the address, TLS, HTTP status, subprotocol, extensions, timings and the close,\n" +
			"then one PASS/FAIL line per check. Exit 0 when all pass, 7 when one fails, 3 or 4 when\n" +
			"the upgrade could not happen (unless --expect-status covers it). --send, --expect,\n" +
			"--ping, --wait, --close, --expect-close and --steps are the steps of a conversation,\n" +
			"run in the order given; the first that fails ends it.",
		Flags: concat(dialFlags(), []cli.Flag{
			&cli.StringFlag{Name: "timeout", Value: "10s", Usage: "bound the whole probe by `DUR`"},
			&cli.IntFlag{Name: "expect-status", Usage: "the upgrade must answer HTTP `N` (101 by default; 401 checks a refusal)"},
			&cli.StringFlag{Name: "expect-protocol", Usage: "the negotiated subprotocol must be `NAME` (none: no subprotocol)"},
			steps.flag("send", "step: send `MSG` (@FILE sends a file)"),
			steps.flag("expect", "step: a reply after the step before must match `TEXT` (a substring), re:REGEX, or json:FILTER (a listen --filter)"),
			steps.flag("ping", "step: a ping must be answered (round trip reported)"),
			steps.flag("wait", "step: let `DUR` pass, the connection open"),
			steps.flag("close", "step: close now, with `['CODE [REASON]']` (default 1000): the last step"),
			steps.flag("expect-close", "step: the server must close with `CODE|NAME` within the timeout; the last step"),
			steps.flag("steps", "steps from `FILE`, one a line (send TEXT, expect PATTERN, ping, wait DUR, close [CODE [REASON]], expect-close CODE), where the flag stands"),
		}, inGroup(outputGroup,
			&cli.StringFlag{Name: "format", Aliases: []string{"f"}, Value: "text", Usage: "report as `text|json`"},
			&cli.StringFlag{Name: "junit", Usage: "also write a JUnit XML report to `FILE`"},
			&cli.StringFlag{Name: "color", Value: "auto", Usage: "colour: `auto|always|never` (NO_COLOR, CLICOLOR_FORCE, FORCE_COLOR and TERM=dumb honoured)"},
		), []cli.Flag{
			&cli.IntFlag{Name: "repeat", Value: 1, Usage: "probe `N` times and report pass counts and latency"},
			&cli.StringFlag{Name: "interval", Usage: "wait `DUR` between repeated probes"},
		}),
		Action: func(_ context.Context, c *cli.Command) error { return runProbe(indexed(c), env, steps) },
	}
}

// The step flags: urfave/cli's slice flags keep the values of each flag,
// but not how the flags interleave, and a conversation is that order. So
// every step flag shares one stepList, and urfave/cli, which sets flags
// in the order they stand, appends each value to it. (Flags after
// the URL keep their order too: reorder moves them, in order.)

// stepList is the steps as given, in command-line order.
type stepList struct{ raw []rawStep }

// rawStep is a step as given, before it is read: the flag or the steps
// file's keyword, its value, and for a file's line where it stands.
type rawStep struct {
	kind  string // send, expect, ping, wait, close, expect-close or steps
	value string
	file  string // the steps file, as given ("stdin" for -); "" on the command line
	line  int
	dir   string // the steps file's directory, where its @FILE are
	stdin bool   // the steps file is stdin: a send cannot read it too
}

// has reports whether a step of kind was given on the command line.
func (l *stepList) has(kind string) bool {
	for _, r := range l.raw {
		if r.kind == kind {
			return true
		}
	}
	return false
}

func (l *stepList) flag(kind, usage string) cli.Flag {
	f := &stepFlag{GenericFlag: cli.GenericFlag{Name: kind, Usage: usage, Value: &stepValue{kind: kind, list: l}}}
	f.bare = kind == "ping"
	f.optional = kind == "close"
	f.repeatable = kind != "close" && kind != "expect-close" // each can only be the last step
	return f
}

// stepFlag is a step flag as wsx's command line and help see it: --ping
// takes no value (readFlags gives it as --ping=true, and --ping= as it is,
// for readStep to refuse); --close takes one only when it is a close code
// (splitFlags asks acceptsValue, as an optionalValue); all but those two
// that end the conversation may be repeated.
type stepFlag struct {
	cli.GenericFlag
	bare, optional, repeatable bool
}

func (f *stepFlag) TakesValue() bool       { return !f.bare && !f.optional }
func (f *stepFlag) hasOptionalValue() bool { return f.optional }
func (f *stepFlag) IsMultiValueFlag() bool { return f.repeatable }

// acceptsValue says whether arg, the argument after --close, is its value:
// CODE [REASON], starting with a close code (or a number, which an error
// then says is out of range). Anything else (the URL, a flag) is not, and
// --close stands alone.
func (f *stepFlag) acceptsValue(arg string) bool {
	words := strings.Fields(arg)
	if len(words) == 0 {
		return false
	}
	_, err := closecodes.Parse(words[0])
	return err == nil || strings.Trim(words[0], "0123456789") == ""
}

// stepValue records each value of a step flag in the shared list. It never
// refuses one: readSteps does, with wsx's own words.
type stepValue struct {
	kind string
	list *stepList
}

func (v *stepValue) Set(s string) error {
	v.list.raw = append(v.list.raw, rawStep{kind: v.kind, value: s})
	return nil
}

func (v *stepValue) String() string { return "" }

// Get is never read: the values are in the list.
func (v *stepValue) Get() any { return nil }

func readProbeOptions(c flagged, env *Env, steps *stepList) (*probe.Options, error) {
	pc := &probe.Options{
		ExpectStatus:   c.Int("expect-status"),
		ExpectProtocol: c.String("expect-protocol"),
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
	if pc.Steps, err = readSteps(steps.raw, env, pc.Timeout); err != nil {
		return nil, err
	}
	for _, st := range pc.Steps {
		if st.Kind == probe.StepExpectClose {
			pc.ExpectClose = &st.Code
		}
	}
	mode, err := format.ParseColor(c.String("color"))
	if err != nil {
		return nil, exit.Usagef("%v", err)
	}
	pc.Color, pc.Getenv = mode, env.Getenv
	pc.Verbose, pc.StdoutTTY, pc.StderrTTY = c.Bool("verbose"), env.StdoutTTY, env.StderrTTY
	pc.Stdout, pc.Stderr, pc.Signals = env.Stdout, env.Stderr, env.Signals
	return pc, nil
}

// readSteps reads the steps as given, each --steps file's where it stands,
// and checks their order: a close or an expect-close ends the conversation,
// so it can only be the last step, and the waits must leave the other
// steps some of --timeout.
func readSteps(given []rawStep, env *Env, timeout time.Duration) ([]probe.Step, error) {
	var raw []rawStep
	stdinBy := "" // the one step that reads stdin, if one does
	for _, r := range given {
		if r.kind == "steps" && r.value == "-" || r.kind == "send" && r.value == "@-" {
			if stdinBy != "" {
				return nil, exit.Usagef("%s and %s both read stdin, which can be read once", stdinBy, r.name()+" "+r.value)
			}
			stdinBy = r.name() + " " + r.value
		}
		if r.kind != "steps" {
			raw = append(raw, r)
			continue
		}
		fromFile, err := readStepsFile(r.value, env.Stdin)
		if err != nil {
			return nil, err
		}
		raw = append(raw, fromFile...)
	}
	flagSends, err := commandLineSends(raw, env.Stdin)
	if err != nil {
		return nil, err
	}
	var steps []probe.Step
	var waits time.Duration
	for i, r := range raw {
		if i > 0 {
			if prev := raw[i-1]; prev.kind == "close" || prev.kind == "expect-close" {
				return nil, r.errorf("invalid %s: it comes after %s, which ends the conversation", r.name(), prev.named()).
					Hint("only the last step may be a close or an expect-close")
			}
		}
		st, err := readStep(r, env.Stdin, flagSends)
		if err != nil {
			return nil, err
		}
		waits += st.Wait
		steps = append(steps, st)
	}
	if waits >= timeout {
		return nil, exit.Usagef("the waits add up to %v, and --timeout %v leaves no time for the rest", waits, timeout).
			Hint("raise --timeout")
	}
	return steps, nil
}

// commandLineSends reads every --send value at once, as send does its
// arguments, so that errors name them as it does: --send 2.
func commandLineSends(raw []rawStep, stdin io.Reader) (*send.Args, error) {
	var msgs []string
	for _, r := range raw {
		if r.kind == "send" && r.file == "" {
			msgs = append(msgs, r.value)
		}
	}
	a, err := send.NewArgs("--send", msgs, stdin, send.Check{}, 1)
	if err != nil {
		return nil, exit.Usagef("%v", err)
	}
	return a, nil
}

// readStep reads one step's value: what the flag or the keyword takes.
func readStep(r rawStep, stdin io.Reader, flagSends *send.Args) (probe.Step, error) {
	switch r.kind {
	case "send":
		if r.file == "" {
			m, _ := flagSends.Next()
			return probe.Step{Kind: probe.StepSend, Message: m}, nil
		}
		m, err := fileMessage(r, stdin)
		return probe.Step{Kind: probe.StepSend, Message: m}, err
	case "expect":
		e, err := probe.NewExpectation(r.value)
		if err != nil {
			return probe.Step{}, r.errorf("invalid %s %q: %v", r.name(), r.value, err)
		}
		return probe.Step{Kind: probe.StepExpect, Expect: e}, nil
	case "ping":
		if r.file == "" && r.value != "true" {
			return probe.Step{}, exit.Usagef("invalid --ping=%s: --ping takes no value", r.value)
		}
		return probe.Step{Kind: probe.StepPing}, nil
	case "wait":
		d, err := parseDuration("wait", r.value)
		switch {
		case err != nil && r.file == "":
			return probe.Step{}, err // in the words of every duration flag
		case err != nil && strings.HasPrefix(strings.TrimSpace(r.value), "-"):
			return probe.Step{}, r.errorf("invalid wait %q: must not be negative", r.value)
		case err != nil || r.value == "": // --wait= is a mistake, not no wait
			return probe.Step{}, r.errorf("invalid %s %q: want a duration like 500ms, 3s or 2m", r.name(), r.value)
		}
		return probe.Step{Kind: probe.StepWait, Wait: d}, nil
	case "close":
		return readClose(r)
	case "expect-close":
		code, err := closecodes.Parse(r.value)
		if err != nil {
			return probe.Step{}, r.errorf("invalid %s: %v", r.name(), err)
		}
		return probe.Step{Kind: probe.StepExpectClose, Code: code}, nil
	}
	panic("probe: no reader for step " + r.kind)
}

// readClose reads CODE [REASON]: a code wsx may send (1000 when none is
// given), and a reason that fits in the close frame.
func readClose(r rawStep) (probe.Step, error) {
	st := probe.Step{Kind: probe.StepClose, Code: closecodes.NormalClosure}
	code, reason := strings.TrimSpace(r.value), ""
	if code == "" {
		return st, nil
	}
	if at := strings.IndexFunc(code, unicode.IsSpace); at >= 0 {
		code, reason = code[:at], code[at:]
	}
	c, err := closecodes.Parse(code)
	if err != nil {
		return st, r.errorf("invalid %s: %v", r.name(), err).Hint("'wsx codes' lists the close codes")
	}
	if !c.Sendable() {
		return st, r.errorf("invalid %s: %s may not be sent in a close frame", r.name(), c)
	}
	st.Code, st.Reason = c, strings.TrimSpace(reason)
	switch {
	case len(st.Reason) > 123:
		return st, r.errorf("invalid %s: the reason is %d bytes, at most 123 fit in a close frame", r.name(), len(st.Reason))
	case !utf8.ValidString(st.Reason):
		return st, r.errorf("invalid %s: the reason is not valid UTF-8", r.name())
	}
	return st, nil
}

// fileMessage reads a steps file's send: a Go string literal when it is in
// double quotes (for control characters, a NUL, a newline), @FILE for a
// file's contents, relative to the steps file, else the text as it is.
func fileMessage(r rawStep, stdin io.Reader) (send.Message, error) {
	where := fmt.Sprintf("%s:%d", r.file, r.line)
	if strings.HasPrefix(r.value, `"`) {
		text, err := strconv.Unquote(r.value)
		if err != nil {
			return send.Message{}, r.errorf("invalid send %s: not a Go string literal (in double quotes, with \\n, \\t, \\\", \\\\, \\x00 escapes)", r.value).
				Hint("a message that starts with a double quote is read as one; quote all of it, or use @FILE")
		}
		m := send.Message{Data: []byte(text), Pos: where}
		if err := (send.Check{}).Message(m); err != nil {
			return m, r.errorf("%s", inputErrorText(err, where))
		}
		return m, nil
	}
	arg := r.value
	if file, ok := strings.CutPrefix(arg, "@"); ok {
		switch {
		case file == "-" && r.stdin:
			return send.Message{}, r.errorf("send @-: stdin already holds the steps")
		case file != "-" && !filepath.IsAbs(file):
			arg = "@" + filepath.Join(r.dir, file)
		}
	}
	a, err := send.NewArgs(where, []string{arg}, stdin, send.Check{}, 1)
	if err != nil {
		return send.Message{}, r.errorf("%s", inputErrorText(err, where+" 1"))
	}
	m, _ := a.Next()
	return m, nil
}

// inputErrorText is the words of a message refused by send, without the
// position send gave it when that position is the step's own.
func inputErrorText(err error, pos string) string {
	var ie *send.InputError
	if errors.As(err, &ie) && ie.Pos == pos {
		return ie.Msg
	}
	return err.Error()
}

// errorf is a usage error about r: on a steps file's line, "FILE:LINE: "
// comes first.
func (r rawStep) errorf(format string, args ...any) *exit.Error {
	if r.file != "" {
		format = "%s:%d: " + format
		args = append([]any{r.file, r.line}, args...)
	}
	return exit.Usagef(format, args...)
}

// name is the step as the user wrote it: the flag, or the file's keyword.
func (r rawStep) name() string {
	if r.file == "" {
		return "--" + r.kind
	}
	return r.kind
}

// named is the step and where it stands, for an error about a later one.
func (r rawStep) named() string {
	if r.file == "" {
		return r.name()
	}
	return fmt.Sprintf("%s (%s:%d)", r.kind, r.file, r.line)
}

// stepKeywords are the steps a file may hold, in the order errors list them.
var stepKeywords = []string{"send", "expect", "ping", "wait", "close", "expect-close"}

// readStepsFile reads a --steps file ("-": stdin): one step a line, the
// keyword, then its argument after spaces; blank lines and lines that start
// with # are skipped; spaces around a line are not part of it. A line that
// is not a step is a usage error naming FILE:LINE. @FILE in it are relative
// to its directory (the current one for stdin).
func readStepsFile(name string, stdin io.Reader) ([]rawStep, error) {
	var data []byte
	var err error
	shown, dir := name, filepath.Dir(name)
	if name == "-" {
		data, err = io.ReadAll(stdin)
		shown, dir = "stdin", "."
	} else {
		data, err = os.ReadFile(name)
	}
	if err != nil {
		return nil, exit.Usagef("cannot read --steps %s: %v", name, pathErrText(err))
	}
	var steps []rawStep
	for i, text := range strings.Split(string(data), "\n") {
		text = strings.TrimSpace(text)
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		keyword, arg := text, ""
		if at := strings.IndexAny(text, " \t"); at >= 0 {
			keyword, arg = text[:at], text[at+1:]
		}
		r := rawStep{kind: keyword, value: strings.TrimSpace(arg), file: shown, line: i + 1, dir: dir, stdin: name == "-"}
		if err := r.checkArity(); err != nil {
			return nil, err
		}
		steps = append(steps, r)
	}
	return steps, nil
}

// checkArity refuses a file's line whose keyword is not a step, or that
// lacks the argument its step needs, or has one it takes none of.
func (r rawStep) checkArity() error {
	known := false
	for _, k := range stepKeywords {
		known = known || r.kind == k
	}
	switch {
	case !known:
		return r.errorf("unknown step %q: want %s or %s", r.kind, strings.Join(stepKeywords[:len(stepKeywords)-1], ", "), stepKeywords[len(stepKeywords)-1])
	case r.kind == "ping" && r.value != "":
		return r.errorf("ping takes no argument, got %q", r.value)
	case r.value != "" || r.kind == "ping" || r.kind == "close":
		return nil
	}
	return r.errorf("%s needs %s", r.kind, map[string]string{
		"send":         "a message: send TEXT, send @FILE or send \"GO STRING\"",
		"expect":       "a pattern: TEXT, re:REGEX or json:FILTER",
		"wait":         "a duration, like 500ms, 3s or 2m",
		"expect-close": "a close code, a number or a name",
	}[r.kind])
}

// pathErrText is an error reading a file without the file's name, which the
// message already gives.
func pathErrText(err error) string {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

func runProbe(c flagged, env *Env, steps *stepList) error {
	rawURL, err := oneURL(c)
	if err != nil {
		var e *exit.Error
		if errors.As(err, &e) && c.NArg() > 1 && steps.has("close") { // --close 4000 bye: the reason became an argument
			e.Hint("with --close, quote the code and the reason as one argument: --close '4000 going away'")
		}
		return err
	}
	dc, err := readDialConfig(c, env, rawURL)
	if err != nil {
		return err
	}
	po, err := readProbeOptions(c, env, steps)
	if err != nil {
		return err
	}
	if _, err := durationFlag(c, "ping-interval"); err != nil { // a shared flag probe does not use
		return err
	}
	env.awaitSignals()
	return probe.Run(dc, *po)
}
