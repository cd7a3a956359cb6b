// Fuzz targets for the parsers of flag values: close codes and code lists, sizes, durations, split and read flags.

package cmd

import (
	"flag"
	"io"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/urfave/cli/v3"
	"github.com/wsx-cli/wsx/closecodes"
	"github.com/wsx-cli/wsx/internal/wstest"
)

// Fuzz targets for the parsers of flag values (cmd/flags.go, cmd/args.go).
// They call the parsing functions directly, never the app.

// FuzzParseCloseCode: --close-code (and /close) takes a code wsx may send.
// What it accepts is what closecodes.Parse reads, and sendable; what wsx
// prints for a code (its number, and the slug of a registered one) reads
// back as the same code. A code Parse reads and that may be sent is never
// refused.
func FuzzParseCloseCode(f *testing.F) {
	for _, s := range []string{
		"1000", "1008", " 4001 ", "policy", "PolicyViolation", "bad-gateway", "1014",
		"1005", "1006", "1015", "1004", "999", "5000", "65535", "65536", "-1", "+1000",
		"", "close", "t", "try-again-later", "3000", "tls-handshake",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := parseCloseCode("close-code", s)
		pc, perr := closecodes.Parse(s)
		if err != nil {
			wstest.CheckUsage(t, err, "invalid --close-code: ")
			if perr == nil && pc.Sendable() {
				t.Fatalf("parseCloseCode(%q) refused %d, which may be sent: %v", s, pc, err)
			}
			return
		}
		if perr != nil || pc != c {
			t.Fatalf("parseCloseCode(%q) = %d, but closecodes.Parse gives %d, %v", s, c, pc, perr)
		}
		if !c.Sendable() {
			t.Fatalf("parseCloseCode(%q) = %d, which may not be sent", s, c)
		}
		printed := []string{strconv.Itoa(int(c))}
		if c.Registered() {
			printed = append(printed, c.Slug())
		}
		for _, p := range printed {
			if back, err := parseCloseCode("close-code", p); err != nil || back != c {
				t.Fatalf("parseCloseCode(%q) = %d, but parseCloseCode(%q) = %d, %v", s, c, p, back, err)
			}
		}
	})
}

// FuzzParseCodeList: --expect-close is a comma list of codes or names. The
// set holds exactly the codes of the parts, every part must parse, and the
// set written back as numbers (as wsx prints codes) reads as the same set.
func FuzzParseCodeList(f *testing.F) {
	for _, s := range []string{
		"1000,1001", "1000", "1000, 1001 ,going-away", "normal,4001", "1005", "",
		",", "1000,", "1000,,1001", "policy,tls", "0,65535", "70000", "abnormal,no-status",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		set, err := parseCodeList("expect-close", s)
		parts := strings.Split(s, ",")
		want := map[closecodes.Code]bool{}
		var bad error
		for _, p := range parts {
			c, err := closecodes.Parse(strings.TrimSpace(p))
			if err != nil && bad == nil {
				bad = err
			}
			want[c] = true
		}
		if err != nil {
			wstest.CheckUsage(t, err, "invalid --expect-close: ")
			if bad == nil {
				t.Fatalf("parseCodeList(%q) refused a list whose every part parses: %v", s, err)
			}
			return
		}
		if bad != nil {
			t.Fatalf("parseCodeList(%q) accepted a list with a bad part: %v", s, bad)
		}
		if !sameCodes(set, want) {
			t.Fatalf("parseCodeList(%q) = %v, want %v", s, set, want)
		}
		var nums []string
		for c := range set {
			nums = append(nums, strconv.Itoa(int(c)))
		}
		slices.Sort(nums)
		back, err := parseCodeList("expect-close", strings.Join(nums, ","))
		if err != nil || !sameCodes(back, set) {
			t.Fatalf("parseCodeList(%q) = %v, but its numbers %v read back as %v, %v", s, set, nums, back, err)
		}
	})
}

func sameCodes(a, b map[closecodes.Code]bool) bool {
	if len(a) != len(b) {
		return false
	}
	for c := range a {
		if !b[c] {
			return false
		}
	}
	return true
}

// sizeModel reads a --max-size value as the README documents it: a decimal
// byte count, optionally followed by a unit (KiB, MiB, GiB, kB, MB, GB, or
// K, M, G, B), in any case, with spaces around.
func sizeModel(s string) (n, mult int64, ok bool) {
	num := strings.ToLower(strings.TrimSpace(s))
	mult = 1
	units := []struct {
		suffix string
		mult   int64
	}{
		{"kib", 1 << 10}, {"mib", 1 << 20}, {"gib", 1 << 30},
		{"kb", 1e3}, {"mb", 1e6}, {"gb", 1e9},
		{"k", 1 << 10}, {"m", 1 << 20}, {"g", 1 << 30}, {"b", 1},
	}
	for _, u := range units { // longest first
		if rest, found := strings.CutSuffix(num, u.suffix); found {
			num, mult = strings.TrimSpace(rest), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(num, 10, 64)
	return n, mult, err == nil
}

// FuzzParseSize: a size is never negative and never over 2^62 without an
// error; it is the number times its unit; and a size accepts what wsx
// prints (a byte count, as in "larger than --max-size 1024 bytes") and the
// same amount written with each binary unit that divides it.
func FuzzParseSize(f *testing.F) {
	for _, s := range []string{
		"64MiB", "65536", "1GB", "1gib", " 10 KiB ", "0", "-1", "1.5MiB", "kib", "",
		"4611686018427387904", "4611686018427387905", "4194304GiB", "4194305GiB", "+7b", "7 b", "1e3",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := parseSize("max-size", s)
		num, mult, ok := sizeModel(s)
		if err != nil {
			wstest.CheckUsage(t, err, "invalid --max-size "+strconv.Quote(s)+": ")
			if ok && num >= 0 && num <= (1<<62)/mult {
				t.Fatalf("parseSize(%q) refused %d×%d: %v", s, num, mult, err)
			}
			return
		}
		if n < 0 || n > 1<<62 {
			t.Fatalf("parseSize(%q) = %d, out of 0..2^62 without an error", s, n)
		}
		if !ok || n != num*mult {
			t.Fatalf("parseSize(%q) = %d, want %d×%d (ok %v)", s, n, num, mult, ok)
		}
		printed := []string{strconv.FormatInt(n, 10), strconv.FormatInt(n, 10) + "B"}
		for _, u := range []struct {
			name string
			mult int64
		}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}} {
			if n%u.mult == 0 {
				printed = append(printed, strconv.FormatInt(n/u.mult, 10)+u.name)
			}
		}
		for _, p := range printed {
			if back, err := parseSize("max-size", p); err != nil || back != n {
				t.Fatalf("parseSize(%q) = %d, but parseSize(%q) = %d, %v", s, n, p, back, err)
			}
		}
	})
}

// FuzzParseDuration: a duration is never negative without an error; Go
// syntax means what time.ParseDuration says; and a duration accepts what wsx
// prints (time.Duration's String, as in "--timeout 10s had passed").
func FuzzParseDuration(f *testing.F) {
	for _, s := range []string{
		"3s", "500ms", "2m", "1.5s", "1h2m3.5s", "10", "0.25", "0", "", "-1s", "-1", "-0",
		"NaN", "Inf", "-Inf", "1e9", "1e10", "9223372036854775807ns", "9999999999h", "s", "1 s", "0x10p0",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := parseDuration("timeout", s)
		if err != nil {
			wstest.CheckUsage(t, err, "invalid --timeout "+strconv.Quote(s)+": ")
			if gd, gerr := time.ParseDuration(s); gerr == nil && gd >= 0 {
				t.Fatalf("parseDuration(%q) refused the Go duration %v: %v", s, gd, err)
			}
			return
		}
		if d < 0 {
			t.Fatalf("parseDuration(%q) = %v, negative without an error", s, d)
		}
		if gd, gerr := time.ParseDuration(s); gerr == nil && gd != d {
			t.Fatalf("parseDuration(%q) = %v, but time.ParseDuration gives %v", s, d, gd)
		}
		if s == "" && d != 0 {
			t.Fatalf("parseDuration(\"\") = %v, want 0 (not set)", d)
		}
		if back, err := parseDuration("timeout", d.String()); err != nil || back != d {
			t.Fatalf("parseDuration(%q) = %v, but parseDuration(%q) = %v, %v", s, d, d.String(), back, err)
		}
	})
}

// FuzzSplitFlags: flags may come before or after the URL. splitFlags must
// give the flags (each value-taking one with the argument after it, unless
// it holds "="), then "--", then the other arguments, all in their order;
// everything after the first "--" is an argument, as it is; a value-taking
// flag at the end, or before "--", is a usage error. What it gives, read
// again, stays as it is. The arguments come NUL-separated.
func FuzzSplitFlags(f *testing.F) {
	for _, s := range []string{
		"ws://h/\x00-n\x003\x00--close-code\x00going-away",
		"-H\x00X: y\x00ws://h/\x00--\x00-not-a-flag",
		"--count=3\x00url\x00-q\x00extra",
		"url\x00--header",
		"url\x00-H\x00--",
		"--help\x00url\x00-n\x001",
		"-\x00--\x00--\x00-v",
		"--unknown\x00value",
		"-n\x00-q\x00url",
		"",
	} {
		f.Add(s)
	}
	defs := connectCommand(nil).Flags
	takesValue := map[string]bool{}
	for _, d := range defs {
		_, isBool := d.(*cli.BoolFlag)
		for _, n := range d.Names() {
			takesValue[n] = !isBool
		}
	}
	f.Fuzz(func(t *testing.T, joined string) {
		var args []string
		if joined != "" {
			args = strings.Split(joined, "\x00")
		}
		out, err := splitFlags(defs, slices.Clone(args))

		var flags, rest []string
		help, missing := false, ""
		in := slices.Clone(args)
		for i := 0; i < len(in); i++ {
			a := in[i]
			if a == "--" {
				rest = append(rest, in[i+1:]...)
				break
			}
			if len(a) < 2 || a[0] != '-' {
				rest = append(rest, a)
				continue
			}
			if short, ok := shortCluster(a, takesValue); ok { // its rules: TestShortCluster
				in = slices.Concat(in[:i], short, in[i+1:])
				i--
				continue
			}
			flags = append(flags, a)
			name := strings.TrimLeft(a, "-")
			help = help || name == "help" || name == "h"
			if takesValue[name] && !strings.Contains(name, "=") {
				if i+1 == len(in) || in[i+1] == "--" {
					missing = a
					break
				}
				i++
				flags = append(flags, in[i])
			}
		}
		if missing != "" {
			if err == nil {
				t.Fatalf("splitFlags(%q) = %q, but %s has no value", args, out, missing)
			}
			wstest.CheckUsage(t, err, "flag "+missing+" needs a value")
			return
		}
		if err != nil {
			t.Fatalf("splitFlags(%q): %v", args, err)
		}
		want := slices.Concat(flags, []string{"--"}, rest)
		if help {
			want = flags
		}
		if !slices.Equal(out, want) {
			t.Fatalf("splitFlags(%q) = %q, want %q", args, out, want)
		}
		if again, err := splitFlags(defs, slices.Clone(out)); err != nil || !slices.Equal(again, out) {
			t.Fatalf("splitFlags(%q) = %q, but that splits again as %q, %v", args, out, again, err)
		}
	})
}

// FuzzReadFlags: readFlags reads a command's flags by the rules of Go's
// flag package. What that package refuses, readFlags refuses (and one thing
// more: a flag given under two of its names); what it takes, readFlags
// gives as flags that it reads as the same values, set in the same order,
// and the same arguments. The arguments come NUL-separated.
func FuzzReadFlags(f *testing.F) {
	for _, s := range []string{
		"-q\x00-n\x003\x00--\x00url",
		"-0\x00url\x00hi",
		"---x\x00url",
		"-=x",
		"-q \x00url",
		"--quiet=\x00url",
		"-q=maybe",
		"--count=abc\x00--bogus",
		"-h\x00--help",
		"--header=a=b\x00url\x00-q",
		"-n\x00-1\x00url",
		"-count\x00+0x10",
		"--help=false\x00x",
		"-H\x00 a: b \x00--origin\x00--\x00url",
		"-q\x00--count",
		"--close\x00--send\x00--ping=x\x00--ping",
		"",
	} {
		f.Add(s)
	}
	commands := map[string][]cli.Flag{ // send has every kind of value; probe, the steps
		"send":  append(slices.Clip(sendCommand(nil).Flags), cli.HelpFlag),
		"probe": append(slices.Clip(probeCommand(nil).Flags), cli.HelpFlag),
	}
	f.Fuzz(func(t *testing.T, joined string) {
		var args []string
		if joined != "" {
			args = strings.Split(joined, "\x00")
		}
		for name, defs := range commands {
			checkReadFlags(t, name, defs, args)
		}
	})
}

// checkReadFlags compares readFlags with the flag package on one command's
// flags, defs, and args.
func checkReadFlags(t *testing.T, name string, defs []cli.Flag, args []string) {
	var set []string
	pkgRest, pkgErr := parseByFlagPackage(defs, args, &set)
	flags, rest, err := readFlags("wsx "+name, defs, slices.Clone(args))
	if err != nil {
		if pkgErr == nil && !strings.HasPrefix(err.Error(), "Cannot use two forms of the same flag: ") {
			t.Fatalf("%s: readFlags(%q): %v, but the flag package takes them", name, args, err)
		}
		return
	}
	if pkgErr != nil {
		t.Fatalf("%s: readFlags(%q) = %q %q, but the flag package refuses them: %v", name, args, flags, rest, pkgErr)
	}
	var again []string
	if flagsRest, err := parseByFlagPackage(defs, flags, &again); err != nil || !slices.Equal(again, set) || len(flagsRest) > 0 || !slices.Equal(rest, pkgRest) {
		t.Fatalf("%s: readFlags(%q) = %q %q, which the flag package reads as %q, %v; want %q %q", name, args, flags, rest, again, err, set, pkgRest)
	}
}

// parseByFlagPackage parses args with Go's flag package, each of defs'
// names a flag, and logs each value set, as NAME=VALUE; it returns the
// arguments after the flags.
func parseByFlagPackage(defs []cli.Flag, args []string, log *[]string) ([]string, error) {
	set := flag.NewFlagSet("wsx", flag.ContinueOnError)
	set.SetOutput(io.Discard)
	for _, d := range defs {
		for _, n := range d.Names() {
			set.Var(loggedValue{def: d, name: n, log: log}, n, "")
		}
	}
	err := set.Parse(args)
	return set.Args(), err
}

// loggedValue is a flag's value for the flag package: it refuses what
// urfave/cli's value for def refuses, and logs the rest.
type loggedValue struct {
	def  cli.Flag
	name string
	log  *[]string
}

func (v loggedValue) Set(s string) error {
	var err error
	switch v.def.(type) {
	case *cli.IntFlag:
		_, err = strconv.ParseInt(s, 0, 64)
	case *cli.BoolFlag:
		_, err = strconv.ParseBool(s)
	}
	if err == nil {
		*v.log = append(*v.log, v.name+"="+s)
	}
	return err
}

func (v loggedValue) String() string   { return "" }
func (v loggedValue) IsBoolFlag() bool { return isSwitch(v.def) }
