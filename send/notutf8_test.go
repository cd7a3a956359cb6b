package send

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// NotUTF8 tells text refused for not being UTF-8 (which --binary would
// send) from other refusals: an argument, a file, a file streamed from
// disk and stdin (@-) alike.
func TestNotUTF8(t *testing.T) {
	dir := t.TempDir()
	write := func(name, data string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	bad := write("bad.txt", "ab\xffc")
	big := write("big.txt", strings.Repeat("x", streamAbove+1)+"\xff")
	notJSON := write("notjson.txt", "{")
	for _, c := range []struct {
		name  string
		arg   string
		stdin string
		check Check
		want  bool
	}{
		{"argument", "ab\xffc", "", Check{}, true},
		{"file", "@" + bad, "", Check{}, true},
		{"streamed file", "@" + big, "", Check{}, true},
		{"stdin", "@-", "x\xfe", Check{}, true},
		{"json check too", "@" + bad, "", Check{JSON: true}, true},
		{"not JSON", "@" + notJSON, "", Check{JSON: true}, false},
		{"streamed, not JSON", "@" + big, "", Check{JSON: true, Binary: true}, false},
		{"missing file", "@" + filepath.Join(dir, "missing"), "", Check{}, false},
		{"a directory", "@" + dir, "", Check{}, false},
	} {
		_, err := NewArgs("argument", []string{c.arg}, strings.NewReader(c.stdin), c.check, 1)
		if err == nil || NotUTF8(err) != c.want {
			t.Errorf("%s: NewArgs error %v; NotUTF8 %v, want %v", c.name, err, err != nil && NotUTF8(err), c.want)
		}
	}
	if _, err := NewArgs("argument", []string{"@" + bad}, nil, Check{Binary: true}, 1); err != nil {
		t.Errorf("with --binary: %v", err)
	}
	if NotUTF8(nil) {
		t.Error("NotUTF8(nil)")
	}
}
