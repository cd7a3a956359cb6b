// Package wire is the frame layer under gorilla/websocket: the tap that
// follows the frames a peer sends, the coalescer that gathers the frames wsx
// writes, and the reading of frame headers (RFC 6455 §5.2) they share; and,
// one layer further down, SendQueue, the kernel's count of the bytes written
// that the peer has not acknowledged. It knows frames, not policy; send,
// listen and serve use it directly.
package wire

import "encoding/binary"

// HeaderLen is the length of a frame header, from its second byte.
func HeaderLen(second byte) int {
	n := 2
	switch second & 0x7f {
	case 126:
		n += 2
	case 127:
		n += 8
	}
	if second&0x80 != 0 { // masked
		n += 4
	}
	return n
}

// PayloadLen reads the payload length from a header of at least
// HeaderLen(h[1]) bytes.
func PayloadLen(h []byte) uint64 {
	switch l := h[1] & 0x7f; l {
	case 126:
		return uint64(binary.BigEndian.Uint16(h[2:4]))
	case 127:
		return binary.BigEndian.Uint64(h[2:10])
	default:
		return uint64(l)
	}
}
