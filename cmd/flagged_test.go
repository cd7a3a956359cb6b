package cmd

import (
	"context"
	"testing"

	"github.com/urfave/cli/v3"
)

// TestFlaggedReadsAsUrfave checks the index against urfave/cli's own
// look-ups, for every kind of flag wsx reads, set or not, given by name
// or alias, on a command and on the root above it.
func TestFlaggedReadsAsUrfave(t *testing.T) {
	names := []string{"text", "t", "switch", "s", "number", "n", "list", "l", "unset", "off", "none", "root", "r", "missing"}
	var checked int
	sub := &cli.Command{
		Name: "sub",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "text", Aliases: []string{"t"}},
			&cli.BoolFlag{Name: "switch", Aliases: []string{"s"}},
			&cli.IntFlag{Name: "number", Aliases: []string{"n"}, Value: 7},
			&cli.StringSliceFlag{Name: "list", Aliases: []string{"l"}},
			&cli.StringFlag{Name: "unset", Value: "default"},
			&cli.BoolFlag{Name: "off"},
			&cli.StringSliceFlag{Name: "none"},
		},
		Action: func(_ context.Context, c *cli.Command) error {
			f := indexed(c)
			for _, n := range names {
				if f.String(n) != c.String(n) || f.Bool(n) != c.Bool(n) || f.Int(n) != c.Int(n) || f.IsSet(n) != c.IsSet(n) ||
					len(f.StringSlice(n)) != len(c.StringSlice(n)) {
					t.Errorf("%s: index says %q %v %d %v %q; urfave/cli says %q %v %d %v %q", n,
						f.String(n), f.Bool(n), f.Int(n), f.IsSet(n), f.StringSlice(n),
						c.String(n), c.Bool(n), c.Int(n), c.IsSet(n), c.StringSlice(n))
				}
				checked++
			}
			return nil
		},
	}
	root := &cli.Command{
		Name:     "wsx",
		Flags:    []cli.Flag{&cli.StringFlag{Name: "root", Aliases: []string{"r"}}},
		Commands: []*cli.Command{sub},
	}
	args := []string{"wsx", "--root=up", "sub", "--text=hi", "-s", "--number=3", "-l", "a", "--list=b", "--"}
	if err := root.Run(context.Background(), args); err != nil {
		t.Fatal(err)
	}
	if checked != len(names) {
		t.Fatalf("the action compared %d names, want %d", checked, len(names))
	}
}

// TestProgressDecision: the meter is on when stderr is a terminal and -q is
// not given, unless --progress or --no-progress says otherwise.
func TestProgressDecision(t *testing.T) {
	for _, c := range []struct {
		tty  bool
		args []string
		want bool
	}{
		{true, nil, true},
		{true, []string{"-q"}, false},
		{true, []string{"--no-progress"}, false},
		{false, nil, false},
		{false, []string{"--progress"}, true},
		{false, []string{"--progress", "-q"}, true},
	} {
		cmd := &cli.Command{
			Name:  "send",
			Flags: append(outputFlags(), &cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}}),
			Action: func(_ context.Context, cc *cli.Command) error {
				got, err := progress(indexed(cc), &Env{StderrTTY: c.tty})
				if err != nil || got != c.want {
					t.Errorf("stderr a terminal %v, %q: %v, %v; want %v", c.tty, c.args, got, err, c.want)
				}
				return nil
			},
		}
		if err := cmd.Run(context.Background(), append([]string{"send"}, c.args...)); err != nil {
			t.Fatal(err)
		}
	}
}
