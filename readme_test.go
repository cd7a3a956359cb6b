package main

// The README's transcripts, run: every example output it shows for a command
// must be what wsx prints.
//
// A transcript is a code block fenced with a bare ``` that holds a `$ wsx`
// line. Its `$ ` lines are commands, and the lines after each, up to the next
// `$ ` line or the end of the block, are what the command prints on the
// terminal: stdout and stderr together. A command ending in `\` goes on in the
// next line. Three commands are understood:
//
//   - `$ wsx ARGS` runs wsx in-process, its arguments split as a shell would
//     (quotes and backslashes; pipes, redirections and variables are refused);
//   - `$ cat FILE` writes the lines after it into FILE, in the transcript's
//     own temporary directory, where the commands run;
//   - `$ echo $?` checks the exit status of the wsx command before it.
//
// Each transcript runs against a `wsx serve` of its own on a free loopback
// port, with the flags of a `<!-- run against: wsx serve FLAGS -->` line just
// before the block (no flags without one). The only address a command may name
// is 127.0.0.1:8765, `wsx serve`'s default: it is rewritten to the server's,
// and the server's is shown as 127.0.0.1:8765 again. A block that cannot run
// here (a public host, a server `wsx serve` cannot play) has a
// `<!-- not run: REASON -->` line just before it instead, and is reported as
// a skipped subtest with that reason; a public host without it fails the test.
//
// Output is compared line by line, exactly but for one rule: a duration wsx
// measured (see measured) matches any such duration. Stdout and stderr lines
// may interleave in any order, as a terminal can show them, but each stream's
// lines must come in the README's order.

import (
	"bufio"
	"fmt"
	"io"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/wsx-cli/wsx/cmd"
	"github.com/wsx-cli/wsx/internal/wstest"
)

// readmeAddress is the address the README's commands name: wsx serve's default.
const readmeAddress = "127.0.0.1:8765"

// The markers that may stand on the line before a transcript's fence.
const (
	runAgainstMarker = "<!-- run against: wsx serve"
	notRunMarker     = "<!-- not run:"
)

// measured matches a duration wsx measured and prints, which differs from run
// to run: 412µs, 1.2ms, 100.93ms, 1.99s. A whole number of seconds (a flag's
// value echoed back: --timeout 2s) is not one, and must match exactly.
var measured = regexp.MustCompile(`\b(\d+(\.\d+)?(ns|µs|ms)|\d+\.\d+s)\b`)

// transcript is one README block of commands and their output.
type transcript struct {
	line   int      // the README line of the block's opening fence
	serve  []string // the flags of the wsx serve it runs against
	notRun string   // why it is not run, or "" when it is
	steps  []step
}

// step is one `$ ` command of a transcript and the lines after it.
type step struct {
	line    int    // the README line of its `$ `
	command string // the command, its continuation lines joined
	output  []readmeLine
}

// readmeLine is a line of the README and its number.
type readmeLine struct {
	n    int
	text string
}

func TestREADME(t *testing.T) {
	t.Cleanup(func() { goleak.VerifyNone(t) })
	data, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	transcripts, err := parseTranscripts(string(data))
	if err != nil {
		t.Fatal(err)
	}
	runnable := 0
	for _, tr := range transcripts {
		if tr.notRun == "" {
			runnable++
		}
		t.Run(fmt.Sprintf("README.md:%d", tr.line), func(t *testing.T) {
			if tr.notRun != "" {
				t.Skipf("not run: %s", tr.notRun)
			}
			tr.run(t)
		})
	}
	if runnable == 0 {
		t.Fatalf("README.md has no transcript that runs (of %d found)", len(transcripts))
	}
}

// parseTranscripts finds the transcripts among the README's code blocks.
func parseTranscripts(readme string) ([]transcript, error) {
	lines := strings.Split(readme, "\n")
	var out []transcript
	for open := 0; open < len(lines); open++ {
		if !strings.HasPrefix(lines[open], "```") {
			continue
		}
		end := open + 1 // the closing fence
		for end < len(lines) && !strings.HasPrefix(lines[end], "```") {
			end++
		}
		if body := lines[open+1 : end]; lines[open] == "```" && hasWsxCommand(body) {
			tr, err := newTranscript(lines, open, body)
			if err != nil {
				return nil, err
			}
			out = append(out, tr)
		}
		open = end
	}
	return out, nil
}

// newTranscript reads the transcript whose opening fence is lines[open], and
// the marker on the line before it, if any.
func newTranscript(lines []string, open int, body []string) (transcript, error) {
	tr := transcript{line: open + 1}
	if open > 0 {
		if err := tr.readMarker(lines[open-1]); err != nil {
			return tr, fmt.Errorf("README.md:%d: %v", open, err)
		}
	}
	var err error
	tr.steps, err = parseSteps(body, open+2)
	return tr, err
}

// hasWsxCommand reports whether a block's lines hold a `$ wsx` command.
func hasWsxCommand(lines []string) bool {
	for _, l := range lines {
		if strings.HasPrefix(l, "$ wsx ") {
			return true
		}
	}
	return false
}

// readMarker takes what the line before the block says of it, if anything.
func (tr *transcript) readMarker(line string) error {
	if !strings.HasPrefix(line, "<!--") {
		return nil
	}
	body, ok := strings.CutSuffix(line, "-->")
	if !ok {
		return fmt.Errorf("a marker is one line ending in -->: %q", line)
	}
	if flags, ok := strings.CutPrefix(body, runAgainstMarker); ok {
		var err error
		tr.serve, err = shellWords(flags)
		return err
	}
	if reason, ok := strings.CutPrefix(body, notRunMarker); ok && strings.TrimSpace(reason) != "" {
		tr.notRun = strings.TrimSpace(reason)
		return nil
	}
	return fmt.Errorf("unknown marker %q: want %q or %q", line, runAgainstMarker+" FLAGS -->", notRunMarker+" REASON -->")
}

// parseSteps splits a transcript's lines, the first of them README line
// first, into its commands and their output.
func parseSteps(body []string, first int) ([]step, error) {
	var steps []step
	for i := 0; i < len(body); i++ {
		n := first + i
		command, ok := strings.CutPrefix(body[i], "$ ")
		if !ok {
			if len(steps) == 0 {
				return nil, fmt.Errorf("README.md:%d: output before the transcript's first command", n)
			}
			last := &steps[len(steps)-1]
			last.output = append(last.output, readmeLine{n, body[i]})
			continue
		}
		for strings.HasSuffix(command, `\`) && i+1 < len(body) {
			i++
			command = strings.TrimSuffix(command, `\`) + " " + body[i]
		}
		steps = append(steps, step{line: n, command: command})
	}
	return steps, nil
}

// run runs a transcript's commands in a directory of its own, against a
// server of its own.
func (tr transcript) run(t *testing.T) {
	t.Chdir(t.TempDir())
	addr := startServe(t, tr.serve)
	status := -1 // the last wsx command's exit status; -1 before the first
	for _, s := range tr.steps {
		switch {
		case s.command == "echo $?":
			s.checkStatus(t, status)
		case strings.HasPrefix(s.command, "cat "):
			s.writeFile(t)
		case strings.HasPrefix(s.command, "wsx "):
			status = s.runWsx(t, addr)
		default:
			t.Fatalf("README.md:%d: cannot run %q: only wsx, cat FILE and echo $? run; mark the block %s REASON -->", s.line, s.command, notRunMarker)
		}
	}
}

// checkStatus compares the exit status an `echo $?` shows with the real one.
func (s step) checkStatus(t *testing.T, status int) {
	t.Helper()
	if status < 0 {
		t.Fatalf("README.md:%d: echo $? before any wsx command", s.line)
	}
	if len(s.output) != 1 || s.output[0].text != strconv.Itoa(status) {
		t.Errorf("README.md:%d: wsx exited %d; the README shows %q", s.line, status, lineTexts(s.output))
	}
}

// writeFile writes the file a `$ cat FILE` shows.
func (s step) writeFile(t *testing.T) {
	t.Helper()
	name := strings.TrimPrefix(s.command, "cat ")
	if strings.ContainsAny(name, " /'\"$") {
		t.Fatalf("README.md:%d: cat takes one plain file name, got %q", s.line, name)
	}
	text := strings.Join(lineTexts(s.output), "\n") + "\n"
	if err := os.WriteFile(name, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// runWsx runs a `$ wsx` command against the server at addr, compares what it
// printed with the README, and returns its exit status.
func (s step) runWsx(t *testing.T, addr string) int {
	t.Helper()
	args, err := shellWords(strings.TrimPrefix(s.command, "wsx "))
	if err != nil {
		t.Fatalf("README.md:%d: %v", s.line, err)
	}
	for i, a := range args {
		if err := checkLoopback(a); err != nil {
			t.Fatalf("README.md:%d: %v: only %s runs here; mark the block %s REASON -->", s.line, err, readmeAddress, notRunMarker)
		}
		args[i] = strings.ReplaceAll(a, readmeAddress, addr)
	}
	stdout, stderr := wstest.NewSyncBuffer(), wstest.NewSyncBuffer()
	status := cmd.Main(args, &cmd.Env{Stdin: strings.NewReader(""), Stdout: stdout, Stderr: stderr})
	out := printedLines(stdout.String(), addr)
	errs := printedLines(stderr.String(), addr)
	if msg := s.compare(out, errs); msg != "" {
		t.Errorf("%s\n%s printed, on stdout:\n%s\non stderr:\n%s", msg, s.command, indent(out), indent(errs))
	}
	return status
}

// checkLoopback refuses a URL of a host other than the README's address.
func checkLoopback(arg string) error {
	if !strings.Contains(arg, "://") {
		return nil
	}
	u, err := url.Parse(arg)
	if err != nil || u.Host != readmeAddress {
		return fmt.Errorf("%s is not %s", arg, readmeAddress)
	}
	return nil
}

// printedLines splits what wsx printed into lines, the server's address shown
// as the README's.
func printedLines(text, addr string) []string {
	text = strings.ReplaceAll(text, addr, readmeAddress)
	if text == "" {
		return nil
	}
	return strings.Split(strings.TrimSuffix(text, "\n"), "\n")
}

// compare checks that the step's output is what a terminal shows of out and
// errs: their lines interleaved, each stream's in order. It returns "" when it
// is, or says at which README line it stops being so.
func (s step) compare(out, errs []string) string {
	want := s.output
	patterns := make([]*regexp.Regexp, len(want))
	for k, w := range want {
		patterns[k] = linePattern(w.text)
	}
	i, j, ok := interleave(patterns, out, errs)
	if ok {
		return ""
	}
	if k := i + j; k < len(want) {
		return fmt.Sprintf("README.md:%d: the README shows\n    %s\nwhere wsx's next lines are\n    stdout: %s\n    stderr: %s",
			want[k].n, want[k].text, lineOrEnd(out, i), lineOrEnd(errs, j))
	}
	last := s.line
	if len(want) > 0 {
		last = want[len(want)-1].n
	}
	return fmt.Sprintf("README.md:%d: wsx printed more than the README shows after this line:\n    stdout: %s\n    stderr: %s",
		last, lineOrEnd(out, i), lineOrEnd(errs, j))
}

// linePattern is a regexp that matches line exactly, but for its measured
// durations, each of which matches any measured duration.
func linePattern(line string) *regexp.Regexp {
	var b strings.Builder
	b.WriteString("^")
	at := 0
	for _, m := range measured.FindAllStringIndex(line, -1) {
		b.WriteString(regexp.QuoteMeta(line[at:m[0]]))
		b.WriteString(measured.String())
		at = m[1]
	}
	b.WriteString(regexp.QuoteMeta(line[at:]))
	b.WriteString("$")
	return regexp.MustCompile(b.String())
}

// interleave reads want as out's and errs's lines merged, each stream's taken
// in order. ok says whether all of want and all of both streams match; when
// they do not, i and j are how many lines of out and errs a merge that went
// furthest through want had taken.
func interleave(want []*regexp.Regexp, out, errs []string) (i, j int, ok bool) {
	// reached[i][j]: some merge of out[:i] and errs[:j] matches want[:i+j].
	reached := make([][]bool, len(out)+1)
	for i := range reached {
		reached[i] = make([]bool, len(errs)+1)
	}
	reached[0][0] = true
	for k := 0; k <= min(len(want), len(out)+len(errs)); k++ {
		for a := max(0, k-len(errs)); a <= min(k, len(out)); a++ {
			b := k - a
			if !reached[a][b] {
				continue
			}
			i, j = a, b
			if k == len(want) {
				continue
			}
			if a < len(out) && want[k].MatchString(out[a]) {
				reached[a+1][b] = true
			}
			if b < len(errs) && want[k].MatchString(errs[b]) {
				reached[a][b+1] = true
			}
		}
	}
	return i, j, len(want) == len(out)+len(errs) && reached[len(out)][len(errs)]
}

// lineOrEnd is lines[i], or says there is none.
func lineOrEnd(lines []string, i int) string {
	if i < len(lines) {
		return lines[i]
	}
	return "(nothing more)"
}

func lineTexts(lines []readmeLine) []string {
	texts := make([]string, len(lines))
	for i, l := range lines {
		texts[i] = l.text
	}
	return texts
}

func indent(lines []string) string {
	if len(lines) == 0 {
		return "    (nothing)"
	}
	return "    " + strings.Join(lines, "\n    ")
}

// startServe runs `wsx serve FLAGS` in-process on a free loopback port until
// the test ends, and returns its address.
func startServe(t *testing.T, flags []string) string {
	t.Helper()
	sig := make(chan os.Signal, 1)
	log := wstest.NewSyncBuffer()
	stdout, urlOut := io.Pipe()
	done := make(chan int, 1)
	args := append(append([]string{"serve"}, flags...), "127.0.0.1:0")
	go func() {
		code := cmd.Main(args, &cmd.Env{Stdin: strings.NewReader(""), Stdout: urlOut, Stderr: log, Signals: sig})
		urlOut.Close()
		done <- code
	}()
	first, err := bufio.NewReader(stdout).ReadString('\n')
	go io.Copy(io.Discard, stdout) // anything after the URL, until serve ends
	if err != nil {
		t.Fatalf("wsx %s exited %d without its URL:\n%s", strings.Join(args, " "), <-done, log)
	}
	t.Cleanup(func() {
		sig <- os.Interrupt
		select {
		case code := <-done:
			if code != 130 {
				t.Errorf("wsx serve exited %d on Ctrl-C, want 130:\n%s", code, log)
			}
		case <-time.After(wstest.Failsafe):
			t.Errorf("wsx serve did not stop within %v of Ctrl-C", wstest.Failsafe)
		}
	})
	u, err := url.Parse(strings.TrimSpace(first))
	if err != nil {
		t.Fatalf("wsx serve printed %q, not its URL", first)
	}
	return u.Host
}

// shellWords splits a command line into words as a shell would: words
// separated by blanks, 'single' and "double" quotes, backslash escapes. What
// would need a shell to mean anything (pipes, redirections, $, ;, &,
// backquotes) is an error.
func shellWords(line string) ([]string, error) {
	var words []string
	var word strings.Builder
	inWord := false
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case c == ' ' || c == '\t':
			if inWord {
				words = append(words, word.String())
				word.Reset()
				inWord = false
			}
			continue
		case c == '\'':
			end := strings.IndexByte(line[i+1:], '\'')
			if end < 0 {
				return nil, fmt.Errorf("unterminated ' in %s", line)
			}
			word.WriteString(line[i+1 : i+1+end])
			i += 1 + end
		case c == '"':
			n, err := doubleQuoted(line[i+1:], &word)
			if err != nil {
				return nil, fmt.Errorf("%v in %s", err, line)
			}
			i += n
		case c == '\\' && i+1 < len(line):
			i++
			word.WriteByte(line[i])
		case strings.IndexByte("|&;<>$`()", c) >= 0:
			return nil, fmt.Errorf("%q needs a shell, in %s", c, line)
		default:
			word.WriteByte(c)
		}
		inWord = true
	}
	if inWord {
		words = append(words, word.String())
	}
	return words, nil
}

// doubleQuoted writes the text of a "..." whose opening quote came just
// before s into word, and returns how many bytes of s it took, the closing
// quote included. Inside, a backslash escapes only \ " $ and `.
func doubleQuoted(s string, word *strings.Builder) (int, error) {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"':
			return i + 1, nil
		case c == '$' || c == '`':
			return 0, fmt.Errorf("%q needs a shell", c)
		case c == '\\' && i+1 < len(s) && strings.IndexByte(`\"$`+"`", s[i+1]) >= 0:
			i++
			word.WriteByte(s[i])
		default:
			word.WriteByte(c)
		}
	}
	return 0, fmt.Errorf(`unterminated "`)
}

// The comparison's own rules: measured durations match any, whole seconds and
// everything else exactly, and the streams interleave but keep their order.
func TestTranscriptCompare(t *testing.T) {
	want := step{line: 10, output: []readmeLine{
		{11, "connected in 1.2ms"},
		{12, "hello"},
		{13, "timed out after --timeout 2s"},
	}}
	for _, c := range []struct {
		out, errs []string
		fails     string // the README line the failure names; "" for a match
	}{
		{[]string{"hello"}, []string{"connected in 895.1µs", "timed out after --timeout 2s"}, ""},
		{[]string{"hello"}, []string{"connected in 1.99s", "timed out after --timeout 2s"}, ""},
		{[]string{"hello"}, []string{"connected in 1.2ms", "timed out after --timeout 3s"}, "README.md:13:"},
		{[]string{"hello", "timed out after --timeout 2s"}, []string{"connected in 1.2ms"}, ""},
		{nil, []string{"hello", "connected in 1.2ms", "timed out after --timeout 2s"}, "README.md:11:"},
		{[]string{"hello", "more"}, []string{"connected in 1.2ms", "timed out after --timeout 2s"}, "README.md:13: wsx printed more"},
	} {
		msg := want.compare(c.out, c.errs)
		if c.fails == "" && msg != "" || !strings.HasPrefix(msg, c.fails) {
			t.Errorf("stdout %q, stderr %q: got %q, want a message starting %q", c.out, c.errs, msg, c.fails)
		}
	}
}
