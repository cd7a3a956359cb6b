package cmd

import (
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"
	"github.com/wsx-cli/wsx/internal/exit"
)

var shells = []string{"bash", "zsh", "fish"}

func completionCommand(env *Env) *cli.Command {
	return &cli.Command{
		Name:      "completion",
		Usage:     "print a shell completion script (bash, zsh or fish)",
		ArgsUsage: "bash|zsh|fish",
		Description: "Load it in the running shell:\n" +
			"  source <(wsx completion bash)      source <(wsx completion zsh)      wsx completion fish | source\n" +
			"or keep it where the shell looks for completions, e.g.\n" +
			"  wsx completion bash > ~/.local/share/bash-completion/completions/wsx\n" +
			"  wsx completion fish > ~/.config/fish/completions/wsx.fish",
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return exit.Usagef("completion takes one shell: bash, zsh or fish").Hint("source <(wsx completion bash)")
			}
			var script string
			switch c.Args().First() {
			case "bash":
				script = bashCompletion(c.App)
			case "zsh":
				script = zshCompletion(c.App)
			case "fish":
				script = fishCompletion(c.App)
			default:
				return exit.Usagef("no completion for shell %q: want bash, zsh or fish", c.Args().First())
			}
			_, err := fmt.Fprint(env.Stdout, script)
			return err
		},
	}
}

// helpFlag is the flag urfave/cli gives every command.
var helpFlag = flagDoc{long: "help", short: "h", usage: "show help"}

func bashCompletion(app *cli.App) string {
	cmds := docCommands(app)
	var names []string
	for _, c := range cmds {
		names = append(names, c.Name)
	}
	var b strings.Builder
	b.WriteString(`# bash completion for wsx
#   load it now:  source <(wsx completion bash)
#   keep it:      wsx completion bash > ~/.local/share/bash-completion/completions/wsx
_wsx() {
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]} cmd="" i
	for ((i = 1; i < COMP_CWORD; i++)); do
		case ${COMP_WORDS[i]} in
		` + strings.Join(names, "|") + `)
			cmd=${COMP_WORDS[i]}
			break
			;;
		esac
	done
	COMPREPLY=()
	case $cmd in
	"")
		mapfile -t COMPREPLY < <(compgen -W "` + strings.Join(names, " ") + ` --help -h --version -V" -- "$cur")
		;;
`)
	for _, c := range cmds {
		flags := append(docFlags(c.Flags), helpFlag)
		fmt.Fprintf(&b, "\t%s)\n\t\tcase $prev in\n", c.Name)
		var words, values []string
		for _, f := range flags {
			words = append(words, f.names()...)
			switch {
			case f.arg == "":
			case f.choices != nil:
				fmt.Fprintf(&b, "\t\t%s)\n\t\t\tmapfile -t COMPREPLY < <(compgen -W %q -- \"$cur\")\n\t\t\treturn\n\t\t\t;;\n",
					strings.Join(f.names(), "|"), strings.Join(f.choices, " "))
			case f.file:
				fmt.Fprintf(&b, "\t\t%s)\n\t\t\tcompopt -o filenames\n\t\t\tmapfile -t COMPREPLY < <(compgen -f -- \"$cur\")\n\t\t\treturn\n\t\t\t;;\n",
					strings.Join(f.names(), "|"))
			default:
				values = append(values, f.names()...)
			}
		}
		if len(values) > 0 { // a value nobody can guess: offer nothing
			fmt.Fprintf(&b, "\t\t%s)\n\t\t\treturn\n\t\t\t;;\n", strings.Join(values, "|"))
		}
		b.WriteString("\t\tesac\n\t\tif [[ $cur == -* ]]; then\n")
		fmt.Fprintf(&b, "\t\t\tmapfile -t COMPREPLY < <(compgen -W %q -- \"$cur\")\n", strings.Join(words, " "))
		if pc := positionalChoices(c); pc != nil {
			b.WriteString("\t\telse\n")
			fmt.Fprintf(&b, "\t\t\tmapfile -t COMPREPLY < <(compgen -W %q -- \"$cur\")\n", strings.Join(pc, " "))
		}
		b.WriteString("\t\tfi\n\t\t;;\n")
	}
	b.WriteString("\tesac\n}\ncomplete -F _wsx wsx\n")
	return b.String()
}

func zshCompletion(app *cli.App) string {
	cmds := docCommands(app)
	var b strings.Builder
	b.WriteString(`#compdef wsx
# zsh completion for wsx
#   load it now:  source <(wsx completion zsh)   (after compinit)
#   keep it:      wsx completion zsh > "${fpath[1]}/_wsx"
_wsx() {
	local -a commands
	commands=(
`)
	for _, c := range cmds {
		fmt.Fprintf(&b, "\t\t%s\n", zshQuote(c.Name+":"+c.Usage))
	}
	b.WriteString(`	)
	if (( CURRENT == 2 )); then
		if [[ $PREFIX == -* ]]; then
			_values 'flag' '--help[show help]' '-h[show help]' '--version[print the version]' '-V[print the version]'
		else
			_describe -t commands 'wsx command' commands
		fi
		return
	fi
	local cmd=${words[2]}
	shift words
	(( CURRENT-- ))
	case $cmd in
`)
	for _, c := range cmds {
		fmt.Fprintf(&b, "\t%s)\n\t\t_arguments -s -S", c.Name)
		for _, f := range append(docFlags(c.Flags), helpFlag) {
			fmt.Fprintf(&b, " \\\n\t\t\t%s", zshFlagSpec(f))
		}
		switch pc := positionalChoices(c); {
		case pc != nil:
			fmt.Fprintf(&b, " \\\n\t\t\t%s", zshQuote("1:shell:("+strings.Join(pc, " ")+")"))
		case c.ArgsUsage != "":
			fmt.Fprintf(&b, " \\\n\t\t\t%s", zshQuote("*::"+zshMessage(c.ArgsUsage)+": "))
		}
		b.WriteString("\n\t\t;;\n")
	}
	b.WriteString(`	esac
}
if [[ ${zsh_eval_context[-1]} == loadautofunc ]]; then
	_wsx "$@"
else
	compdef _wsx wsx
fi
`)
	return b.String()
}

// zshFlagSpec is one _arguments spec: '(-f --format)'{-f,--format}'[...]:format:(a b)'.
func zshFlagSpec(f flagDoc) string {
	desc := "[" + strings.NewReplacer("[", `\[`, "]", `\]`).Replace(f.usage) + "]"
	if f.arg != "" {
		switch {
		case f.choices != nil:
			desc += ":" + zshMessage(f.arg) + ":(" + strings.Join(f.choices, " ") + ")"
		case f.file:
			desc += ":file:_files"
		default:
			desc += ":" + zshMessage(f.arg) + ": "
		}
	}
	names := f.names()
	prefix := "(" + strings.Join(names, " ") + ")"
	if f.repeatable {
		prefix = "*"
	}
	if len(names) == 1 {
		return zshQuote(prefix + names[0] + desc)
	}
	return zshQuote(prefix) + "{" + strings.Join(names, ",") + "}" + zshQuote(desc)
}

// zshMessage makes a placeholder safe between an _arguments spec's colons.
func zshMessage(s string) string {
	return strings.NewReplacer(":", `\:`, "'", "", "|", " or ").Replace(s)
}

func zshQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

func fishCompletion(app *cli.App) string {
	cmds := docCommands(app)
	var b strings.Builder
	b.WriteString(`# fish completion for wsx
#   load it now:  wsx completion fish | source
#   keep it:      wsx completion fish > ~/.config/fish/completions/wsx.fish
complete -c wsx -f
complete -c wsx -n __fish_use_subcommand -s h -l help -d 'show help'
complete -c wsx -n __fish_use_subcommand -s V -l version -d 'print the version'
`)
	for _, c := range cmds {
		fmt.Fprintf(&b, "complete -c wsx -n __fish_use_subcommand -a %s -d %s\n", c.Name, fishQuote(c.Usage))
	}
	for _, c := range cmds {
		cond := fishQuote("__fish_seen_subcommand_from " + c.Name)
		for _, f := range append(docFlags(c.Flags), helpFlag) {
			fmt.Fprintf(&b, "complete -c wsx -n %s", cond)
			if f.short != "" {
				fmt.Fprintf(&b, " -s %s", f.short)
			}
			if f.long != "" {
				fmt.Fprintf(&b, " -l %s", f.long)
			}
			switch {
			case f.arg == "":
			case f.choices != nil:
				fmt.Fprintf(&b, " -x -a %s", fishQuote(strings.Join(f.choices, " ")))
			case f.file:
				b.WriteString(" -r -F")
			default:
				b.WriteString(" -x")
			}
			fmt.Fprintf(&b, " -d %s\n", fishQuote(f.usage))
		}
		if pc := positionalChoices(c); pc != nil {
			fmt.Fprintf(&b, "complete -c wsx -n %s -x -a %s\n", cond, fishQuote(strings.Join(pc, " ")))
		}
	}
	return b.String()
}

func fishQuote(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, "'", `\'`).Replace(s) + "'"
}
