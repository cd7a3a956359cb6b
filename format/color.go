package format

import (
	"strings"

	"github.com/fatih/color"
)

// ColorEnabled is wsx's one colour decision, made for one stream: tty says
// whether that stream is a terminal, getenv reads the environment (nil: an
// empty one). The first rule that applies decides:
//
//  1. --color always: colour; --color never: none.
//  2. NO_COLOR set to a non-empty value: none (https://no-color.org), even
//     when a force variable is set too.
//  3. CLICOLOR_FORCE or FORCE_COLOR set to a non-empty value other than "0":
//     colour, even on a pipe.
//  4. TERM=dumb: none.
//  5. Otherwise: colour exactly when the stream is a terminal.
//
// An unknown mode counts as auto. Callers decide stdout and stderr apart,
// each with its own tty, so `wsx ... | jq` still colours stderr lines.
func ColorEnabled(mode ColorMode, tty bool, getenv func(string) string) bool {
	switch mode {
	case ColorAlways:
		return true
	case ColorNever:
		return false
	}
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	if getenv("NO_COLOR") != "" {
		return false
	}
	for _, force := range []string{"CLICOLOR_FORCE", "FORCE_COLOR"} {
		if v := getenv(force); v != "" && v != "0" {
			return true
		}
	}
	if getenv("TERM") == "dumb" {
		return false
	}
	return tty
}

// Palette paints the parts of status lines that wsx colours. Each colour
// is switched on or off by the decision it was built with, never by
// fatih/color's global NoColor (which that package decides from stdout
// alone): a Palette for stderr follows stderr.
type Palette struct {
	on                          bool
	fail, warn, bold, good, bad *color.Color
}

// NewPalette returns a Palette that paints when enabled, and otherwise
// returns every string as it is. enabled is normally ColorEnabled's answer
// for the stream the strings go to.
func NewPalette(enabled bool) *Palette {
	p := &Palette{
		on:   enabled,
		fail: color.New(color.Bold, color.FgRed),
		warn: color.New(color.Bold, color.FgYellow),
		bold: color.New(color.Bold),
		good: color.New(color.FgGreen),
		bad:  color.New(color.FgRed),
	}
	for _, c := range []*color.Color{p.fail, p.warn, p.bold, p.good, p.bad} {
		if enabled {
			c.EnableColor()
		} else {
			c.DisableColor()
		}
	}
	return p
}

// Enabled reports whether the palette paints.
func (p *Palette) Enabled() bool { return p.on }

// ErrorText is wsx's one voice for a failure: "wsx: error: MSG" and a
// "wsx: hint: H" line per hint, each line ending in a newline.
func (p *Palette) ErrorText(msg string, hints ...string) string {
	var b strings.Builder
	b.WriteString(p.Error("wsx: error:") + " " + msg + "\n")
	for _, h := range hints {
		b.WriteString("wsx: hint: " + h + "\n")
	}
	return b.String()
}

// Error paints s bold red, as in "wsx: error:".
func (p *Palette) Error(s string) string { return p.fail.Sprint(s) }

// Warning paints s bold yellow, as in "wsx: warning:".
func (p *Palette) Warning(s string) string { return p.warn.Sprint(s) }

// Bold paints s bold.
func (p *Palette) Bold(s string) string { return p.bold.Sprint(s) }

// Good paints s green: a normal outcome, such as close code 1000.
func (p *Palette) Good(s string) string { return p.good.Sprint(s) }

// Bad paints s red: an abnormal outcome.
func (p *Palette) Bad(s string) string { return p.bad.Sprint(s) }
