package cmd

import "testing"

func TestClosest(t *testing.T) {
	commands := []string{"connect", "send", "listen", "probe", "serve", "codes", "completion", "man"}
	for typed, want := range map[string]string{
		"conect":  "connect",
		"sned":    "send",
		"lisen":   "listen",
		"serv":    "serve",
		"proble":  "probe",
		"foo":     "", // nothing near: no suggestion
		"connect": "connect",
		"xyzzy":   "",
	} {
		if got := closest(typed, commands); got != want {
			t.Errorf("closest(%q) = %q, want %q", typed, got, want)
		}
	}
	flags := []string{"repeat", "count", "help", "quiet", "header", "n", "q"}
	for typed, want := range map[string]string{"repat": "repeat", "hepl": "help", "cuont": "count", "qiuet": "quiet", "bogus": "", "x": "", "nn": ""} {
		if got := closest(typed, flags); got != want {
			t.Errorf("closest(%q) = %q, want %q", typed, got, want)
		}
	}
}

func TestEditDistance(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want int
	}{
		{"", "", 0}, {"a", "", 1}, {"", "abc", 3}, {"abc", "abc", 0},
		{"conect", "connect", 1}, {"hepl", "help", 1}, {"kitten", "sitting", 3}, {"ab", "ba", 1}, {"ca", "abc", 3},
	} {
		if got := editDistance(c.a, c.b); got != c.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", c.a, c.b, got, c.want)
		}
	}
}
