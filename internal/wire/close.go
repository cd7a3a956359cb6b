package wire

import (
	"fmt"
	"unicode/utf8"

	"github.com/wsx-cli/wsx/closecodes"
)

// CloseFrame is the server's close frame exactly as it came off the wire.
type CloseFrame struct {
	HasCode bool   // false for an empty close payload
	Code    uint16 // valid only when HasCode
	Reason  []byte // raw bytes, possibly invalid UTF-8 or longer than allowed
	Short   bool   // the payload was one byte long: a protocol violation
	RSV     byte   // reserved bits set in its header (4 is RSV1): a violation
	// Fragmented: the frame had no FIN bit, and control frames are never
	// fragmented: a violation.
	Fragmented bool
}

// Violation says how the close frame broke RFC 6455, or "".
func (f *CloseFrame) Violation() string {
	code := closecodes.Code(f.Code)
	switch {
	case f.RSV != 0:
		return "the close frame has " + rsvNames(f.RSV) + " set"
	case f.Fragmented:
		return "the close frame has no FIN bit: control frames are never fragmented"
	case f.Short:
		return "a close payload of 1 byte has no room for a code"
	case f.HasCode && code.NeverOnWire():
		return fmt.Sprintf("close code %d must never be sent", f.Code)
	case f.HasCode && code == closecodes.Reserved:
		return "close code 1004 is reserved"
	case f.HasCode && !code.Sendable():
		return fmt.Sprintf("close code %d is not a valid close code", f.Code)
	case !utf8.Valid(f.Reason):
		return "the close reason is not valid UTF-8"
	case len(f.Reason) > 123:
		return fmt.Sprintf("the close reason is %d bytes; at most 123 fit", len(f.Reason))
	}
	return ""
}

// rsvNames names the reserved bits set in rsv: "RSV1", "RSV1 and RSV3".
func rsvNames(rsv byte) string {
	var names []string
	for i, bit := range []byte{4, 2, 1} {
		if rsv&bit != 0 {
			names = append(names, fmt.Sprintf("RSV%d", i+1))
		}
	}
	switch len(names) {
	case 1:
		return names[0]
	case 2:
		return names[0] + " and " + names[1]
	}
	return "RSV1, RSV2 and RSV3"
}
