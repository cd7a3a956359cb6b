package wire

import (
	"encoding/binary"
	"testing"
)

// encodeHeader writes a frame header as RFC 6455 §5.2 lays it out: the
// 7-bit length, or 126 and 16 bits, or 127 and 64 bits, then the mask key
// when masked. minimal picks the shortest form; otherwise the 64-bit one.
func encodeHeader(first byte, n uint64, masked, minimal bool, key [4]byte) []byte {
	h := []byte{first, 0}
	switch {
	case minimal && n < 126:
		h[1] = byte(n)
	case minimal && n <= 0xffff:
		h[1] = 126
		h = binary.BigEndian.AppendUint16(h, uint16(n))
	default:
		h[1] = 127
		h = binary.BigEndian.AppendUint64(h, n)
	}
	if masked {
		h[1] |= 0x80
		h = append(h, key[:]...)
	}
	return h
}

// FuzzHeader: the tap and the coalescer follow frames by these two
// functions. For any header written as RFC 6455 lays it out, HeaderLen
// gives its length from its second byte alone and PayloadLen gives back the
// payload length, whatever the first byte and the mask key; for any bytes
// at all, HeaderLen is one of the six lengths a header can have, and
// PayloadLen reads only the length field.
func FuzzHeader(f *testing.F) {
	f.Add(byte(0x81), uint64(5), false, true, []byte{0x81, 0x05})
	f.Add(byte(0x88), uint64(125), true, true, []byte{0x88, 0xfd, 1, 2, 3, 4})
	f.Add(byte(0x82), uint64(126), false, true, []byte{0x82, 0x7e, 0, 126})
	f.Add(byte(0x02), uint64(65536), true, true, []byte{0x82, 0xff, 0, 0, 0, 0, 0, 1, 0, 0, 9, 9, 9, 9})
	f.Add(byte(0x01), uint64(3), false, false, []byte{0x01})
	f.Add(byte(0xff), uint64(1<<63), true, true, []byte{})
	f.Fuzz(func(t *testing.T, first byte, n uint64, masked, minimal bool, raw []byte) {
		h := encodeHeader(first, n, masked, minimal, [4]byte{1, 2, 3, 4})
		if got := HeaderLen(h[1]); got != len(h) {
			t.Fatalf("HeaderLen(%#02x) = %d for the header % x", h[1], got, h)
		}
		if got := PayloadLen(h); got != n {
			t.Fatalf("PayloadLen(% x) = %d, want %d", h, got, n)
		}
		if len(raw) < 2 {
			return
		}
		need := HeaderLen(raw[1])
		switch need {
		case 2, 4, 10, 6, 8, 14:
		default:
			t.Fatalf("HeaderLen(%#02x) = %d", raw[1], need)
		}
		if len(raw) < need {
			return
		}
		want := PayloadLen(raw[:need])
		changed := append([]byte(nil), raw...) // the bytes that are not the length
		changed[0] ^= 0xff
		keyStart := need
		if raw[1]&0x80 != 0 {
			keyStart = need - 4
		}
		for i := keyStart; i < len(changed); i++ {
			changed[i] ^= 0xff
		}
		if PayloadLen(changed) != want || PayloadLen(raw) != want {
			t.Fatalf("PayloadLen(% x) reads more than the length field of its %d header bytes", raw, need)
		}
		if l := raw[1] & 0x7f; l < 126 && want != uint64(l) || l == 126 && want > 0xffff {
			t.Fatalf("PayloadLen(% x) = %d, out of its length field's range", raw[:need], want)
		}
	})
}
