package format

import "encoding/base64"

// appendBinary renders a binary message outside jsonl mode: a hex dump, one
// base64 line, or the bytes as received.
func (p *Printer) appendBinary(b, data []byte) []byte {
	switch p.binary {
	case Hex:
		return appendHexDump(b, data)
	case Base64:
		b = base64.StdEncoding.AppendEncode(b, data)
		return append(b, '\n')
	default:
		return append(b, data...)
	}
}

// appendHexDump adds what hex.Dump(data) returns, byte for byte, without
// its many small writes; an empty message is an empty line, so that it is
// still seen. A line is
//
//	00000010  2e 2f 30 31 32 33 34 35  36 37 38 39 3a 3b 3c 3d  |./0123456789:;<=|
//
// with the hex columns of a short last line padded with spaces, and the
// offset, like hex.Dump's, counted in 32 bits.
func appendHexDump(b, data []byte) []byte {
	if len(data) == 0 {
		return append(b, '\n')
	}
	for off := 0; off < len(data); off += 16 {
		line := data[off:min(off+16, len(data))]
		o := uint32(off)
		for shift := 28; shift >= 0; shift -= 4 {
			b = append(b, hexDigits[o>>shift&0xf])
		}
		b = append(b, ' ', ' ')
		for j := range 16 {
			if j < len(line) {
				b = append(b, hexDigits[line[j]>>4], hexDigits[line[j]&0xf], ' ')
			} else {
				b = append(b, ' ', ' ', ' ')
			}
			if j == 7 {
				b = append(b, ' ')
			}
		}
		b = append(b, ' ', '|')
		for _, c := range line {
			if c < 32 || c > 126 {
				c = '.'
			}
			b = append(b, c)
		}
		b = append(b, '|', '\n')
	}
	return b
}
