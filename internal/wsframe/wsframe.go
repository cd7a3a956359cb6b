// Package wsframe reads the header of a WebSocket frame (RFC 6455 §5.2), for
// the parts of wsx that follow frames under gorilla/websocket: the tap that
// reads them and the coalescer that writes them.
package wsframe

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
