package format

import (
	"bufio"
	"bytes"
	"flag"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/pretty.golden from the current output")

// goldenPretty holds, a case a line, an input and what pretty mode prints
// for it, both Go-quoted and separated by a tab.
const goldenPretty = "testdata/pretty.golden"

// prettyGoldenInputs are the inputs of goldenPretty: JSON laid out in every
// way pretty.Pretty decides (prettyCases, widthCases, random values), the
// benchmark messages, and each of them cut in half, which is not JSON and
// must print as it is.
func prettyGoldenInputs() []string {
	cases := append(append(append([]string{}, prettyCases...), widthCases()...), fuzzSeeds...)
	cases = append(cases, string(benchShort), string(benchDoc), string(benchText))
	r := rand.New(rand.NewPCG(3, 4))
	for range 150 {
		cases = append(cases, randomJSON(r, 3)) // three levels at most: the file stays small
	}
	for _, c := range cases[:len(cases):len(cases)] {
		if len(c) > 1 {
			cases = append(cases, c[:len(c)/2])
		}
	}
	return cases
}

// TestPrettyGolden pins pretty mode's output byte for byte, so that a
// change in how it is produced (or in the library) shows.
func TestPrettyGolden(t *testing.T) {
	t.Parallel()
	var got bytes.Buffer
	for _, in := range prettyGoldenInputs() {
		got.WriteString(strconv.Quote(in) + "\t" + strconv.Quote(string(prettyText([]byte(in)))) + "\n")
	}
	if *update {
		if err := os.WriteFile(goldenPretty, got.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(goldenPretty)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(got.Bytes(), want) {
		return
	}
	gotLines, wantLines := strings.Split(got.String(), "\n"), strings.Split(string(want), "\n")
	for i := range min(len(gotLines), len(wantLines)) {
		if gotLines[i] != wantLines[i] {
			t.Fatalf("%s:%d:\n got %s\nwant %s", goldenPretty, i+1, gotLines[i], wantLines[i])
		}
	}
	t.Fatalf("%s: %d lines, want %d", goldenPretty, len(gotLines), len(wantLines))
}

// TestPrettyGoldenFile checks the file's own shape: every line two quoted
// strings, and JSON inputs printed on more than one line somewhere.
func TestPrettyGoldenFile(t *testing.T) {
	t.Parallel()
	f, err := os.Open(goldenPretty)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	indented := 0
	for sc.Scan() {
		in, out, ok := strings.Cut(sc.Text(), "\t")
		if !ok {
			t.Fatalf("line %q: no tab", sc.Text())
		}
		if _, err := strconv.Unquote(in); err != nil {
			t.Fatalf("input %s: %v", in, err)
		}
		o, err := strconv.Unquote(out)
		if err != nil {
			t.Fatalf("output %s: %v", out, err)
		}
		if strings.Count(o, "\n") > 1 {
			indented++
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if indented < 50 {
		t.Errorf("only %d cases are indented: the file pins too little", indented)
	}
}
