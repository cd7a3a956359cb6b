// Package format turns wsx events (messages, control frames, the handshake,
// the close) into bytes: message data on stdout, status lines on stderr.
package format

import (
	"fmt"
	"time"
)

// Dir is the direction of a message or control frame.
type Dir string

// Directions, as written in jsonl events.
const (
	In  Dir = "in"  // received from the server
	Out Dir = "out" // sent by wsx
)

// Mode is how data messages are written to stdout.
type Mode int

// Output modes (--format).
const (
	Auto    Mode = iota // Pretty on a terminal, Raw otherwise
	Raw                 // each message as received, newline-terminated
	Pretty              // JSON indented, other text as is
	Compact             // JSON on one line, other text as is
	JSONL               // one JSON object per event
)

var modeNames = []string{"auto", "raw", "pretty", "compact", "jsonl"}

// ParseMode parses a --format value.
func ParseMode(s string) (Mode, error) {
	i, err := parseName("format", s, modeNames, "auto, raw, pretty, compact or jsonl")
	return Mode(i), err
}

// String returns the mode's flag spelling, e.g. "pretty".
func (m Mode) String() string { return nameOf(modeNames, int(m), "Mode") }

// BinaryAs is how binary messages are written outside jsonl mode.
type BinaryAs int

// Binary renderings (--binary-as).
const (
	BinaryAuto BinaryAs = iota // Hex on a terminal, BinaryRaw otherwise
	Hex                        // a hex dump, like encoding/hex.Dump
	Base64                     // one standard base64 line
	BinaryRaw                  // the bytes as received, no newline added
)

var binaryNames = []string{"auto", "hex", "base64", "raw"}

// ParseBinaryAs parses a --binary-as value.
func ParseBinaryAs(s string) (BinaryAs, error) {
	i, err := parseName("binary-as", s, binaryNames, "auto, hex, base64 or raw")
	return BinaryAs(i), err
}

// String returns the flag spelling, e.g. "hex".
func (b BinaryAs) String() string { return nameOf(binaryNames, int(b), "BinaryAs") }

// ColorMode is the --color choice.
type ColorMode int

// Colour choices; each stream decides on its own (see ColorEnabled).
const (
	ColorAuto ColorMode = iota
	ColorAlways
	ColorNever
)

var colorNames = []string{"auto", "always", "never"}

// ParseColor parses a --color value.
func ParseColor(s string) (ColorMode, error) {
	i, err := parseName("color", s, colorNames, "auto, always or never")
	return ColorMode(i), err
}

// String returns the flag spelling, e.g. "never".
func (c ColorMode) String() string { return nameOf(colorNames, int(c), "ColorMode") }

// Options configures a Printer. The zero value means auto everything on
// non-terminal streams.
type Options struct {
	Mode       Mode
	BinaryAs   BinaryAs
	Color      ColorMode
	Getenv     func(string) string // the environment ColorEnabled reads; nil: none
	StdoutTTY  bool
	StderrTTY  bool
	Timestamps bool   // prefix each printed message (non-jsonl modes) with the clock time, "15:04:05.000 "
	Quiet      bool   // no status lines; warnings and errors still print
	Verbose    bool   // control frames and Verbose lines go to stderr
	Trace      bool   // every frame and the handshake go to stderr (frame events in jsonl)
	Prompt     string // prefix for incoming messages in non-jsonl modes, e.g. "< "
	Now        func() time.Time
}

func parseName(flag, s string, names []string, want string) (int, error) {
	for i, n := range names {
		if s == n {
			return i, nil
		}
	}
	return 0, fmt.Errorf("invalid %s %q: want %s", flag, s, want)
}

func nameOf(names []string, i int, typ string) string {
	if i < 0 || i >= len(names) {
		return fmt.Sprintf("%s(%d)", typ, i)
	}
	return names[i]
}
