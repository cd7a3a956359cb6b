package closecodes

import (
	"strings"
	"testing"
)

func TestRegisteredCodes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		code     Code
		name     string
		slug     string
		sendable bool
		never    bool
		rng      Range
	}{
		{NormalClosure, "normal closure", "normal-closure", true, false, RangeProtocol},
		{GoingAway, "going away", "going-away", true, false, RangeProtocol},
		{ProtocolError, "protocol error", "protocol-error", true, false, RangeProtocol},
		{UnsupportedData, "unsupported data", "unsupported-data", true, false, RangeProtocol},
		{Reserved, "reserved", "reserved", false, false, RangeProtocol},
		{NoStatusReceived, "no status received", "no-status-received", false, true, RangeProtocol},
		{AbnormalClosure, "abnormal closure", "abnormal-closure", false, true, RangeProtocol},
		{InvalidPayload, "invalid payload data", "invalid-payload-data", true, false, RangeProtocol},
		{PolicyViolation, "policy violation", "policy-violation", true, false, RangeProtocol},
		{MessageTooBig, "message too big", "message-too-big", true, false, RangeProtocol},
		{MandatoryExtension, "mandatory extension", "mandatory-extension", true, false, RangeProtocol},
		{InternalError, "internal error", "internal-error", true, false, RangeProtocol},
		{ServiceRestart, "service restart", "service-restart", true, false, RangeProtocol},
		{TryAgainLater, "try again later", "try-again-later", true, false, RangeProtocol},
		{BadGateway, "bad gateway", "bad-gateway", true, false, RangeProtocol},
		{TLSHandshake, "tls handshake", "tls-handshake", false, true, RangeProtocol},
		{Unauthorized, "unauthorized", "unauthorized", true, false, RangeLibrary},
		{Forbidden, "forbidden", "forbidden", true, false, RangeLibrary},
		{Timeout, "timeout", "timeout", true, false, RangeLibrary},
	}
	for _, tt := range tests {
		c := tt.code
		if got := c.Name(); got != tt.name {
			t.Errorf("Code(%d).Name() = %q, want %q", c, got, tt.name)
		}
		if got := c.Slug(); got != tt.slug {
			t.Errorf("Code(%d).Slug() = %q, want %q", c, got, tt.slug)
		}
		if got := c.Sendable(); got != tt.sendable {
			t.Errorf("Code(%d).Sendable() = %v, want %v", c, got, tt.sendable)
		}
		if got := c.NeverOnWire(); got != tt.never {
			t.Errorf("Code(%d).NeverOnWire() = %v, want %v", c, got, tt.never)
		}
		if got := c.Range(); got != tt.rng {
			t.Errorf("Code(%d).Range() = %v, want %v", c, got, tt.rng)
		}
		if !c.Registered() {
			t.Errorf("Code(%d).Registered() = false", c)
		}
		checkLine(t, c, c.Meaning())
	}
	if len(tests) != len(Table()) {
		t.Errorf("tested %d codes, Table() has %d", len(tests), len(Table()))
	}
}

// checkLine fails unless line is one non-empty line with no final period.
func checkLine(t *testing.T, c Code, line string) {
	t.Helper()
	if line == "" || strings.ContainsAny(line, "\r\n") || strings.HasSuffix(line, ".") {
		t.Errorf("Code(%d).Meaning() = %q, want one line without a final period", c, line)
	}
}

func TestTable(t *testing.T) {
	t.Parallel()
	rows := Table()
	for i, row := range rows {
		if i > 0 && row.Code <= rows[i-1].Code {
			t.Errorf("Table()[%d] = %d, not after %d", i, row.Code, rows[i-1].Code)
		}
		if row.Name != row.Code.Name() || row.Meaning != row.Code.Meaning() {
			t.Errorf("Table()[%d] = %+v, disagrees with the Code's methods", i, row)
		}
		if row.Name != strings.ToLower(row.Name) || row.Ref == "" {
			t.Errorf("Table()[%d] = %+v: want a lower-case name and a reference", i, row)
		}
	}
	rows[0].Name = "changed"
	if NormalClosure.Name() != "normal closure" {
		t.Error("changing Table()'s result changed the table")
	}
}

func TestRanges(t *testing.T) {
	t.Parallel()
	tests := []struct {
		code     Code
		rng      Range
		name     string
		slug     string
		sendable bool
	}{
		{0, RangeUnused, "unused", "unused", false},
		{999, RangeUnused, "unused", "unused", false},
		{1000, RangeProtocol, "normal closure", "normal-closure", true},
		{1015, RangeProtocol, "tls handshake", "tls-handshake", false},
		{1016, RangeReserved, "reserved", "reserved", false},
		{2999, RangeReserved, "reserved", "reserved", false},
		{3000, RangeLibrary, "unauthorized", "unauthorized", true},
		{3001, RangeLibrary, "library/framework", "library-framework", true},
		{3999, RangeLibrary, "library/framework", "library-framework", true},
		{4000, RangePrivate, "private use", "private-use", true},
		{4001, RangePrivate, "private use", "private-use", true},
		{4999, RangePrivate, "private use", "private-use", true},
		{5000, RangeInvalid, "invalid", "invalid", false},
		{65535, RangeInvalid, "invalid", "invalid", false},
	}
	for _, tt := range tests {
		c := tt.code
		if got := c.Range(); got != tt.rng {
			t.Errorf("Code(%d).Range() = %v, want %v", c, got, tt.rng)
		}
		if got := c.Name(); got != tt.name {
			t.Errorf("Code(%d).Name() = %q, want %q", c, got, tt.name)
		}
		if got := c.Slug(); got != tt.slug {
			t.Errorf("Code(%d).Slug() = %q, want %q", c, got, tt.slug)
		}
		if got := c.Sendable(); got != tt.sendable {
			t.Errorf("Code(%d).Sendable() = %v, want %v", c, got, tt.sendable)
		}
		if got := c.NeverOnWire(); got != (c == TLSHandshake) {
			t.Errorf("Code(%d).NeverOnWire() = %v", c, got)
		}
		checkLine(t, c, c.Meaning())
	}
	if got, want := Code(4001).Meaning(), "meaning agreed between client and server"; got != want {
		t.Errorf("Code(4001).Meaning() = %q, want %q", got, want)
	}
}

// TestEveryCode checks the predicates for all 65536 codes against the rules
// written out plainly.
func TestEveryCode(t *testing.T) {
	t.Parallel()
	for n := 0; n <= 65535; n++ {
		c := Code(n)
		registered := n >= 1000 && n <= 1015 || n == 3000 || n == 3003 || n == 3008
		sendable := n >= 1000 && n <= 1003 || n >= 1007 && n <= 1014 || n >= 3000 && n <= 4999
		never := n == 1005 || n == 1006 || n == 1015
		if c.Registered() != registered || c.Sendable() != sendable || c.NeverOnWire() != never {
			t.Errorf("Code(%d): Registered, Sendable, NeverOnWire = %v, %v, %v; want %v, %v, %v", n,
				c.Registered(), c.Sendable(), c.NeverOnWire(), registered, sendable, never)
		}
	}
}

func TestRangeString(t *testing.T) {
	t.Parallel()
	tests := map[Range]string{
		RangeUnused:   "unused",
		RangeProtocol: "protocol",
		RangeReserved: "reserved",
		RangeLibrary:  "library/framework",
		RangePrivate:  "private use",
		RangeInvalid:  "invalid",
		Range(-1):     "Range(-1)",
		Range(6):      "Range(6)",
	}
	for r, want := range tests {
		if got := r.String(); got != want {
			t.Errorf("Range(%d).String() = %q, want %q", int(r), got, want)
		}
	}
}

func TestString(t *testing.T) {
	t.Parallel()
	tests := map[Code]string{
		0:    "0 (unused)",
		1000: "1000 (normal closure)",
		1008: "1008 (policy violation)",
		1014: "1014 (bad gateway)",
		2000: "2000 (reserved)",
		3003: "3003 (forbidden)",
		3500: "3500 (library/framework)",
		4001: "4001 (private use)",
		5000: "5000 (invalid)",
	}
	for c, want := range tests {
		if got := c.String(); got != want {
			t.Errorf("Code(%d).String() = %q, want %q", uint16(c), got, want)
		}
	}
}
