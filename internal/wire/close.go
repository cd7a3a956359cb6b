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
}

// Violation says how the close frame broke RFC 6455, or "".
func (f *CloseFrame) Violation() string {
	code := closecodes.Code(f.Code)
	switch {
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
