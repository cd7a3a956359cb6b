package autobahn

// Section 6 of the Autobahn TestSuite, UTF-8 handling: 6.1 to 6.4 from
// autobahntestsuite/autobahntestsuite/case/case6_{1,2,3,4}_*.py, and 6.5
// to 6.23 generated, as there, from the test vectors of
// autobahntestsuite/autobahntestsuite/case/case6_x_x.py
// (createUtf8TestSequences, after Markus Kuhn's UTF-8-test.txt), ported
// below group by group in the same order, so that case 6.N.M is the M-th
// sequence of group N-4.

import (
	"fmt"
	"testing"
	"unicode/utf8"

	"github.com/wsx-cli/wsx/internal/wstest"
)

// utf8Seq is one test sequence: its bytes, and whether they are UTF-8.
type utf8Seq struct {
	valid   bool
	payload string
}

// utf8Group is one group of sequences, a subsection 6.N.
type utf8Group struct {
	name string
	seqs []utf8Seq
}

// kappa is "κόσμε" (case6_x_x.py's vss), also the start of the 6.3 and 6.4 payloads.
const kappa = "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5"

// utf8Groups ports createUtf8TestSequences of case6_x_x.py.
func utf8Groups() []utf8Group {
	yes := func(ps ...string) []utf8Seq {
		var s []utf8Seq
		for _, p := range ps {
			s = append(s, utf8Seq{true, p})
		}
		return s
	}
	no := func(ps ...string) []utf8Seq {
		var s []utf8Seq
		for _, p := range ps {
			s = append(s, utf8Seq{false, p})
		}
		return s
	}
	var gs []utf8Group
	add := func(name string, seqs ...[]utf8Seq) {
		var all []utf8Seq
		for _, s := range seqs {
			all = append(all, s...)
		}
		gs = append(gs, utf8Group{name, all})
	}

	// 1 Some correct UTF-8 text
	add("Some valid UTF-8 sequences", yes("hello\x24world", "hello\xC2\xA2world", "hello\xE2\x82\xACworld", "hello\xF0\xA4\xAD\xA2world", kappa))

	// All prefixes of correct UTF-8 text. The suite asks its incremental
	// validator whether each prefix is valid and ends on a code point;
	// for a prefix of valid UTF-8 that is utf8.ValidString.
	var prefixes []utf8Seq
	for i := 1; i <= len(kappa); i++ {
		prefixes = append(prefixes, utf8Seq{utf8.ValidString(kappa[:i]), kappa[:i]})
	}
	add("All prefixes of a valid UTF-8 string that contains multi-byte code points", prefixes)

	// 2.1 First possible sequence of a certain length
	add("First possible sequence of a certain length", yes("\x00", "\xc2\x80", "\xe0\xa0\x80", "\xf0\x90\x80\x80"))
	add("First possible sequence length 5/6 (invalid codepoints)", no("\xf8\x88\x80\x80\x80", "\xfc\x84\x80\x80\x80\x80"))

	// 2.2 Last possible sequence of a certain length
	add("Last possible sequence of a certain length", yes("\x7f", "\xdf\xbf", "\xef\xbf\xbf", "\xf4\x8f\xbf\xbf"))
	add("Last possible sequence length 4/5/6 (invalid codepoints)", no("\xf7\xbf\xbf\xbf", "\xfb\xbf\xbf\xbf\xbf", "\xfd\xbf\xbf\xbf\xbf\xbf"))

	// 2.3 Other boundary conditions
	add("Other boundary conditions", yes("\xed\x9f\xbf", "\xee\x80\x80", "\xef\xbf\xbd", "\xf4\x8f\xbf\xbf"), no("\xf4\x90\x80\x80"))

	// 3.1 Unexpected continuation bytes; the last: xrange(0x80, 0xbf),
	// 0xbf itself excluded, as there
	var cont []byte
	for i := 0x80; i < 0xbf; i++ {
		cont = append(cont, byte(i))
	}
	add("Unexpected continuation bytes", no("\x80", "\xbf", "\x80\xbf", "\x80\xbf\x80", "\x80\xbf\x80\xbf", "\x80\xbf\x80\xbf\x80", "\x80\xbf\x80\xbf\x80\xbf", string(cont)))

	// 3.2 Lonely start characters, each followed by a space; the upper
	// bounds excluded (xrange), as there
	var lonely []utf8Seq
	for _, r := range [][2]int{{0xc0, 0xdf}, {0xe0, 0xef}, {0xf0, 0xf7}, {0xf8, 0xfb}, {0xfc, 0xfd}} {
		var s []byte
		for i := r[0]; i < r[1]; i++ {
			s = append(s, byte(i), 0x20)
		}
		lonely = append(lonely, utf8Seq{false, string(s)})
	}
	add("Lonely start characters", lonely)

	// 3.3 Sequences with last continuation byte missing
	k := []string{"\xc0", "\xe0\x80", "\xf0\x80\x80", "\xf8\x80\x80\x80", "\xfc\x80\x80\x80\x80",
		"\xdf", "\xef\xbf", "\xf7\xbf\xbf", "\xfb\xbf\xbf\xbf", "\xfd\xbf\xbf\xbf\xbf"}
	add("Sequences with last continuation byte missing", no(k...))

	// 3.4 Concatenation of incomplete sequences
	var all string
	for _, s := range k {
		all += s
	}
	add("Concatenation of incomplete sequences", no(all))

	// 3.5 Impossible bytes
	add("Impossible bytes", no("\xfe", "\xff", "\xfe\xfe\xff\xff"))

	// 4.1 Examples of an overlong ASCII character
	add("Examples of an overlong ASCII character", no("\xc0\xaf", "\xe0\x80\xaf", "\xf0\x80\x80\xaf", "\xf8\x80\x80\x80\xaf", "\xfc\x80\x80\x80\x80\xaf"))

	// 4.2 Maximum overlong sequences
	add("Maximum overlong sequences", no("\xc1\xbf", "\xe0\x9f\xbf", "\xf0\x8f\xbf\xbf", "\xf8\x87\xbf\xbf\xbf", "\xfc\x83\xbf\xbf\xbf\xbf"))

	// 4.3 Overlong representation of the NUL character
	add("Overlong representation of the NUL character", no("\xc0\x80", "\xe0\x80\x80", "\xf0\x80\x80\x80", "\xf8\x80\x80\x80\x80", "\xfc\x80\x80\x80\x80\x80"))

	// 5.1 Single UTF-16 surrogates
	add("Single UTF-16 surrogates", no("\xed\xa0\x80", "\xed\xad\xbf", "\xed\xae\x80", "\xed\xaf\xbf", "\xed\xb0\x80", "\xed\xbe\x80", "\xed\xbf\xbf"))

	// 5.2 Paired UTF-16 surrogates
	add("Paired UTF-16 surrogates", no("\xed\xa0\x80\xed\xb0\x80", "\xed\xa0\x80\xed\xbf\xbf", "\xed\xad\xbf\xed\xb0\x80", "\xed\xad\xbf\xed\xbf\xbf",
		"\xed\xae\x80\xed\xb0\x80", "\xed\xae\x80\xed\xbf\xbf", "\xed\xaf\xbf\xed\xb0\x80", "\xed\xaf\xbf\xed\xbf\xbf"))

	// 5.3 Non-character code points: valid UTF-8 (RFC 3629)
	nonChars := yes("\xef\xbf\xbe", "\xef\xbf\xbf")
	for _, z1 := range []byte{0xf0, 0xf1, 0xf2, 0xf3, 0xf4} {
		for _, z2 := range []byte{0x8f, 0x9f, 0xaf, 0xbf} {
			if z1 == 0xf4 && z2 != 0x8f { // those encode code points over U+10FFFF
				continue
			}
			for _, z3 := range []byte{0xbe, 0xbf} {
				zz := string([]byte{z1, z2, 0xbf, z3})
				if zz != "\xf0\x8f\xbf\xbe" && zz != "\xf0\x8f\xbf\xbf" { // overlong
					nonChars = append(nonChars, utf8Seq{true, zz})
				}
			}
		}
	}
	add("Non-character code points (valid UTF-8)", nonChars)

	// Unicode specials
	add("Unicode specials (i.e. replacement char)", yes("\xef\xbf\xb9", "\xef\xbf\xba", "\xef\xbf\xbb", "\xef\xbf\xbc", "\xef\xbf\xbd", "\xef\xbf\xbe", "\xef\xbf\xbf"))
	return gs
}

// utf8Handling is section 6.
func utf8Handling() []abCase {
	hello := "Hello-\xc2\xb5@\xc3\x9f\xc3\xb6\xc3\xa4\xc3\xbc\xc3\xa0\xc3\xa1-UTF-8!!" // "Hello-µ@ßöäüàá-UTF-8!!"
	hello1, hello2 := "Hello-\xc2\xb5@\xc3\x9f\xc3\xb6\xc3\xa4", "\xc3\xbc\xc3\xa0\xc3\xa1-UTF-8!!"
	// case6_3_1.py: invalid exactly at byte 12 (0xa0, a UTF-16 surrogate)
	invalid := kappa + "\xed\xa0\x80" + "\x65\x64\x69\x74\x65\x64"
	cs := []abCase{
		echo("6.1.1", "\n", nil, send(fr(opText, ""))),
		echo("6.1.2", "\n", nil, send(frag(opText, ""), frag(opCont, ""), fr(opCont, ""))),
		echo("6.1.3", "middle frame payload\n", nil, send(frag(opText, ""), frag(opCont, "middle frame payload"), fr(opCont, ""))),
		echo("6.2.1", hello+"\n", nil, send(message(opText, []byte(hello), 0)...)),
		echo("6.2.2", hello+"\n", nil, send(frag(opText, hello1), fr(opCont, hello2))),
		echo("6.2.3", hello+"\n", nil, send(message(opText, []byte(hello), 1)...)),
		echo("6.2.4", kappa+"\n", nil, send(message(opText, []byte(kappa), 1)...)),
		fail("6.3.1", 1007, "", send(message(opText, []byte(invalid), 0)...)),
		fail("6.3.2", 1007, "", send(message(opText, []byte(invalid), 1)...)),
	}

	// 6.4: fail fast. case6_4_1.py's payload is invalid exactly at byte 12
	// (0x90: F4 90 80 80 would be U+110000). The suite sends the part
	// that makes it invalid and waits; the client must fail the
	// connection then, before the rest is sent.
	p1, p2, p3 := kappa, "\xf4\x90\x80\x80", "\x65\x64\x69\x74\x65\x64"
	p := p1 + p2 + p3
	// 6.4.3, 6.4.4: one frame, its payload in three parts (beginMessage,
	// beginMessageFrame(len), sendMessageFrameData, endMessage); autobahn's
	// beginMessageFrame sets no FIN, and endMessage ends the message with
	// an empty final continuation.
	header := wstest.FrameHeader(false, opText, len(p))
	end := fr(opCont, "")
	cs = append(cs,
		fail("6.4.1", 1007, "",
			send(frag(opText, p1)), send(frag(opCont, p2)), failFast(send(fr(opCont, p3)))),
		fail("6.4.2", 1007, "",
			send(frag(opText, p[:12])), send(frag(opCont, p[12:13])), failFast(send(fr(opCont, p[13:])))),
		fail("6.4.3", 1007, "",
			sendBytes(append(header, p1...)), sendBytes([]byte(p2)), failFast(sendBytes([]byte(p3)), send(end))),
		fail("6.4.4", 1007, "",
			sendBytes(append(header, p[:12]...)), sendBytes([]byte(p[12:13])), failFast(sendBytes([]byte(p[13:])), send(end))),
	)

	// 6.5 to 6.23: case6_x_x.py's onOpen: one unfragmented text message;
	// valid ones come back (and the fuzzer closes), invalid ones fail the
	// connection with 1007
	for i, g := range utf8Groups() {
		for j, s := range g.seqs {
			id := fmt.Sprintf("6.%d.%d", i+5, j+1)
			if s.valid {
				cs = append(cs, echo(id, s.payload+"\n", nil, send(fr(opText, s.payload))))
			} else {
				cs = append(cs, fail(id, 1007, "", send(fr(opText, s.payload))))
			}
		}
	}
	return cs
}

// TestUTF8Vectors checks the port of case6_x_x.py: the number of
// sequences in each group, as the suite numbers its cases 6.5.1 to
// 6.23.7, and that each sequence's validity, as the suite states it,
// agrees with Go's own decoder.
func TestUTF8Vectors(t *testing.T) {
	want := []int{5, 11, 4, 2, 4, 3, 5, 8, 5, 10, 1, 3, 5, 5, 5, 7, 8, 34, 7}
	gs := utf8Groups()
	if len(gs) != len(want) {
		t.Fatalf("%d groups, want %d", len(gs), len(want))
	}
	for i, g := range gs {
		if len(g.seqs) != want[i] {
			t.Errorf("6.%d (%s): %d sequences, want %d", i+5, g.name, len(g.seqs), want[i])
		}
		for j, s := range g.seqs {
			if s.valid != utf8.ValidString(s.payload) {
				t.Errorf("6.%d.%d %x: the suite says valid %v, Go says %v", i+5, j+1, s.payload, s.valid, !s.valid)
			}
		}
	}
}
