// Package closecodes names, classifies and parses WebSocket close status codes
// (RFC 6455 §7.4 and the IANA WebSocket Close Code Number Registry).
package closecodes

import (
	"strconv"
	"strings"
)

// Code is a WebSocket close status code as it appears on the wire (any uint16, valid or not).
type Code uint16

// Registered close codes. The meanings live in the table in table.go.
const (
	NormalClosure      Code = 1000 // RFC 6455 §7.4.1: the connection's purpose was fulfilled
	GoingAway          Code = 1001 // RFC 6455 §7.4.1: server going down, browser leaving the page
	ProtocolError      Code = 1002 // RFC 6455 §7.4.1: protocol error
	UnsupportedData    Code = 1003 // RFC 6455 §7.4.1: a type of data the endpoint cannot accept
	Reserved           Code = 1004 // RFC 6455 §7.4.1: reserved, must not be sent
	NoStatusReceived   Code = 1005 // RFC 6455 §7.4.1: no code in the close frame; never on the wire
	AbnormalClosure    Code = 1006 // RFC 6455 §7.4.1: closed without a close frame; never on the wire
	InvalidPayload     Code = 1007 // RFC 6455 §7.4.1: data inconsistent with the message type
	PolicyViolation    Code = 1008 // RFC 6455 §7.4.1: a message violated the endpoint's policy
	MessageTooBig      Code = 1009 // RFC 6455 §7.4.1: a message too big to process
	MandatoryExtension Code = 1010 // RFC 6455 §7.4.1: the server did not negotiate a required extension
	InternalError      Code = 1011 // RFC 6455 §7.4.1: the server met an unexpected condition
	ServiceRestart     Code = 1012 // IANA: the server is restarting
	TryAgainLater      Code = 1013 // IANA: the server is temporarily overloaded
	BadGateway         Code = 1014 // IANA: a gateway or proxy got an invalid upstream response
	TLSHandshake       Code = 1015 // RFC 6455 §7.4.1: TLS handshake failed; never on the wire
	Unauthorized       Code = 3000 // IANA: authentication required (like HTTP 401)
	Forbidden          Code = 3003 // IANA: not allowed (like HTTP 403)
	Timeout            Code = 3008 // IANA: timed out (like HTTP 408)
)

// Range is a block of close codes that RFC 6455 §7.4.2 assigns one purpose.
type Range int

// The ranges of RFC 6455 §7.4.2, in ascending order.
const (
	RangeUnused   Range = iota // 0–999: not used
	RangeProtocol              // 1000–1015 registered by RFC 6455 / IANA
	RangeReserved              // 1016–2999: reserved for future protocol revisions
	RangeLibrary               // 3000–3999: registered with IANA by libraries and frameworks
	RangePrivate               // 4000–4999: private use, meaning agreed between client and server
	RangeInvalid               // 5000–65535: not valid close codes
)

// rangeInfo describes each Range, indexed by it.
var rangeInfo = [...]struct {
	last          Code // the highest code in the range
	name, meaning string
}{
	RangeUnused:   {999, "unused", "codes below 1000 are not used"},
	RangeProtocol: {1015, "protocol", "defined by the WebSocket protocol"},
	RangeReserved: {2999, "reserved", "reserved for future revisions of the WebSocket protocol and extensions"},
	RangeLibrary:  {3999, "library/framework", "for libraries and frameworks, registered with IANA"},
	RangePrivate:  {4999, "private use", "meaning agreed between client and server"},
	RangeInvalid:  {65535, "invalid", "not a valid close code (above 4999)"},
}

// String returns the range's lower-case name, e.g. "private use".
func (r Range) String() string {
	if r < 0 || int(r) >= len(rangeInfo) {
		return "Range(" + strconv.Itoa(int(r)) + ")"
	}
	return rangeInfo[r].name
}

// slug is the kebab-case spelling of the range's name, e.g. "private-use".
func (r Range) slug() string {
	return strings.NewReplacer(" ", "-", "/", "-").Replace(r.String())
}

// Range returns the block of codes c belongs to.
func (c Code) Range() Range {
	r := RangeUnused
	for c > rangeInfo[r].last {
		r++
	}
	return r
}

// Name returns c's lower-case name, e.g. "policy violation", or its range's
// name ("private use") when c has no name of its own.
func (c Code) Name() string {
	if e, ok := lookup(c); ok {
		return e.Name
	}
	return c.Range().String()
}

// Meaning returns one line, without a final period, saying what c means; for a
// code without a name of its own, what its range is for.
func (c Code) Meaning() string {
	if e, ok := lookup(c); ok {
		return e.Meaning
	}
	return rangeInfo[c.Range()].meaning
}

// Slug returns the kebab-case spelling of c's name, e.g. "policy-violation",
// or of its range's name ("private-use"). JSON output uses it.
func (c Code) Slug() string {
	if e, ok := lookup(c); ok {
		return strings.ReplaceAll(e.Name, " ", "-")
	}
	return c.Range().slug()
}

// String returns c's number and name, e.g. "1008 (policy violation)".
func (c Code) String() string {
	return strconv.Itoa(int(c)) + " (" + c.Name() + ")"
}

// Registered reports whether c has a name of its own (1000–1015, 3000, 3003, 3008).
func (c Code) Registered() bool {
	_, ok := lookup(c)
	return ok
}

// Sendable reports whether an endpoint may put c in a close frame:
// 1000–1003, 1007–1014 and 3000–4999 (RFC 6455 §7.4.1, §7.4.2).
func (c Code) Sendable() bool {
	switch {
	case c >= NormalClosure && c <= UnsupportedData:
		return true
	case c >= InvalidPayload && c <= BadGateway:
		return true
	default:
		return c >= 3000 && c <= 4999
	}
}

// NeverOnWire reports whether c is 1005, 1006 or 1015: codes reserved for
// reporting a close locally that must never appear in a close frame.
func (c Code) NeverOnWire() bool {
	return c == NoStatusReceived || c == AbnormalClosure || c == TLSHandshake
}

// Meaning says what the codes of the range are for.
func (r Range) Meaning() string {
	if r < 0 || int(r) >= len(rangeInfo) {
		return ""
	}
	return rangeInfo[r].meaning
}
