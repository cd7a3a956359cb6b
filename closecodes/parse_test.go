package closecodes

import (
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode"
)

func TestParse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want Code
	}{
		// numbers: every one 0–65535 is accepted
		{"1008", PolicyViolation},
		{"0", 0},
		{"4001", 4001},
		{"65535", 65535},
		{" 1000 ", NormalClosure},
		{"+1000", NormalClosure},
		{"01008", PolicyViolation},
		// spellings of a name
		{"policy-violation", PolicyViolation},
		{"PolicyViolation", PolicyViolation},
		{"policy_violation", PolicyViolation},
		{"policy violation", PolicyViolation},
		{"POLICY_VIOLATION", PolicyViolation},
		{"ClosePolicyViolation", PolicyViolation},
		{"close-policy-violation", PolicyViolation},
		{"StatusPolicyViolation", PolicyViolation},
		{"TLSHandshake", TLSHandshake},
		{"CloseTLSHandshake", TLSHandshake},
		{"CloseInternalServerErr", InternalError},
		{"CloseInvalidFramePayloadData", InvalidPayload},
		{"StatusNoStatusRcvd", NoStatusReceived},
		{"Mandatory Ext.", MandatoryExtension},
		// unambiguous prefixes
		{"policy", PolicyViolation},
		{"normal", NormalClosure},
		{"tls", TLSHandshake},
		{"abnormal", AbnormalClosure},
		{"going", GoingAway},
		{"unauth", Unauthorized},
		// aliases
		{"no-status", NoStatusReceived},
		{"nostatusrcvd", NoStatusReceived},
		{"no-status-rcvd", NoStatusReceived},
		{"mandatory-ext", MandatoryExtension},
		{"invalid-frame-payload-data", InvalidPayload},
		{"unsupported", UnsupportedData},
		{"too-big", MessageTooBig},
		{"restart", ServiceRestart},
		{"try-again", TryAgainLater},
		{"internal-server-error", InternalError},
		{"server-error", InternalError},
	}
	for _, tt := range tests {
		got, err := Parse(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("Parse(%q) = %d, %v; want %d", tt.in, got, err, tt.want)
		}
	}
}

func TestParseEverySlugAndNumber(t *testing.T) {
	t.Parallel()
	for _, row := range Table() {
		for _, in := range []string{row.Code.Slug(), row.Name, strings.ToUpper(row.Name)} {
			if got, err := Parse(in); err != nil || got != row.Code {
				t.Errorf("Parse(%q) = %d, %v; want %d", in, got, err, row.Code)
			}
		}
	}
	for n := 0; n <= 65535; n++ {
		if got, err := Parse(strconv.Itoa(n)); err != nil || got != Code(n) {
			t.Fatalf("Parse(%q) = %d, %v", strconv.Itoa(n), got, err)
		}
	}
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"":                  `empty close code`,
		"   ":               `empty close code`,
		"-1":                `close code "-1" out of range 0-65535`,
		"65536":             `close code "65536" out of range 0-65535`,
		"70000":             `close code "70000" out of range 0-65535`,
		"99999999999999999": `close code "99999999999999999" out of range 0-65535`,
		"foo":               `unknown close code "foo"`,
		"10a":               `unknown close code "10a"`,
		"-":                 `unknown close code "-"`,
		"close":             `unknown close code "close"`,
		"private-use":       `unknown close code "private-use"`,
		"policy!":           `unknown close code "policy!"`,
		"t":                 `ambiguous close code "t": timeout, tls-handshake, try-again-later`,
		"p":                 `ambiguous close code "p": policy-violation, protocol-error`,
		"no":                `ambiguous close code "no": no-status-received, normal-closure`,
	}
	for in, want := range tests {
		got, err := Parse(in)
		if err == nil || err.Error() != want {
			t.Errorf("Parse(%q) = %d, %v; want error %q", in, got, err, want)
		}
	}
}

func TestSearch(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want []Code
	}{
		{"1008", []Code{PolicyViolation}},
		{"4001", []Code{4001}},
		{"policy", []Code{PolicyViolation}},
		{"too", []Code{MessageTooBig}},
		{"ClosePolicyViolation", []Code{PolicyViolation}},
		{"reserved", []Code{Reserved}},
		{"restart", []Code{ServiceRestart}},
		{"error", []Code{ProtocolError, InternalError}},
		{"normal", []Code{NormalClosure, AbnormalClosure}},
		{"closure", []Code{NormalClosure, AbnormalClosure}},
		{"ext", []Code{MandatoryExtension}},
		{"gate", []Code{BadGateway}},
		{"t", []Code{ProtocolError, UnsupportedData, NoStatusReceived, InvalidPayload,
			PolicyViolation, MessageTooBig, MandatoryExtension, InternalError, ServiceRestart,
			TryAgainLater, BadGateway, TLSHandshake, Unauthorized, Timeout}},
	}
	for _, tt := range tests {
		got, err := Search(tt.in)
		if err != nil || !slices.Equal(got, tt.want) {
			t.Errorf("Search(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
}

func TestSearchErrors(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"":      `empty close code`,
		"-1":    `close code "-1" out of range 0-65535`,
		"70000": `close code "70000" out of range 0-65535`,
		"foo":   `no close code matches "foo"`,
		"--":    `no close code matches "--"`,
	}
	for in, want := range tests {
		got, err := Search(in)
		if err == nil || err.Error() != want {
			t.Errorf("Search(%q) = %v, %v; want error %q", in, got, err, want)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"", "0", "1000", "1008", "4001", "65535", "65536", "-1", "+7", "70000", "007",
		"policy", "policy-violation", "ClosePolicyViolation", "POLICY_VIOLATION", "t", "no",
		"too-big", "nostatusrcvd", "close", "status", " tls ", "foo", "\n", "polícy", "-",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := Parse(s)
		if err != nil {
			checkError(t, s, err)
			return
		}
		if back, err := Parse(strconv.Itoa(int(c))); err != nil || back != c {
			t.Errorf("Parse(%q) = %d, but Parse(%q) = %d, %v", s, c, strconv.Itoa(int(c)), back, err)
		}
		if back, err := Parse(c.Slug()); c.Registered() && (err != nil || back != c) {
			t.Errorf("Parse(%q) = %d, but Parse(%q) = %d, %v", s, c, c.Slug(), back, err)
		}
		if codes, err := Search(s); err != nil || !slices.Contains(codes, c) {
			t.Errorf("Parse(%q) = %d, but Search gives %v, %v", s, c, codes, err)
		}
	})
}

// checkError fails unless err is one non-empty line starting in lower case.
func checkError(t *testing.T, in string, err error) {
	t.Helper()
	msg := err.Error()
	if msg == "" || strings.ContainsAny(msg, "\r\n") || !unicode.IsLower([]rune(msg)[0]) {
		t.Errorf("Parse(%q): bad error message %q", in, msg)
	}
}
