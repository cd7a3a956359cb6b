package autobahn

// Section 9 of the Autobahn TestSuite, limits and performance, from
// autobahntestsuite/autobahntestsuite/case/case9_*.py, at the suite's
// real sizes: messages up to 16 MiB (9.1, 9.2), 4 MiB messages in
// fragments of 64 bytes to 4 MiB (9.3, 9.4), 1 MiB messages written in
// chops of 64 to 2048 bytes (9.5, 9.6), and 1000 messages one after
// another, each sent once the one before is back (9.7, 9.8). The suite's
// fuzzer closes with 1000 once the echo is in; here once wsx has printed
// it. wsx's default --max-size (64 MiB) admits them all.

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// limitsLimit bounds each wait of a section 9 case (the suite gives these
// cases 10 to 1000 s).
const limitsLimit = 60 * time.Second

func TestAutobahnLimits(t *testing.T) {
	runCases(t, limits())
}

// limits is section 9. Each case is made when it runs: all of them at
// once would hold about half a GiB.
func limits() []abCase {
	var cs []abCase
	add := func(id string, build func() abCase) {
		cs = append(cs, abCase{id: id, limit: limitsLimit, build: build})
	}
	textMsg := func(payload []byte, steps ...step) abCase {
		return echo("", string(payload)+"\n", nil, steps...)
	}
	binMsg := func(payload []byte, steps ...step) abCase {
		return asBinary(echo("", binaryOut(payload), nil, steps...))
	}
	// 9.1, 9.2: one message of 64 KiB to 16 MiB, in one frame
	// (case9_1_*.py: "BAsd7&jh23" repeated; case9_2_*.py: 00 fe 23 fa f0 repeated)
	sizes := []int{64 << 10, 256 << 10, 1 << 20, 4 << 20, 8 << 20, 16 << 20}
	for i, n := range sizes {
		add(fmt.Sprintf("9.1.%d", i+1), func() abCase {
			p := repeatTo("BAsd7&jh23", n)
			return textMsg(p, send(frame(true, 0, opText, p)))
		})
	}
	for i, n := range sizes {
		add(fmt.Sprintf("9.2.%d", i+1), func() abCase {
			p := repeatTo("\x00\xfe\x23\xfa\xf0", n)
			return binMsg(p, send(frame(true, 0, opBinary, p)))
		})
	}
	// 9.3, 9.4: 4 MiB in fragments of 64 bytes to 4 MiB (sendMessage with
	// fragmentSize, written at once); 9.4.1's payload is 0xfe, the rest
	// of 9.4 repeats "*" as 9.3 does (case9_4_2.py .. case9_4_9.py)
	frags := []int{64, 256, 1 << 10, 4 << 10, 16 << 10, 64 << 10, 256 << 10, 1 << 20, 4 << 20}
	for i, f := range frags {
		add(fmt.Sprintf("9.3.%d", i+1), func() abCase {
			p := []byte(strings.Repeat("*", 4<<20))
			return textMsg(p, send(message(opText, p, f)...))
		})
	}
	for i, f := range frags {
		add(fmt.Sprintf("9.4.%d", i+1), func() abCase {
			b := "*"
			if i == 0 {
				b = "\xfe"
			}
			p := []byte(strings.Repeat(b, 4<<20))
			return binMsg(p, send(message(opBinary, p, f)...))
		})
	}
	// 9.5, 9.6: 1 MiB in one frame, written in chops of 64 to 2048 bytes
	chops := []int{64, 128, 256, 512, 1024, 2048}
	for i, c := range chops {
		add(fmt.Sprintf("9.5.%d", i+1), func() abCase {
			p := repeatTo("BAsd7&jh23", 1<<20)
			return textMsg(p, sendChops(c, frame(true, 0, opText, p)))
		})
	}
	for i, c := range chops {
		add(fmt.Sprintf("9.6.%d", i+1), func() abCase {
			p := repeatTo("\x00\xfe\x23\xfa\xf0", 1<<20)
			return binMsg(p, sendChops(c, frame(true, 0, opBinary, p)))
		})
	}
	// 9.7, 9.8 (case9_7_X.py): 1000 messages of 0 to 4096 bytes, each
	// sent once the one before is back (printed)
	lens := []int{0, 16, 64, 256, 1024, 4096}
	for _, bin := range []bool{false, true} {
		for i, n := range lens {
			id := fmt.Sprintf("9.7.%d", i+1)
			if bin {
				id = fmt.Sprintf("9.8.%d", i+1)
			}
			add(id, func() abCase { return roundTrips(bin, n, 1000) })
		}
	}
	return cs
}

// roundTrips sends count messages of n bytes, each once wsx has printed
// the one before, as case9_7_X.py sends each once its echo is in.
func roundTrips(bin bool, n, count int) abCase {
	op, b := byte(opText), "*"
	if bin {
		op, b = opBinary, "\xfe"
	}
	p := []byte(strings.Repeat(b, n))
	var steps []step
	var out strings.Builder
	for k := 1; k <= count; k++ {
		steps = append(steps, send(frame(true, 0, op, p)), awaitLines(k))
		if bin {
			out.WriteString(binaryOut(p))
		} else {
			out.Write(p)
			out.WriteByte('\n')
		}
	}
	c := echo("", out.String(), nil, steps...)
	if bin {
		c = asBinary(c)
	}
	return c
}
