package dial

import "testing"

// TestTargetQuerySpace: white space typed in a query is percent-encoded,
// so that the request line stays whole and the URL reads the same again
// (FuzzParseTarget found "00? #" reading back without its space).
func TestTargetQuerySpace(t *testing.T) {
	for raw, want := range map[string]string{
		"ws://h/?a b":                "ws://h/?a%20b",
		"00? #":                      "ws://00/?%20",
		"ws://h/?q=caf\u00e9\u00a0x": "ws://h/?q=caf\u00e9%C2%A0x",
		"ws://h/?plain=1":            "ws://h/?plain=1",
	} {
		tg, err := ParseTarget(raw)
		if err != nil {
			t.Fatalf("ParseTarget(%q): %v", raw, err)
		}
		if got := tg.URL.String(); got != want {
			t.Errorf("ParseTarget(%q) = %q, want %q", raw, got, want)
		}
	}
}
