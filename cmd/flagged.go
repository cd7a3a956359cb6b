package cmd

import "github.com/urfave/cli/v3"

// flagged is the command that runs, with its flags found by name in a map.
// urfave/cli's own look-ups (c.String and the like) walk every flag and
// build each one's list of names on every call: about 1,400 lists, and a
// third of the start of `wsx send` (BenchmarkStartRefused), for the 40
// flags a run reads.
type flagged struct {
	*cli.Command
	byName map[string]cli.Flag
}

// indexed indexes the flags of c and of the commands above it, as
// urfave/cli looks them up: a command's own first.
func indexed(c *cli.Command) flagged {
	byName := map[string]cli.Flag{}
	for _, p := range c.Lineage() {
		for _, f := range p.Flags {
			for _, n := range f.Names() {
				if _, ok := byName[n]; !ok {
					byName[n] = f
				}
			}
		}
	}
	return flagged{Command: c, byName: byName}
}

// value is the value of the flag named name; nil when there is none.
func (c flagged) value(name string) any {
	if f, ok := c.byName[name]; ok {
		return f.Get()
	}
	return nil
}

// String is c.Command.String, found in the index.
func (c flagged) String(name string) string {
	v, _ := c.value(name).(string)
	return v
}

// Bool is c.Command.Bool, found in the index.
func (c flagged) Bool(name string) bool {
	v, _ := c.value(name).(bool)
	return v
}

// Int is c.Command.Int, found in the index.
func (c flagged) Int(name string) int {
	v, _ := c.value(name).(int)
	return v
}

// StringSlice is c.Command.StringSlice, found in the index.
func (c flagged) StringSlice(name string) []string {
	v, _ := c.value(name).([]string)
	return v
}

// IsSet is c.Command.IsSet, found in the index.
func (c flagged) IsSet(name string) bool {
	f, ok := c.byName[name]
	return ok && f.IsSet()
}
