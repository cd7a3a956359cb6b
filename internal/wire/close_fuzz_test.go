package wire

import (
	"bytes"
	"encoding/binary"
	"io"
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/wsx-cli/wsx/closecodes"
	"github.com/wsx-cli/wsx/internal/wstest"
	"github.com/wsx-cli/wsx/send"
)

// A fuzz target for a peer's close frame: the tap keeps it exactly, and
// Violation judges it.

// tapClose passes the upgrade answer and one unmasked close frame with
// payload through a Tap, and returns the frame the tap kept.
func tapClose(t *testing.T, payload []byte) *CloseFrame {
	t.Helper()
	frame := []byte{0x88}
	if n := len(payload); n < 126 {
		frame = append(frame, byte(n))
	} else {
		frame = binary.BigEndian.AppendUint16(append(frame, 126), uint16(n))
	}
	tap := NewTap(wstest.NewScriptConn(slices.Concat([]byte("HTTP/1.1 101 Switching Protocols\r\n\r\n"), frame, payload)))
	if _, err := io.Copy(io.Discard, struct{ io.Reader }{tap}); err != nil {
		t.Fatal(err)
	}
	f := tap.CloseFrame()
	if f == nil {
		t.Fatalf("the tap kept no close frame for the payload %q", payload)
	}
	return f
}

// keptClosePayload is how much of an oversized close payload the tap keeps
// (listen's maxClosePayload): enough to report it, bounded.
const keptClosePayload = 4096

// closeValid is RFC 6455's rule for a close payload (§5.5, §5.5.1, §7.4,
// and the IANA registry for 1012–1014): empty, or a code that may be sent
// and a UTF-8 reason of at most 123 bytes.
func closeValid(payload []byte) bool {
	switch {
	case len(payload) == 0:
		return true
	case len(payload) == 1 || len(payload) > 125:
		return false
	}
	code := binary.BigEndian.Uint16(payload)
	sendable := code >= 1000 && code <= 1003 || code >= 1007 && code <= 1014 || code >= 3000 && code <= 4999
	return sendable && utf8.Valid(payload[2:])
}

// FuzzCloseFrame: the close frame wsx reports is the one the server sent:
// the tap keeps its code and reason as they were (the first 4096 bytes of
// an oversized payload); wsx calls it a protocol
// violation exactly when RFC 6455 does, in one line; and a close payload
// wsx builds itself (send.Payload), read back, is the same code and reason
// and is a violation only when the code may not be sent or the reason is
// not UTF-8.
func FuzzCloseFrame(f *testing.F) {
	for _, s := range []string{
		"", "\x03", "\x03\xe8", "\x03\xe8bye", "\x0f\xa1token expired", "\x03\xee", "\x03\xed", "\x03\xef",
		"\x03\xec", "\x03\xf6", "\x03\xf7", "\x0b\xb8", "\x13\x87", "\x13\x88", "\x00\x00", "\xff\xff",
		"\x03\xe8\xff", "\x03\xe8caf\xc3\xa9", "\x03\xe8" + strings.Repeat("r", 123), "\x03\xe8" + strings.Repeat("r", 124),
	} {
		f.Add([]byte(s), uint16(1000), "")
	}
	f.Add([]byte{}, uint16(1014), "bad gateway")
	f.Add([]byte{}, uint16(4001), strings.Repeat("é", 70))
	f.Add([]byte{}, uint16(1005), "")
	f.Add([]byte{}, uint16(3000), "\xff")
	f.Fuzz(func(t *testing.T, payload []byte, code uint16, reason string) {
		fr := tapClose(t, payload)
		switch {
		case len(payload) == 0 && (fr.HasCode || fr.Short || len(fr.Reason) > 0):
			t.Fatalf("empty payload read as %+v", fr)
		case len(payload) == 1 && (!fr.Short || fr.HasCode):
			t.Fatalf("1-byte payload read as %+v", fr)
		case len(payload) >= 2 && (!fr.HasCode || fr.Code != binary.BigEndian.Uint16(payload) || !bytes.Equal(fr.Reason, payload[2:min(len(payload), keptClosePayload)])):
			t.Fatalf("payload %q read as %+v", payload, fr)
		}
		v := fr.Violation()
		if (v == "") != closeValid(payload) {
			t.Fatalf("payload %q: violation %q, but RFC 6455 says valid %v", payload, v, closeValid(payload))
		}
		if v != "" && (strings.ContainsAny(v, "\r\n") || !unicode.IsLower([]rune(v)[0])) {
			t.Fatalf("violation %q is not one line in lower case", v)
		}

		p := send.Payload(code, true, reason)
		fr = tapClose(t, p)
		if !fr.HasCode || fr.Code != code || !bytes.Equal(fr.Reason, p[2:]) {
			t.Fatalf("send.Payload(%d, %q) = %q, read back as %+v", code, reason, p, fr)
		}
		ok := closecodes.Code(code).Sendable() && utf8.Valid(p[2:])
		if v := fr.Violation(); (v == "") != ok {
			t.Fatalf("wsx's own close %d %q: violation %q", code, p[2:], v)
		}
	})
}
