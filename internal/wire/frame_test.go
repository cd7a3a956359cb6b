package wire

import "testing"

func TestHeader(t *testing.T) {
	for _, c := range []struct {
		h       []byte
		hdr     int
		payload uint64
	}{
		{[]byte{0x81, 0x05}, 2, 5},
		{[]byte{0x81, 0x85, 1, 2, 3, 4}, 6, 5},
		{[]byte{0x82, 0x7e, 0x01, 0x00}, 4, 256},
		{[]byte{0x82, 0xfe, 0xff, 0xff, 1, 2, 3, 4}, 8, 65535},
		{[]byte{0x82, 0x7f, 0, 0, 0, 1, 0, 0, 0, 0}, 10, 1 << 32},
		{[]byte{0x82, 0xff, 0, 0, 0, 0, 0, 1, 0, 0, 1, 2, 3, 4}, 14, 1 << 16},
	} {
		if got := HeaderLen(c.h[1]); got != c.hdr {
			t.Errorf("HeaderLen(% x) = %d, want %d", c.h[:2], got, c.hdr)
		}
		if got := PayloadLen(c.h); got != c.payload {
			t.Errorf("PayloadLen(% x) = %d, want %d", c.h, got, c.payload)
		}
	}
}
