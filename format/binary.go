package format

import (
	"encoding/base64"
	"encoding/hex"
)

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

// appendHexDump adds the output of hex.Dump(data); an empty message is an
// empty line, so that it is still seen.
func appendHexDump(b, data []byte) []byte {
	if len(data) == 0 {
		return append(b, '\n')
	}
	w := appendWriter{b}
	d := hex.Dumper(&w)
	_, _ = d.Write(data)
	_ = d.Close()
	return w.b
}

// appendWriter is an io.Writer that appends to a byte slice.
type appendWriter struct{ b []byte }

func (w *appendWriter) Write(p []byte) (int, error) {
	w.b = append(w.b, p...)
	return len(p), nil
}
