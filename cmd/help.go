package cmd

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/urfave/cli/v3"
)

// wsx writes its own help, as gh and curl lay theirs out (urfave/cli v3's
// templates spell a flag --count int, not --count N), wrapped to the width
// that helpWidth gives and never inside a word. At 80 columns:
//
//	FLAGS:
//	   -n, --count N               stop after N kept messages
//	       --filter EXPR           keep JSON messages where EXPR holds: PATH,
//	                               PATH==V, PATH!=V, PATH>N, PATH>=N, PATH<N,
//	                               PATH<=N, PATH=~REGEX (repeatable: all must hold)
//	   -f, --format auto|raw|pretty|compact|jsonl
//	                               print messages as auto|raw|pretty|compact|jsonl
//	                               (default: auto)
//
// A flag's names stand in a left column and its help in a right one, each
// line of it indented to that column. The column is as wide as the widest
// names that fit in a third of the width, so that the help keeps two thirds
// of it whatever a command's longest flag; the help of names wider than that
// starts on the line below them, in the same column. A flag that may be
// repeated says so in its help, as on the man page: a second spelling of
// its names ([ --header ... ]) would not fit in 80 columns. A word wider
// than the width (a URL) has a line of its own and may overflow it.

const (
	helpIndent       = "   " // what stands under a heading
	helpGap          = "  "  // at least, between a flag's names and its help
	defaultHelpWidth = 80    // with no COLUMNS and no terminal to measure
	minHelpWidth     = 40    // narrower, the help column holds a word a line
)

// helpWidthKey is where newApp leaves, in the root's Metadata, the width
// of the help: urfave/cli calls printHelp with the command alone.
const helpWidthKey = "helpWidth"

// helpWidth is how many columns the help may take: $COLUMNS when it is a
// positive number, else the terminal's width when stdout is one, else 80;
// never fewer than 40.
func helpWidth(env *Env) int {
	if w, err := strconv.Atoi(env.Getenv("COLUMNS")); err == nil && w > 0 {
		return max(w, minHelpWidth)
	}
	if env.StdoutTTY && env.StdoutWidth != nil {
		if w := env.StdoutWidth(); w > 0 {
			return max(w, minHelpWidth)
		}
	}
	return defaultHelpWidth
}

// printHelp is cli.HelpPrinter: it writes the help of data, the root or a
// command; the template urfave/cli chose is not used.
func printHelp(w io.Writer, _ string, data any) {
	c := data.(*cli.Command)
	p := &page{width: defaultHelpWidth}
	if width, ok := c.Root().Metadata[helpWidthKey].(func() int); ok {
		p.width = width()
	}
	if c.Root() == c {
		rootHelp(p, c)
	} else {
		commandHelp(p, c)
	}
	io.WriteString(w, p.String())
}

// rootHelp lists the commands and the root's flags.
func rootHelp(p *page, c *cli.Command) {
	p.section("NAME")
	p.prose(c.Name + " - " + c.Usage)
	p.section("USAGE")
	for _, line := range strings.Split(c.UsageText, "\n") {
		p.preformatted(line)
	}
	p.WriteString("\n")
	p.text(c.Description)
	p.section("VERSION")
	p.prose(c.Version)
	p.section("COMMANDS")
	width := 0
	for _, sub := range c.VisibleCommands() {
		width = max(width, columns(sub.Name))
	}
	for _, sub := range c.VisibleCommands() {
		p.entry([]string{sub.Name}, len(helpIndent)+width+len(helpGap), strings.Fields(sub.Usage))
	}
	p.section("GLOBAL FLAGS")
	p.flags(c.VisibleFlags(), p.flagColumn(c.VisibleFlags()))
}

// commandHelp is a command's usage, description and flags.
func commandHelp(p *page, c *cli.Command) {
	p.section("NAME")
	p.prose(c.FullName() + " - " + c.Usage)
	p.section("USAGE")
	p.preformatted(strings.TrimSpace(c.FullName() + " [flags] " + c.ArgsUsage))
	if c.Description != "" {
		p.section("DESCRIPTION")
		p.text(c.Description)
	}
	if ex := examples[c.Name]; len(ex) > 0 {
		p.section("EXAMPLES")
		p.examples(ex)
	}
	col := p.flagColumn(c.VisibleFlags())
	for _, g := range groupFlags(c.VisibleFlags()) {
		p.section(g.heading)
		p.flags(g.flags, col)
	}
}

// flagGroup is a heading of a command's help and the flags under it.
type flagGroup struct {
	heading string
	flags   []cli.Flag
}

// groupFlags files a command's flags under their headings: its own (in
// no group) under FLAGS, then those of each of flagGroups it has. The help
// flag, which urfave/cli gives every command, ends the last.
func groupFlags(flags []cli.Flag) []flagGroup {
	byGroup := map[string][]cli.Flag{}
	var help []cli.Flag
	for _, f := range flags {
		if isHelp(f) {
			help = append(help, f)
			continue
		}
		g := f.(cli.CategorizableFlag).GetCategory()
		byGroup[g] = append(byGroup[g], f)
	}
	var groups []flagGroup
	for _, g := range append([]string{""}, flagGroups...) {
		if len(byGroup[g]) > 0 {
			groups = append(groups, flagGroup{strings.TrimLeft(strings.ToUpper(g)+" FLAGS", " "), byGroup[g]})
		}
	}
	if len(groups) == 0 {
		groups = []flagGroup{{heading: "FLAGS"}}
	}
	last := &groups[len(groups)-1]
	last.flags = append(last.flags, help...)
	return groups
}

// page is a help being written, wrapped to width columns.
type page struct {
	strings.Builder
	width int
}

// section starts a section with its heading, after a blank line.
func (p *page) section(heading string) {
	if p.Len() > 0 {
		p.WriteString("\n")
	}
	p.WriteString(heading + ":\n")
}

// prose writes text wrapped under a heading.
func (p *page) prose(text string) {
	p.entry(nil, len(helpIndent), strings.Fields(text))
}

// text writes a description: its lines run together into paragraphs and
// are wrapped, but for empty lines, which stay, and indented ones (commands
// to type), which are preformatted.
func (p *page) text(s string) {
	var words []string
	for _, line := range strings.Split(s, "\n") {
		if line != "" && !strings.HasPrefix(line, " ") {
			words = append(words, strings.Fields(line)...)
			continue
		}
		p.entry(nil, len(helpIndent), words)
		words = nil
		if line == "" {
			p.WriteString("\n")
		} else {
			p.preformatted(line)
		}
	}
	p.entry(nil, len(helpIndent), words)
}

// preformatted writes a line laid out already (a usage line, a command to
// type) as it stands when it fits. When it does not, it is broken only
// between its columns, where two spaces or more stand, each on a line of
// its own at the line's indent: a command broken elsewhere would read as
// two. What still does not fit overflows.
func (p *page) preformatted(line string) {
	if columns(helpIndent+line) <= p.width {
		p.WriteString(helpIndent + line + "\n")
		return
	}
	lead := line[:len(line)-len(strings.TrimLeft(line, " "))]
	for _, cell := range strings.Split(line, "  ") {
		if cell = strings.TrimSpace(cell); cell != "" {
			p.WriteString(helpIndent + lead + cell + "\n")
		}
	}
}

// examples writes a command's examples: a comment ("# ...") wrapped as
// one, after a blank line but for the first; a command line after "$ ",
// broken when it is too wide only between shell words, with a backslash,
// so that it still runs pasted.
func (p *page) examples(lines []string) {
	for i, line := range lines {
		if comment, ok := strings.CutPrefix(line, "# "); ok {
			if i > 0 {
				p.WriteString("\n")
			}
			for _, l := range fill(strings.Fields(comment), p.width-len(helpIndent)-len("# ")) {
				p.WriteString(helpIndent + "# " + l + "\n")
			}
			continue
		}
		words := []string{line}
		if columns(line) > p.width-len(helpIndent)-len("$ ") {
			words = fill(shellWords(line), p.width-len(helpIndent)-len("$ ")-len(" \\"))
		}
		for j, l := range words {
			lead, tail := "  ", " \\"
			if j == 0 {
				lead = "$ "
			}
			if j == len(words)-1 {
				tail = ""
			}
			p.WriteString(helpIndent + lead + l + tail + "\n")
		}
	}
}

// shellWords splits a command line where a shell would: at the spaces
// outside quotes.
func shellWords(line string) []string {
	var words []string
	var quote rune
	start := 0
	for i, r := range line {
		switch {
		case quote != 0:
			if r == quote {
				quote = 0
			}
		case r == '\'' || r == '"':
			quote = r
		case r == ' ':
			if i > start {
				words = append(words, line[start:i])
			}
			start = i + 1
		}
	}
	if start < len(line) {
		words = append(words, line[start:])
	}
	return words
}

// entry writes two columns: names (a flag's spellings, a command's name)
// filled from the indent on, and words wrapped from column col on, beside
// the names when they fit on one line before col, else below them.
func (p *page) entry(names []string, col int, words []string) {
	left := fill(names, p.width-len(helpIndent))
	right := fill(words, p.width-col)
	if len(left) == 1 && len(right) > 0 && len(helpIndent)+columns(left[0])+len(helpGap) <= col {
		left[0] = fmt.Sprintf("%-*s%s", col-len(helpIndent), left[0], right[0])
		right = right[1:]
	}
	for _, line := range left {
		p.WriteString(helpIndent + line + "\n")
	}
	for _, line := range right {
		p.WriteString(strings.Repeat(" ", col) + line + "\n")
	}
}

// flagColumn is the column where the help of flags starts: after the
// widest names that fit in a third of the width.
func (p *page) flagColumn(flags []cli.Flag) int {
	widest := 0
	for _, f := range flags {
		if n := columns(strings.Join(flagNames(f), " ")); n <= p.width/3 {
			widest = max(widest, n)
		}
	}
	return len(helpIndent) + widest + len(helpGap)
}

// flags writes an entry for each flag, its help from column col on.
func (p *page) flags(flags []cli.Flag, col int) {
	for _, f := range flags {
		p.entry(flagNames(f), col, flagWords(f))
	}
}

// fill lays words out in lines of at most width columns, a space between
// two words of a line; a word wider than that has a line of its own.
func fill(words []string, width int) []string {
	var lines []string
	for _, w := range words {
		if n := len(lines); n > 0 && columns(lines[n-1])+1+columns(w) <= width {
			lines[n-1] += " " + w
		} else {
			lines = append(lines, w)
		}
	}
	return lines
}

// columns is how wide s is on a terminal, a column a character.
func columns(s string) int {
	return utf8.RuneCountInString(s)
}

// flagNames are a flag's spellings as curl and gh show them, as fill takes
// them: the one-letter ones first, each with its comma, then the long one
// with the placeholder (-n, --count N). A flag with no one-letter name is
// indented as if it had one, so that the long names line up.
func flagNames(f cli.Flag) []string {
	df := f.(cli.DocGenerationFlag)
	arg, _ := unquoteUsage(df.GetUsage())
	if arg == "" && df.TakesValue() {
		arg = "value"
	}
	var short, long []string
	for _, n := range f.Names() {
		if len(n) == 1 {
			short = append(short, dashes(n)+",")
		} else {
			long = append(long, dashes(n))
		}
	}
	spelled := append(short, long...)
	last := &spelled[len(spelled)-1]
	*last = strings.TrimSuffix(*last, ",")
	if arg != "" {
		*last += " " + arg
	}
	if len(short) == 0 {
		spelled[0] = "    " + spelled[0] // the width of "-n, "
	}
	return spelled
}

// flagWords are the words of a flag's help: its usage, a note that it may
// be repeated when the usage does not say so, and its default, unquoted as
// gh shows it, as one word so that no line breaks inside it.
func flagWords(f cli.Flag) []string {
	_, usage := unquoteUsage(f.(cli.DocGenerationFlag).GetUsage())
	if repeatable(f) && !strings.Contains(usage, "repeat") {
		usage += "; repeatable"
	}
	words := strings.Fields(usage)
	if def := defaultValue(f); def != "" {
		words = append(words, "(default: "+def+")")
	}
	return words
}

// isHelp says whether f is the help flag, which urfave/cli gives every
// command as a copy of cli.HelpFlag.
func isHelp(f cli.Flag) bool { return f.Names()[0] == cli.HelpFlag.Names()[0] }

// repeatable says whether f may be given more than once, each value kept.
func repeatable(f cli.Flag) bool {
	mf, ok := f.(cli.DocGenerationMultiValueFlag)
	return ok && mf.IsMultiValueFlag()
}

// defaultValue is what a flag holds when it is not given, as it would be
// typed, when that is worth saying: "" for none (switches, lists, probe's
// steps), for a number that means none (0, -1: no limit, never), and for a
// flag whose usage says it already.
func defaultValue(f cli.Flag) string {
	if strings.Contains(f.(cli.DocGenerationFlag).GetUsage(), "default") {
		return ""
	}
	switch f := f.(type) {
	case *cli.StringFlag:
		return f.Value
	case *cli.IntFlag:
		if f.Value > 0 {
			return strconv.Itoa(f.Value)
		}
	}
	return ""
}
