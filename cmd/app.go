package cmd

import (
	"context"
	"runtime/debug"
	"sync"
	"time"

	"github.com/urfave/cli/v3"
	"github.com/wsx-cli/wsx/format"
	"github.com/wsx-cli/wsx/internal/dial"
	"github.com/wsx-cli/wsx/internal/exit"
	"golang.org/x/mod/module"
)

// version is set by the release build (-ldflags "-X ...cmd.version=v1.2.3").
var (
	version = "dev"
	commit  = ""
	date    = ""
)

func init() {
	cli.VersionFlag = &cli.BoolFlag{Name: "version", Aliases: []string{"V"}, Usage: "print the version", HideDefault: true, Local: true}
	cli.HelpPrinter = printHelp
}

// build is what wsx says of its own version: the same in --version, the
// User-Agent and the man page.
type build struct {
	version string // the release's, or the module's (go install), or "dev"
	commit  string // short, with "-dirty" for uncommitted changes; "" when unknown
	date    string // the release's or the commit's time, RFC 3339; "" when unknown
}

// thisBuild is the build of the running wsx, read once: --version, the
// User-Agent and the man page all ask, and the build info is parsed anew
// on each debug.ReadBuildInfo.
var thisBuild = sync.OnceValue(func() build {
	info, _ := debug.ReadBuildInfo()
	return buildFrom(version, commit, date, info)
})

// buildFrom fills what the release build did not set from the build
// info: the module version (go install) and, for a pseudo-version, its
// time; the commit and its time (go build in a git checkout, "-dirty" with
// uncommitted changes).
func buildFrom(v, commit, date string, info *debug.BuildInfo) build {
	b := build{version: v, commit: commit, date: date}
	if info == nil {
		return b
	}
	if v == "dev" && info.Main.Version != "" && info.Main.Version != "(devel)" {
		b.version = info.Main.Version
		if t, err := module.PseudoVersionTime(b.version); err == nil && b.date == "" {
			b.date = t.UTC().Format(time.RFC3339)
		}
	}
	settings := map[string]string{}
	for _, s := range info.Settings {
		settings[s.Key] = s.Value
	}
	if rev := settings["vcs.revision"]; b.commit == "" && rev != "" {
		b.commit = rev[:min(len(rev), 7)]
		if settings["vcs.modified"] == "true" {
			b.commit += "-dirty"
		}
		b.date = settings["vcs.time"]
	}
	return b
}

// String is the --version text: the version, then the commit and date
// when known.
func (b build) String() string {
	v := b.version
	if b.commit != "" {
		v += " (" + b.commit
		if b.date != "" {
			v += ", " + b.date
		}
		v += ")"
	}
	return v
}

// commands are wsx's commands by name, in the order its help lists them.
var commands = []struct {
	name  string
	build func(*Env) *cli.Command
}{
	{"connect", connectCommand},
	{"send", sendCommand},
	{"listen", listenCommand},
	{"probe", probeCommand},
	{"serve", serveCommand},
	{"codes", codesCommand},
	{"completion", completionCommand},
	{"man", manCommand},
}

// examples are what each command's help and the man page show of it: a
// comment ("# ...") before each command line, which must work as it stands
// against a `wsx serve` on its default address. (A field of commands would
// make a loop: the man page, which shows them, is one of the commands.)
var examples = map[string][]string{
	"connect": {
		"# a prompt on a terminal: type lines to send them, /ping, /close, /quit",
		"wsx connect ws://127.0.0.1:8765/",
		"# send each line of a file, print the replies, close cleanly",
		"wsx connect ws://127.0.0.1:8765/ < messages.txt",
		"# no command means connect; -v shows the handshake",
		"wsx -v ws://127.0.0.1:8765/",
		"# connect again after each drop",
		"wsx connect --reconnect ws://127.0.0.1:8765/",
	},
	"send": {
		"# send a message, print the reply, close cleanly",
		`wsx send ws://127.0.0.1:8765/ '{"op":"ping"}'`,
		"# send a file as one binary message",
		"wsx send --binary ws://127.0.0.1:8765/ @image.png",
		"# send hello three times, a second apart, and wait for three replies",
		"wsx send --repeat 3 --interval 1s -n 3 ws://127.0.0.1:8765/ hello",
	},
	"listen": {
		"# print the next ten messages, then close",
		"wsx listen -n 10 ws://127.0.0.1:8765/",
		"# subscribe first, then print what arrives",
		`wsx listen --send '{"op":"subscribe"}' ws://127.0.0.1:8765/`,
		"# print the price of each JSON message whose type is trade",
		"wsx listen --filter type==trade --select price ws://127.0.0.1:8765/",
		"# a JSON line for each event; connect again after a drop",
		"wsx listen -f jsonl --reconnect ws://127.0.0.1:8765/",
	},
	"probe": {
		"# report the handshake; exit 0 when the upgrade and the close go well",
		"wsx probe ws://127.0.0.1:8765/",
		"# a conversation for CI: the reply must match; a JUnit report too",
		"wsx probe --send ping --expect ping --junit report.xml ws://127.0.0.1:8765/",
		"# probe five times: pass counts and latencies, as JSON",
		"wsx probe --repeat 5 --format json ws://127.0.0.1:8765/",
	},
	"serve": {
		"# an echo server on ws://127.0.0.1:8765/",
		"wsx serve",
		"# relay each message to every client, on a free port",
		"wsx serve :0 --mode broadcast",
		"# wss:// with a throwaway certificate, for clients' --cacert cert.pem",
		"wsx serve --tls --cert-out cert.pem",
		"# close each connection after its first message, with 4001",
		"wsx serve --close-after 1 --close-code 4001 --close-reason 'token expired'",
	},
	"codes": {
		"# every close code, and the ranges",
		"wsx codes",
		"# what these codes mean",
		"wsx codes 1008 4001",
		"# the codes a word names",
		"wsx codes policy",
	},
	"completion": completionExamples(),
	"man": {
		"# read the page",
		"wsx man | man -l -",
		"# install it, for man wsx",
		"wsx man > ~/.local/share/man/man1/wsx.1",
	},
}

// commandNames are the names of wsx's commands, as its help lists them.
func commandNames() []string {
	names := make([]string, len(commands))
	for i, c := range commands {
		names[i] = c.name
	}
	return names
}

// newApp builds a fresh command tree for one run (urfave/cli keeps flag
// values in its structures). It holds only the command named, but for ""
// (the root's run: its help lists them all), man and completion, which
// describe every command: urfave/cli sets up each command of the tree, its
// flags and its help flag, on every run.
func newApp(env *Env, name string) *cli.Command {
	app := &cli.Command{
		Name:      "wsx",
		Usage:     "a command-line WebSocket client: curl and netcat for ws:// and wss://",
		UsageText: "wsx COMMAND [flags] URL [args]\nwsx [flags] URL",
		Description: "Flags may follow the URL too; -- ends them. With no COMMAND, wsx runs connect: " +
			"'wsx connect --help' lists its flags.",
		Version:         thisBuild().String(),
		Writer:          env.Stdout,
		ErrWriter:       env.Stderr,
		HideHelpCommand: true,
		ExitErrHandler:  func(context.Context, *cli.Command, error) {},
		OnUsageError:    onUsageError,
		Metadata:        map[string]any{helpWidthKey: func() int { return helpWidth(env) }},
		Action: func(_ context.Context, c *cli.Command) error {
			if c.NArg() > 0 {
				err := exit.Usagef("unknown command %q", c.Args().First())
				if near := closest(c.Args().First(), commandNames()); near != "" {
					err.Hint("did you mean 'wsx %s'?", near)
				}
				return err.Hint("'wsx --help' lists the commands")
			}
			c.Writer = env.Stderr // a usage mistake: help goes with the errors
			cli.ShowRootCommandHelp(c)
			return exit.Silent(exit.Usage)
		},
	}
	for _, cmd := range commands {
		if name == "" || name == "man" || name == "completion" || name == cmd.name {
			c := cmd.build(env)
			c.OnUsageError = onUsageError
			c.DisableSliceFlagSeparator = true // each command reads its own setting
			app.Commands = append(app.Commands, c)
		}
	}
	return app
}

// onUsageError is urfave/cli's to call for a usage error it finds itself:
// it sees no bad flag (readFlags refuses those first), so this only keeps
// its own report, "Incorrect Usage" and the whole help, out of wsx's.
func onUsageError(_ context.Context, c *cli.Command, err error, _ bool) error {
	return exit.Usagef("%v", err).Hint("'%s --help' lists the flags", c.FullName())
}

// dashes spells a flag's name as it is typed: -n, --count.
func dashes(name string) string {
	if len(name) == 1 {
		return "-" + name
	}
	return "--" + name
}

// newPrinter reads the output flags; prompt prefixes incoming messages.
func newPrinter(c flagged, env *Env, prompt string) (*format.Printer, error) {
	mode, err := format.ParseMode(c.String("format"))
	if err != nil {
		return nil, exit.Usagef("%v", err)
	}
	color, err := format.ParseColor(c.String("color"))
	if err != nil {
		return nil, exit.Usagef("%v", err)
	}
	bin, err := format.ParseBinaryAs(c.String("binary-as"))
	if err != nil {
		return nil, exit.Usagef("%v", err)
	}
	return format.New(env.Stdout, env.Stderr, format.Options{
		Mode:       mode,
		BinaryAs:   bin,
		Color:      color,
		Getenv:     env.Getenv,
		StdoutTTY:  env.StdoutTTY,
		StderrTTY:  env.StderrTTY,
		Timestamps: c.Bool("timestamps"),
		Quiet:      c.Bool("quiet"),
		Verbose:    c.Bool("verbose"),
		Trace:      c.Bool("trace"),
		Prompt:     prompt,
		Now:        env.Now,
	}), nil
}

// oneURL checks that a command got exactly one URL argument.
func oneURL(c flagged) (string, error) {
	switch c.NArg() {
	case 0:
		return "", exit.Usagef("missing URL").Hint("wsx %s URL; 'wsx serve' starts a local server to try it on", c.Name)
	case 1:
		return c.Args().First(), nil
	}
	return "", exit.Usagef("%s takes one URL, got %d arguments: %s", c.Name, c.NArg(), dial.QuoteArgs(c.Args().Slice())).
		Hint("quote a message with spaces, and put -- before one that starts with -")
}
