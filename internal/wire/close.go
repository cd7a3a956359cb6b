package wire

import (
	"fmt"
	"unicode/utf8"

	"github.com/wsx-cli/wsx/closecodes"
)

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
