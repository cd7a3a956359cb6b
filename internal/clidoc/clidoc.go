// Package clidoc writes wsx's shell completion scripts and its man page from
// a plain description of its commands and flags.
package clidoc

// App is what the scripts and the page say of the program.
type App struct {
	Usage    string // the one-line summary, the page's NAME
	Version  string // the release version alone, for the page's header
	Flags    []Flag // the program's own, before any command (but for help)
	Commands []Command
	// FlagGroups are flags that several commands share: the page lists each
	// group once, under the commands that have all of it.
	FlagGroups []FlagGroup
}

// Command is one command, its flags in the order they are declared.
type Command struct {
	Name, Usage string
	ArgsUsage   string // what follows the flags: URL, [ADDR]
	Description string
	Flags       []Flag
	Choices     []string // the only words its argument may be (the shells); nil when open
	// Examples are command lines, each after a comment line ("# ...")
	// that says what it does.
	Examples []string
	// AtFileArgs: its arguments may be @FILE, a file's contents. The scripts
	// complete the file names after an @ wherever it stands, as a URL never
	// starts with one.
	AtFileArgs bool
}

// Flag is what the scripts and the page say of a flag.
type Flag struct {
	Long, Short string   // names without dashes; Short is "" when none
	Arg         string   // the value's placeholder (DUR, FILE); "" for a switch
	Usage       string   // the help text, placeholder in place
	Default     string   // "" when none is worth showing
	Choices     []string // the only values it takes; nil when open
	File        bool     // the value names a file
	AtFile      bool     // the value may be @FILE, a file's contents
	Repeatable  bool
}

// FlagGroup is a named set of flags, such as the dialer's.
type FlagGroup struct {
	Name  string // lower case: "connection" heads CONNECTION FLAGS
	Flags []Flag
}

// helpFlag is the flag every command takes besides its own.
var helpFlag = Flag{Long: "help", Short: "h", Usage: "show help"}

// valueKind is what completes a flag's value, by the name that
// PowerShell's script gives it.
type valueKind string

const (
	noValue     valueKind = ""       // a switch has none
	choiceValue valueKind = "choice" // one of its Choices
	fileValue   valueKind = "file"   // a file name
	atFileValue valueKind = "atfile" // @ and a file name, or text nobody can guess
	openValue   valueKind = "open"   // text nobody can guess
)

func (f Flag) value() valueKind {
	switch {
	case f.Arg == "":
		return noValue
	case f.Choices != nil:
		return choiceValue
	case f.File:
		return fileValue
	case f.AtFile:
		return atFileValue
	}
	return openValue
}

// key identifies a flag with its meaning: --format is not the same flag
// in probe as in listen.
func (f Flag) key() string { return f.Long + "\x00" + f.Usage }

// names lists a flag's spellings: -f, --format.
func (f Flag) names() []string {
	var n []string
	if f.Short != "" {
		n = append(n, "-"+f.Short)
	}
	if f.Long != "" {
		n = append(n, "--"+f.Long)
	}
	return n
}
