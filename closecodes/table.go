package closecodes

// Info is one row of the table.
type Info struct {
	Code    Code
	Name    string // lower-case words, e.g. "policy violation"
	Meaning string // one line, no final period
	Ref     string // where the code is defined, e.g. "RFC 6455 §7.4.1" or "IANA"
}

// entry is a row of the table with the other spellings Parse accepts for it.
type entry struct {
	Info
	aliases []string
}

const (
	rfc  = "RFC 6455 §7.4.1"
	iana = "IANA"
)

// table is the one source of truth for names, meanings, references and
// aliases, in ascending order of code.
var table = []entry{
	{Info{NormalClosure, "normal closure",
		"the purpose for which the connection was established has been fulfilled", rfc}, nil},
	{Info{GoingAway, "going away",
		"an endpoint is going away, such as a server going down or a browser leaving the page", rfc}, nil},
	{Info{ProtocolError, "protocol error",
		"an endpoint is terminating the connection due to a protocol error", rfc}, nil},
	{Info{UnsupportedData, "unsupported data",
		"the endpoint received a type of data it cannot accept (e.g. binary when it only understands text)", rfc},
		[]string{"unsupported"}},
	{Info{Reserved, "reserved",
		"reserved; its meaning might be defined in the future, and it must not be sent", rfc}, nil},
	{Info{NoStatusReceived, "no status received",
		"the close frame carried no status code (reported locally, never sent)", rfc},
		[]string{"no-status", "no-status-rcvd"}},
	{Info{AbnormalClosure, "abnormal closure",
		"the connection was lost without a close frame (reported locally, never sent)", rfc}, nil},
	{Info{InvalidPayload, "invalid payload data",
		"the endpoint received data inconsistent with the message type (e.g. invalid UTF-8 in a text message)", rfc},
		[]string{"invalid-frame-payload-data"}},
	{Info{PolicyViolation, "policy violation",
		"the endpoint received a message that violates its policy", rfc}, nil},
	{Info{MessageTooBig, "message too big",
		"the endpoint received a message too big for it to process", rfc},
		[]string{"too-big"}},
	{Info{MandatoryExtension, "mandatory extension",
		"the client needed an extension that the server did not negotiate", rfc},
		[]string{"mandatory-ext"}},
	{Info{InternalError, "internal error",
		"the server met an unexpected condition that prevented it from fulfilling the request", rfc},
		[]string{"internal-server-error", "internal-server-err", "server-error"}},
	{Info{ServiceRestart, "service restart",
		"the server is restarting; the client may reconnect", iana},
		[]string{"restart"}},
	{Info{TryAgainLater, "try again later",
		"the server is temporarily unable to serve (e.g. overloaded); the client may reconnect later", iana},
		[]string{"try-again"}},
	{Info{BadGateway, "bad gateway",
		"the server, acting as a gateway or proxy, received an invalid response from upstream", iana}, nil},
	{Info{TLSHandshake, "tls handshake",
		"the TLS handshake failed, e.g. the certificate could not be verified (reported locally, never sent)", rfc}, nil},
	{Info{Unauthorized, "unauthorized",
		"the endpoint requires authentication (like HTTP 401)", iana}, nil},
	{Info{Forbidden, "forbidden",
		"the endpoint is not allowed to do this (like HTTP 403)", iana}, nil},
	{Info{Timeout, "timeout",
		"the endpoint timed out (like HTTP 408)", iana}, nil},
}

// Table returns every named code in ascending order.
func Table() []Info {
	infos := make([]Info, len(table))
	for i, e := range table {
		infos[i] = e.Info
	}
	return infos
}

// lookup returns the table row for c.
func lookup(c Code) (entry, bool) {
	for _, e := range table {
		if e.Code == c {
			return e, true
		}
	}
	return entry{}, false
}
