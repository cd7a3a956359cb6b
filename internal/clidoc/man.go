package clidoc

import (
	"fmt"
	"strings"

	"github.com/wsx-cli/wsx/internal/exit"
)

// exitStatuses explain each exit status, in the order of the README's table.
var exitStatuses = []struct {
	code    int
	meaning string
}{
	{exit.OK, "done: the goal was met and the close was normal"},
	{exit.Runtime, "a runtime error not covered below"},
	{exit.Usage, "usage: a bad flag, URL or input, or a file that cannot be read"},
	{exit.Connect, "could not connect: DNS, TCP, TLS, proxy, --connect-timeout, or the connection was lost before the upgrade's answer was complete"},
	{exit.Upgrade, "the upgrade was refused: an HTTP status other than 101, a 101 that breaks the handshake, an answer that is not HTTP, or a subprotocol that was not offered"},
	{exit.Closed, "closed abnormally: a server close code outside --expect-close, a drop without a close frame, or a protocol violation"},
	{exit.Timeout, "timed out: --timeout passed before the goal was met"},
	{exit.Check, "a probe check failed"},
	{exit.Interrupt, "interrupted (Ctrl-C); 143 for SIGTERM"},
}

// Man is the page wsx(1) in roff. date is the release's, a day or an RFC 3339
// time of which the page shows the day; "" for none. The flags of a group
// are listed once, not under each command that has them.
func Man(app App, date string) string {
	var b strings.Builder
	day := ""
	if len(date) >= 10 {
		day = date[:10]
	}
	fmt.Fprintf(&b, ".TH WSX 1 %q %q \"User Commands\"\n", day, "wsx "+app.Version)
	b.WriteString(".SH NAME\nwsx \\- " + roff(app.Usage) + "\n")
	b.WriteString(".SH SYNOPSIS\n.B wsx\n.I command\n[\\fIflags\\fR] [\\fIURL\\fR] [\\fIarguments\\fR]\n")
	b.WriteString(`.SH DESCRIPTION
wsx talks to WebSocket servers from a shell, a script or a CI job.
Nothing piped in is lost at the close: every queued message is written before
wsx closes, and it waits for the server's close frame.
The close code and reason are always reported on stderr, named, and the exit
status says what happened.
stdout carries message data only; status lines, warnings and errors go to stderr.
.PP
Flags may stand before or after the URL; \-\- ends them, so that a message may
start with \-.
A URL may be ws://, wss://, http:// or https:// (mapped to ws and wss), or a bare
host:port/path (ws://).
Durations are Go durations (500ms, 3s, 2m) or a number of seconds.
Sizes take KiB, MiB, GiB, kB, MB and GB suffixes.
.PP
`)
	b.WriteString("\\fBwsx\\fR \\fIURL\\fR is short for \\fBwsx connect\\fR \\fIURL\\fR.\n")

	b.WriteString(".SH COMMANDS\n")
	for _, c := range app.Commands {
		fmt.Fprintf(&b, ".SS \"wsx %s", c.Name)
		if c.ArgsUsage != "" {
			b.WriteString(" " + roff(c.ArgsUsage))
		}
		b.WriteString("\"\n" + roff(sentence(c.Usage)) + "\n")
		if c.Description != "" {
			b.WriteString(".PP\n" + roffText(c.Description) + "\n")
		}
		manExamples(&b, c.Examples)
		own, groups := ownFlags(c, app.FlagGroups)
		if len(groups) > 0 {
			b.WriteString(".PP\nIt also takes the " + andList(groups) + " flags (below).\n")
		}
		for _, f := range own {
			manFlag(&b, f)
		}
	}
	for _, g := range app.FlagGroups {
		fmt.Fprintf(&b, ".SH \"%s FLAGS\"\n%s take these.\n", strings.ToUpper(g.Name), strings.Join(users(g, app.Commands), ", "))
		for _, f := range g.Flags {
			manFlag(&b, f)
		}
	}
	b.WriteString(`.SH CLOSING
Whoever closes, wsx completes the closing handshake and reports it on stderr in
one line: who closed, the code, its name and the reason, for example
.PP
.RS
closed by server: 4001 (private use) "token expired"
.RE
.PP
When the input ends, wsx writes every queued message and keeps reading until the
server has taken them all and gone quiet (twice the handshake time, at least
100 ms), because many servers stop sending once they read a close frame;
\-\-wait 0 closes at once. A server that stops taking data for
\-\-close\-timeout is reported with what it did not take, exit status 5.
When wsx closes (that wait over, \-\-count reached, idle end, Ctrl\-C), it
writes its close frame (\-\-close\-code, default 1000), then reads until the
server's close frame arrives or \-\-close\-timeout passes.
When the server closes, wsx answers with the same code.
A drop without a close frame is reported as 1006.
If the server closes while wsx still holds input it has read but not sent, the
line says how many messages were not sent, and the exit status is 5.
Ctrl\-C closes with 1000 and exits 130; a second Ctrl\-C exits at once.
.SH "EXIT STATUS"
`)
	for _, s := range exitStatuses {
		fmt.Fprintf(&b, ".TP\n.B %d\n%s\n", s.code, roff(s.meaning))
	}
	b.WriteString(`.SH ENVIRONMENT
.TP
.BR HTTPS_PROXY ", " HTTP_PROXY ", " ALL_PROXY
the proxy for wss:// and ws:// URLs when \-\-proxy is not given (http://,
socks5:// or socks5h://); never used for loopback addresses
.TP
.B NO_PROXY
hosts to reach without the proxy: names and their subdomains, IP addresses,
CIDR blocks, each with an optional :port, or *
.TP
.BR CLICOLOR_FORCE ", " FORCE_COLOR
colour even when the stream is not a terminal (unless NO_COLOR is set)
.TP
.B NO_COLOR
no colour, unless \-\-color always
.TP
.B TERM
dumb: no colour, unless \-\-color always or a force variable
.SH EXAMPLES
.nf
.RS
wsx send wss://echo.example/ws '{"op":"ping"}'
seq 1 100000 | wsx connect ws://127.0.0.1:8765/
wsx listen \-\-count 10 \-\-filter 'type==trade' \-\-select price wss://feed.example/
wsx probe \-\-send ping \-\-expect pong \-\-junit report.xml wss://api.example/ws
wsx serve :0 \-\-close\-after 1 \-\-close\-code 4001 \-\-close\-reason 'token expired'
wsx codes 1008 4001
.RE
.fi
.SH "SEE ALSO"
curl(1), nc(1), websocat(1).
RFC 6455, The WebSocket Protocol.
`)
	return b.String()
}

// has reports whether c has every flag of g, saying the same.
func has(c Command, g FlagGroup) bool {
	own := map[string]bool{}
	for _, f := range c.Flags {
		own[f.key()] = true
	}
	for _, f := range g.Flags {
		if !own[f.key()] {
			return false
		}
	}
	return true
}

// users are the names of the commands that have g.
func users(g FlagGroup, cmds []Command) []string {
	var names []string
	for _, c := range cmds {
		if has(c, g) {
			names = append(names, c.Name)
		}
	}
	return names
}

// ownFlags are c's flags that no group it has covers, and those groups' names.
func ownFlags(c Command, groups []FlagGroup) (own []Flag, names []string) {
	covered := map[string]bool{}
	for _, g := range groups {
		if has(c, g) {
			names = append(names, g.Name)
			for _, f := range g.Flags {
				covered[f.key()] = true
			}
		}
	}
	for _, f := range c.Flags {
		if !covered[f.key()] {
			own = append(own, f)
		}
	}
	return own, names
}

// manExamples writes a command's examples, as its help shows them: each
// comment, then its command line after "$ ", a blank line between two.
func manExamples(b *strings.Builder, examples []string) {
	if len(examples) == 0 {
		return
	}
	b.WriteString(".PP\nExamples:\n.RS\n.nf\n")
	for i, line := range examples {
		if !strings.HasPrefix(line, "# ") {
			line = "$ " + line
		} else if i > 0 {
			b.WriteString(".sp\n")
		}
		b.WriteString(roffText(line) + "\n")
	}
	b.WriteString(".fi\n.RE\n")
}

// manFlag writes f as a tagged paragraph: its names, placeholder and help.
func manFlag(b *strings.Builder, f Flag) {
	var names []string
	for _, n := range f.names() {
		names = append(names, `\fB`+roff(n)+`\fR`)
	}
	b.WriteString(".TP\n" + strings.Join(names, ", "))
	if f.Arg != "" {
		b.WriteString(` \fI` + roff(f.Arg) + `\fR`)
	}
	b.WriteString("\n" + roff(f.Usage))
	if f.Default != "" {
		b.WriteString(" (default: " + roff(f.Default) + ")")
	}
	if f.Repeatable && !strings.Contains(f.Usage, "repeat") {
		b.WriteString("; repeatable")
	}
	b.WriteString("\n")
}

// andList joins words as prose: a, b and c.
func andList(words []string) string {
	if len(words) < 2 {
		return strings.Join(words, "")
	}
	return strings.Join(words[:len(words)-1], ", ") + " and " + words[len(words)-1]
}

// sentence gives a usage line a capital and a period.
func sentence(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:] + "."
}

// roff escapes text for a roff line: backslashes, and dashes that would
// otherwise become hyphens.
func roff(s string) string {
	return strings.NewReplacer(`\`, `\e`, "-", `\-`).Replace(s)
}

// roffText escapes a block of text whose lines may start with a dot or a
// quote, keeping runs of indented lines (examples, tables) as they are: no
// fill, so that none wraps into the text after it.
func roffText(s string) string {
	var out []string
	indented := false // in a run of indented lines
	for _, line := range strings.Split(s, "\n") {
		line = roff(line)
		if strings.HasPrefix(line, ".") || strings.HasPrefix(line, "'") {
			line = `\&` + line
		}
		switch starts := strings.HasPrefix(line, " "); {
		case starts && !indented:
			out = append(out, ".nf")
		case !starts && indented:
			out = append(out, ".fi")
		}
		indented = strings.HasPrefix(line, " ")
		out = append(out, line)
	}
	if indented {
		out = append(out, ".fi")
	}
	return strings.Join(out, "\n")
}
