package autobahn

// Sections 1 to 5 and 7 of the Autobahn TestSuite, from
// autobahntestsuite/autobahntestsuite/case/case{1,2,3,4,5,7}_*.py
// (github.com/crossbario/autobahn-testsuite, b8a5120d905e): each case's
// frames as its onOpen sends them, its expected events and expectedClose
// translated as harness_test.go says.

import (
	"encoding/base64"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/wsx-cli/wsx/internal/wstest"
)

// What wsx's stderr must say.
var (
	reNormal   = regexp.MustCompile(`closed by server: 1000 \(normal closure\)`)
	reProtocol = regexp.MustCompile(`broke the protocol|protocol violation`)
	reRSV      = regexp.MustCompile(`(?i)reserved bits|\brsv`)
	reUTF8     = regexp.MustCompile(`not valid UTF-8`)
)

// echo is a case whose fuzzer sends, waits for its messages and pongs to
// come back, then closes with 1000 (closedByMe, requireClean): wsx prints
// out, answers the pings, echoes the close and exits 0.
func echo(id, out string, pongs []string, steps ...step) abCase {
	return abCase{id: id, steps: append(steps, closeWhenDone()), out: out, pongs: pongs,
		closes: []int{1000}, exit: 0, stderr: []*regexp.Regexp{reNormal}}
}

// fail is a case that expects the client to fail the connection
// (closedByMe false) with code: wsx prints out (what came before the
// violation), sends a close frame with code, and exits 5.
func fail(id string, code int, out string, steps ...step) abCase {
	re := reProtocol
	if code == 1007 {
		re = reUTF8
	}
	return abCase{id: id, steps: steps, out: out, closes: []int{code}, exit: 5, stderr: []*regexp.Regexp{re}}
}

// serverCloses is a case whose fuzzer closes itself among its frames
// (suppressClose: the steps hold the close): wsx answers with one of
// closes and exits with exit.
func serverCloses(id string, closes []int, exit int, stderr *regexp.Regexp, steps ...step) abCase {
	return abCase{id: id, steps: steps, closes: closes, exit: exit, stderr: []*regexp.Regexp{stderr}}
}

// binaryOut is how wsx prints binary messages with --binary-as base64:
// one base64 line each.
func binaryOut(payloads ...[]byte) string {
	var b strings.Builder
	for _, p := range payloads {
		b.WriteString(base64.StdEncoding.EncodeToString(p))
		b.WriteByte('\n')
	}
	return b.String()
}

// asBinary makes a case print binary messages one base64 line each.
func asBinary(c abCase) abCase {
	c.flags = append(c.flags, "--binary-as", "base64")
	return c
}

// withStderr adds what wsx's stderr must also say.
func withStderr(c abCase, re *regexp.Regexp) abCase {
	c.stderr = append(c.stderr, re)
	return c
}

// frag is a frame that is not final, without RSV bits.
func frag(op byte, payload string) []byte { return frame(false, 0, op, []byte(payload)) }

const (
	opText   = wstest.OpText
	opBinary = wstest.OpBinary
	opCont   = wstest.OpCont
	opClose  = wstest.OpClose
	opPing   = wstest.OpPing
	opPong   = wstest.OpPong
)

func TestAutobahn(t *testing.T) {
	var cases []abCase
	for _, section := range [][]abCase{framing(), pings(), reservedBits(), opcodes(), fragmentation(), utf8Handling(), closeHandling()} {
		cases = append(cases, section...)
	}
	runCases(t, cases)
}

// framing is section 1: text (1.1) and binary (1.2) messages of sizes
// around the length encodings, the last sent in chops of 997 octets.
func framing() []abCase {
	var cs []abCase
	sizes := []int{0, 125, 126, 127, 128, 65535, 65536} // case1_1_1.py .. case1_1_7.py
	for i, n := range sizes {
		p := strings.Repeat("*", n)
		cs = append(cs, echo(fmt.Sprintf("1.1.%d", i+1), p+"\n", nil, send(fr(opText, p))))
	}
	p := strings.Repeat("*", 65536)
	cs = append(cs, echo("1.1.8", p+"\n", nil, sendChops(997, fr(opText, p))))
	for i, n := range sizes { // case1_2_1.py .. case1_2_7.py
		p := strings.Repeat("\xfe", n)
		cs = append(cs, asBinary(echo(fmt.Sprintf("1.2.%d", i+1), binaryOut([]byte(p)), nil, send(fr(opBinary, p)))))
	}
	p = strings.Repeat("\xfe", 65536)
	cs = append(cs, asBinary(echo("1.2.8", binaryOut([]byte(p)), nil, sendChops(997, fr(opBinary, p)))))
	return cs
}

// pings is section 2: pings answered by pongs with the same payload,
// unsolicited pongs ignored, a ping over 125 octets failing the connection.
func pings() []abCase {
	bin := "\x00\xff\xfe\xfd\xfc\xfb\x00\xff"
	fe125 := strings.Repeat("\xfe", 125)
	cs := []abCase{
		echo("2.1", "", []string{""}, send(fr(opPing, ""))),
		echo("2.2", "", []string{"Hello, world!"}, send(fr(opPing, "Hello, world!"))),
		echo("2.3", "", []string{bin}, send(fr(opPing, bin))),
		echo("2.4", "", []string{fe125}, send(fr(opPing, fe125))),
		fail("2.5", 1002, "", send(fr(opPing, strings.Repeat("\xfe", 126)))),
		echo("2.6", "", []string{fe125}, sendChops(1, fr(opPing, fe125))),
		serverCloses("2.7", []int{1000}, 0, reNormal, send(fr(opPong, ""), closeFrame(1000, ""))),
		serverCloses("2.8", []int{1000}, 0, reNormal, send(fr(opPong, "unsolicited pong payload"), closeFrame(1000, ""))),
		echo("2.9", "", []string{"ping payload"}, send(fr(opPong, "unsolicited pong payload"), fr(opPing, "ping payload"))),
	}
	var ps []string
	var frames [][]byte
	for i := range 10 {
		p := fmt.Sprintf("payload-%d", i)
		ps = append(ps, p)
		frames = append(frames, fr(opPing, p))
	}
	cs = append(cs,
		echo("2.10", "", ps, send(frames...)),
		echo("2.11", "", ps, sendChops(1, frames...)))
	return cs
}

// reservedBits is section 3: frames with RSV bits set, which no extension
// was negotiated for, fail the connection with 1002.
func reservedBits() []abCase {
	hello := "Hello, world!"
	bin := "\x00\xff\xfe\xfd\xfc\xfb\x00\xff"
	cs := []abCase{
		fail("3.1", 1002, "", send(frame(true, 1, opText, []byte(hello)))),
		fail("3.2", 1002, hello+"\n", send(fr(opText, hello), frame(true, 2, opText, []byte(hello)), fr(opPing, ""))),
		fail("3.3", 1002, hello+"\n", sendSync(fr(opText, hello), frame(true, 3, opText, []byte(hello)), fr(opPing, ""))),
		fail("3.4", 1002, hello+"\n", sendChops(1, fr(opText, hello), frame(true, 4, opText, []byte(hello)), fr(opPing, ""))),
		fail("3.5", 1002, "", send(frame(true, 5, opBinary, []byte(bin)))),
		// case3_6.py describes a ping but sends opcode 2: taken as sent
		fail("3.6", 1002, "", send(frame(true, 6, opBinary, []byte(hello)))),
		fail("3.7", 1002, "", send(frame(true, 7, opClose, nil))),
	}
	for i := range cs {
		cs[i] = withStderr(cs[i], reRSV)
	}
	return cs
}

// opcodes is section 4: reserved non-control (4.1) and control (4.2)
// opcodes fail the connection with 1002; a message before them is
// printed, a ping after them is not answered.
func opcodes() []abCase {
	hello := "Hello, world!"
	var cs []abCase
	for _, s := range []struct {
		sub string
		ops [5]byte
	}{{"4.1", [5]byte{3, 4, 5, 6, 7}}, {"4.2", [5]byte{11, 12, 13, 14, 15}}} {
		ops := s.ops
		cs = append(cs,
			fail(s.sub+".1", 1002, "", send(fr(ops[0], ""))),
			fail(s.sub+".2", 1002, "", send(fr(ops[1], "reserved opcode payload"))),
			fail(s.sub+".3", 1002, hello+"\n", send(fr(opText, hello), fr(ops[2], ""), fr(opPing, ""))),
			fail(s.sub+".4", 1002, hello+"\n", send(fr(opText, hello), fr(ops[3], hello), fr(opPing, ""))),
			fail(s.sub+".5", 1002, hello+"\n", sendChops(1, fr(opText, hello), fr(ops[4], hello), fr(opPing, ""))))
	}
	return cs
}

// fragmentation is section 5: fragmented control frames, fragmented text
// with pings in between, continuations with nothing to continue.
func fragmentation() []abCase {
	ping := "ping payload"
	cs := []abCase{
		fail("5.1", 1002, "", send(frag(opPing, "fragment1"), fr(opCont, "fragment2"))),
		fail("5.2", 1002, "", send(frag(opPong, "fragment1"), fr(opCont, "fragment2"))),
		echo("5.3", "fragment1fragment2\n", nil, send(frag(opText, "fragment1"), fr(opCont, "fragment2"))),
		echo("5.4", "fragment1fragment2\n", nil, sendSync(frag(opText, "fragment1"), fr(opCont, "fragment2"))),
		echo("5.5", "fragment1fragment2\n", nil, sendChops(1, frag(opText, "fragment1"), fr(opCont, "fragment2"))),
		echo("5.6", "fragment1fragment2\n", []string{ping}, send(frag(opText, "fragment1"), fr(opPing, ping), fr(opCont, "fragment2"))),
		echo("5.7", "fragment1fragment2\n", []string{ping}, sendSync(frag(opText, "fragment1"), fr(opPing, ping), fr(opCont, "fragment2"))),
		echo("5.8", "fragment1fragment2\n", []string{ping}, sendChops(1, frag(opText, "fragment1"), fr(opPing, ping), fr(opCont, "fragment2"))),
	}
	// 5.9 to 5.14: a continuation (final, then not) with nothing to
	// continue, then a text message; in one chop, frame-wise, octet-wise
	for i, fin := range []bool{true, false} {
		frames := [][]byte{frame(fin, 0, opCont, []byte("non-continuation payload")), fr(opText, "Hello, world!")}
		n := 9 + 3*i
		cs = append(cs,
			fail(fmt.Sprintf("5.%d", n), 1002, "", send(frames...)),
			fail(fmt.Sprintf("5.%d", n+1), 1002, "", sendSync(frames...)),
			fail(fmt.Sprintf("5.%d", n+2), 1002, "", sendChops(1, frames...)))
	}
	twice := func(first []byte) step {
		var frames [][]byte
		for range 2 {
			frames = append(frames, first, frag(opText, "fragment2"), fr(opCont, "fragment3"))
		}
		return send(frames...)
	}
	cs = append(cs,
		fail("5.15", 1002, "fragment1fragment2\n",
			send(frag(opText, "fragment1"), fr(opCont, "fragment2"), frag(opCont, "fragment3"), fr(opText, "fragment4"))),
		fail("5.16", 1002, "", twice(frag(opCont, "fragment1"))),
		fail("5.17", 1002, "", twice(fr(opCont, "fragment1"))),
		fail("5.18", 1002, "", send(frag(opText, "fragment1"), fr(opText, "fragment2"))))
	// 5.19, 5.20: the suite waits 1 s after the first ping; here the server
	// waits for its pong instead (bounded), which is what the case expects:
	// the first ping answered before the message is complete.
	for i, write := range []func(...[]byte) step{send, sendSync} {
		cs = append(cs, echo(fmt.Sprintf("5.%d", 19+i), "fragment1fragment2fragment3fragment4fragment5\n", []string{"pongme 1!", "pongme 2!"},
			write(frag(opText, "fragment1"), frag(opCont, "fragment2"), fr(opPing, "pongme 1!")),
			awaitPongs(1),
			write(frag(opCont, "fragment3"), frag(opCont, "fragment4"), fr(opPing, "pongme 2!"), fr(opCont, "fragment5"))))
	}
	return cs
}

// closeHandling is section 7: closes by the server with frames after them,
// close payloads of every length, valid and invalid close codes.
func closeHandling() []abCase {
	normal := closeFrame(1000, "")
	big := string(repeatTo("BAsd7&jh23", 256<<10))
	// case7_5_1.py: the reason is not UTF-8 (a UTF-16 surrogate)
	badReason := "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xed\xa0\x80\x65\x64\x69\x74\x65\x64"
	cs := []abCase{
		echo("7.1.1", "Hello World!\n", nil, send(fr(opText, "Hello World!"))),
		// frames after the server's close: ignored, the close answered
		serverCloses("7.1.2", []int{1000}, 0, reNormal, send(normal, fr(opClose, ""))),
		serverCloses("7.1.3", []int{1000}, 0, reNormal, send(normal, fr(opPing, ""))),
		serverCloses("7.1.4", []int{1000}, 0, reNormal, send(normal, fr(opText, "Hello World!"))),
		serverCloses("7.1.5", []int{1000}, 0, reNormal, send(frag(opText, "fragment1"), normal, fr(opCont, "fragment2"))),
		// informational in the suite (the echo may be cut by the close); a
		// client that reads in order prints both messages: that is required
		func() abCase {
			c := serverCloses("7.1.6", []int{1000}, 0, reNormal, send(fr(opText, big), fr(opText, "Hello World!"), normal, fr(opPing, "")))
			c.out = big + "\n" + "Hello World!\n"
			return c
		}(),
		// an empty close: the suite takes an empty answer or 1000; wsx
		// reports 1005, which is outside the default --expect-close (exit 5)
		serverCloses("7.3.1", []int{1005, 1000}, 5, regexp.MustCompile(`closed by server: 1005`), send(fr(opClose, ""))),
		withDrop(serverCloses("7.3.2", []int{1002}, 5, reProtocol, send(fr(opClose, "a")))),
		serverCloses("7.3.3", []int{1000}, 0, reNormal, send(normal)),
		serverCloses("7.3.4", []int{1000}, 0, reNormal, send(closeFrame(1000, "Hello World!"))),
		serverCloses("7.3.5", []int{1000}, 0, reNormal, send(closeFrame(1000, strings.Repeat("*", 123)))),
		withDrop(serverCloses("7.3.6", []int{1002}, 5, reProtocol, send(closeFrame(1000, strings.Repeat("*", 124))))),
		withDrop(serverCloses("7.5.1", []int{1002, 1007}, 5, reProtocol, send(closeFrame(1000, badReason)))),
	}
	// case7_7_X.py: valid codes, answered with 1000 or the same code; the
	// exit status is wsx's rule: 0 for the default --expect-close (1000,
	// 1001), 5 for any other code
	for i, code := range []int{1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 3999, 4000, 4999} {
		exit := 5
		if code == 1000 || code == 1001 {
			exit = 0
		}
		cs = append(cs, serverCloses(fmt.Sprintf("7.7.%d", i+1), []int{1000, code}, exit,
			regexp.MustCompile(fmt.Sprintf(`closed by server: %d\b`, code)), send(closeFrame(uint16(code), ""))))
	}
	// case7_9_X.py: invalid codes: 1002, or a drop
	for i, code := range []int{0, 999, 1004, 1005, 1006, 1016, 1100, 2000, 2999} {
		cs = append(cs, withDrop(serverCloses(fmt.Sprintf("7.9.%d", i+1), []int{1002}, 5, reProtocol, send(closeFrame(uint16(code), "")))))
	}
	// case7_13_1.py, case7_13_2.py: informational; the suite takes 1000,
	// the code itself or 1002, or a drop; wsx's exit is 5 either way (a
	// code outside the valid ranges is a violation, and outside
	// --expect-close)
	for i, code := range []int{5000, 65535} {
		cs = append(cs, withDrop(serverCloses(fmt.Sprintf("7.13.%d", i+1), []int{1000, code, 1002}, 5, regexp.MustCompile(fmt.Sprintf(`closed by server: %d\b`, code)),
			send(closeFrame(uint16(code), "")))))
	}
	return cs
}

// withDrop lets wsx drop the connection instead of closing, where the case
// says "or drop TCP".
func withDrop(c abCase) abCase {
	c.drop = true
	return c
}
