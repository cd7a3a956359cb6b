package clidoc

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// A Shell is a shell that wsx has a completion script for.
type Shell struct {
	Name string
	Now  string // the command line that loads the script into the running shell
	Keep string // the one that keeps it where the shell looks for completions
	// first is what the script must start with: zsh's #compdef line
	first string
	body  func(*strings.Builder, App)
}

// Shells are the shells that have a completion script. Each script starts
// with how to load it, which wsx completion --help says too.
var Shells = []Shell{
	{
		Name: "bash",
		Now:  "source <(wsx completion bash)",
		Keep: "wsx completion bash > ~/.local/share/bash-completion/completions/wsx",
		body: bash,
	},
	{
		Name:  "zsh",
		Now:   "source <(wsx completion zsh)   # after compinit",
		Keep:  `wsx completion zsh > "${fpath[1]}/_wsx"`,
		first: "#compdef wsx\n",
		body:  zsh,
	},
	{
		Name: "fish",
		Now:  "wsx completion fish | source",
		Keep: "wsx completion fish > ~/.config/fish/completions/wsx.fish",
		body: fish,
	},
	{
		Name: "powershell",
		Now:  "wsx completion powershell | Out-String | Invoke-Expression",
		Keep: "wsx completion powershell >> $PROFILE",
		body: powerShell,
	},
}

// FindShell is the shell called name.
func FindShell(name string) (Shell, bool) {
	i := slices.IndexFunc(Shells, func(s Shell) bool { return s.Name == name })
	if i < 0 {
		return Shell{}, false
	}
	return Shells[i], true
}

// Script is the shell's completion script.
func (s Shell) Script(app App) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s# %s completion for wsx\n#   load it now:  %s\n#   keep it:      %s\n\n", s.first, s.Name, s.Now, s.Keep)
	s.body(&b, app)
	return b.String()
}

// bash writes the bash script.
func bash(b *strings.Builder, app App) {
	var names, top []string // top: what may stand first, a command or a flag of the program's
	for _, c := range app.Commands {
		names = append(names, c.Name)
	}
	top = append(top, names...)
	for _, f := range withHelp(app.Flags) {
		top = append(top, f.names()...)
	}
	b.WriteString(`# _wsx_atfile completes @FILE in $1, a file whose contents are the value: the
# file names after the @, a directory's with a / to go on into it.
_wsx_atfile() {
	[[ $1 == @* ]] || return
	local f
	while IFS= read -r f; do
		[[ -d $f ]] && f+=/
		COMPREPLY+=("@$f")
	done < <(compgen -f -- "${1#@}")
	if [[ ${#COMPREPLY[@]} == 1 && ${COMPREPLY[0]} == */ ]]; then
		compopt -o nospace
	fi
}

# bash splits the line at COMP_WORDBREAKS, : = and @ among them: _wsx reads
# the word being completed and the one before it from the line itself, split
# at white space as wsx's arguments are, and cuts the replies back to the
# part of the word that bash replaces: what follows its last word break, but
# for @ and $, which bash leaves in the word it replaces.
_wsx() {
	local line=${COMP_LINE:0:COMP_POINT} cur prev breaks=${COMP_WORDBREAKS//[@\$]/}
	cur=${line##*[[:space:]]}
	line=${line%"$cur"}
	line=${line%"${line##*[![:space:]]}"}
	prev=${line##*[[:space:]]}
	COMPREPLY=()
	__wsx_complete
	local cut=${cur%"${cur##*[$breaks]}"}
	if [[ -n $cut ]]; then
		COMPREPLY=("${COMPREPLY[@]#"$cut"}")
	fi
}

# __wsx_complete fills COMPREPLY for cur, after prev.
__wsx_complete() {
	local cmd="" i
	for ((i = 1; i < COMP_CWORD; i++)); do
		case ${COMP_WORDS[i]} in
		` + strings.Join(names, "|") + `)
			cmd=${COMP_WORDS[i]}
			break
			;;
		esac
	done
	case $cmd in
	"")
		mapfile -t COMPREPLY < <(compgen -W "` + strings.Join(top, " ") + `" -- "$cur")
		;;
`)
	for _, c := range app.Commands {
		fmt.Fprintf(b, "\t%s)\n\t\tcase $prev in\n", c.Name)
		var words []string
		names := map[valueKind][]string{} // the flags that complete their values alike
		for _, f := range withHelp(c.Flags) {
			words = append(words, f.names()...)
			switch k := f.value(); k {
			case noValue:
			case choiceValue:
				bashArm(b, f.names(), "mapfile -t COMPREPLY < <(compgen -W "+strconv.Quote(strings.Join(f.Choices, " "))+` -- "$cur")`)
			default:
				names[k] = append(names[k], f.names()...)
			}
		}
		bashArm(b, names[fileValue], "compopt -o filenames\n\t\t\tmapfile -t COMPREPLY < <(compgen -f -- \"$cur\")")
		bashArm(b, names[atFileValue], `_wsx_atfile "$cur"`)
		bashArm(b, names[openValue], "") // a value nobody can guess: offer nothing
		b.WriteString("\t\tesac\n\t\tif [[ $cur == -* ]]; then\n")
		fmt.Fprintf(b, "\t\t\tmapfile -t COMPREPLY < <(compgen -W %q -- \"$cur\")\n", strings.Join(words, " "))
		switch {
		case c.Choices != nil:
			fmt.Fprintf(b, "\t\telse\n\t\t\tmapfile -t COMPREPLY < <(compgen -W %q -- \"$cur\")\n", strings.Join(c.Choices, " "))
		case c.AtFileArgs:
			b.WriteString("\t\telse\n\t\t\t_wsx_atfile \"$cur\"\n")
		}
		b.WriteString("\t\tfi\n\t\t;;\n")
	}
	b.WriteString("\tesac\n}\ncomplete -F _wsx wsx\n")
}

// bashArm is the arm of a case $prev that completes the value of the flags
// spelt names with body, then returns; none when there are no such flags.
func bashArm(b *strings.Builder, names []string, body string) {
	if len(names) == 0 {
		return
	}
	fmt.Fprintf(b, "\t\t%s)\n", strings.Join(names, "|"))
	if body != "" {
		b.WriteString("\t\t\t" + body + "\n")
	}
	b.WriteString("\t\t\treturn\n\t\t\t;;\n")
}

// zsh writes the zsh script, for compinit or for source.
func zsh(b *strings.Builder, app App) {
	b.WriteString(`# _wsx_value stands for a value that no list holds and says what it is, but
# not for a word that starts with a dash: that may be a flag, and a message
# would keep zsh from putting in the one flag it matched.
_wsx_value() {
	[[ $PREFIX == -* ]] || _message -e "$descr"
}

# _wsx_atfile completes @FILE, a file whose contents are the value: the file
# names after the @.
_wsx_atfile() {
	if compset -P @; then
		_files "$@"
	else
		_wsx_value
	fi
}

_wsx() {
	local -a commands
	commands=(
`)
	for _, c := range app.Commands {
		fmt.Fprintf(b, "\t\t%s\n", zshQuote(c.Name+":"+c.Usage))
	}
	b.WriteString("\t)\n\tif (( CURRENT == 2 )); then\n\t\tif [[ $PREFIX == -* ]]; then\n\t\t\t_values 'flag'")
	for _, f := range withHelp(app.Flags) {
		for _, n := range f.names() {
			b.WriteString(" " + zshQuote(n+zshHelp(f.Usage)))
		}
	}
	b.WriteString(`
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
	for _, c := range app.Commands {
		fmt.Fprintf(b, "\t%s)\n\t\t_arguments -s -S", c.Name)
		for _, f := range withHelp(c.Flags) {
			fmt.Fprintf(b, " \\\n\t\t\t%s", zshFlagSpec(f))
		}
		switch {
		case c.Choices != nil: // completion's, the one command with them: the shells
			fmt.Fprintf(b, " \\\n\t\t\t%s", zshQuote("1:shell:("+strings.Join(c.Choices, " ")+")"))
		case c.ArgsUsage != "":
			// one spec for every argument, with a single colon: _arguments
			// goes on completing flags after the URL, as wsx takes them
			action := "_wsx_value"
			if c.AtFileArgs {
				action = "_wsx_atfile"
			}
			fmt.Fprintf(b, " \\\n\t\t\t%s", zshQuote("*:"+zshMessage(c.ArgsUsage)+":"+action))
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
}

// zshFlagSpec is one _arguments spec: '(-f --format)'{-f,--format}'[...]:format:(a b)'.
func zshFlagSpec(f Flag) string {
	desc := zshHelp(f.Usage)
	switch f.value() {
	case choiceValue:
		desc += ":" + zshMessage(f.Arg) + ":(" + strings.Join(f.Choices, " ") + ")"
	case fileValue:
		desc += ":file:_files"
	case atFileValue:
		desc += ":" + zshMessage(f.Arg) + ":_wsx_atfile"
	case openValue:
		desc += ":" + zshMessage(f.Arg) + ": "
	}
	names := f.names()
	prefix := "(" + strings.Join(names, " ") + ")"
	if f.Repeatable {
		prefix = "*"
	}
	if len(names) == 1 {
		return zshQuote(prefix + names[0] + desc)
	}
	return zshQuote(prefix) + "{" + strings.Join(names, ",") + "}" + zshQuote(desc)
}

// zshHelp is a flag's help as _arguments and _values take it: [help].
func zshHelp(usage string) string {
	return "[" + strings.NewReplacer(`\`, `\\`, "[", `\[`, "]", `\]`).Replace(usage) + "]"
}

// zshMessage makes a placeholder safe between an _arguments spec's colons.
func zshMessage(s string) string {
	return strings.NewReplacer(":", `\:`, "'", "", "|", " or ").Replace(s)
}

func zshQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// fish writes the fish script.
func fish(b *strings.Builder, app App) {
	b.WriteString(`complete -c wsx -f

# __wsx_atfile completes @FILE, a file whose contents are the value: the file
# names after the @, in a flag's value (-H@F, --header=@F) too.
function __wsx_atfile
	set -l word (string replace -r -- '^-[^@]*' '' (commandline -ct))
	string match -q -- '@*' $word; or return
	__fish_complete_path (string sub -s 2 -- $word) | string replace -r '^' @
end

`)
	for _, f := range withHelp(app.Flags) {
		fishFlag(b, "__fish_use_subcommand", f)
	}
	for _, c := range app.Commands {
		fmt.Fprintf(b, "complete -c wsx -n __fish_use_subcommand -a %s -d %s\n", c.Name, fishQuote(c.Usage))
	}
	for _, c := range app.Commands {
		cond := fishQuote("__fish_seen_subcommand_from " + c.Name)
		for _, f := range withHelp(c.Flags) {
			fishFlag(b, cond, f)
		}
		switch {
		case c.Choices != nil:
			fmt.Fprintf(b, "complete -c wsx -n %s -x -a %s\n", cond, fishQuote(strings.Join(c.Choices, " ")))
		case c.AtFileArgs:
			fmt.Fprintf(b, "complete -c wsx -n %s -a '(__wsx_atfile)'\n", cond)
		}
	}
}

// fishFlag is the complete line of a flag where cond holds.
func fishFlag(b *strings.Builder, cond string, f Flag) {
	fmt.Fprintf(b, "complete -c wsx -n %s", cond)
	if f.Short != "" {
		fmt.Fprintf(b, " -s %s", f.Short)
	}
	if f.Long != "" {
		fmt.Fprintf(b, " -l %s", f.Long)
	}
	switch f.value() {
	case choiceValue:
		fmt.Fprintf(b, " -x -a %s", fishQuote(strings.Join(f.Choices, " ")))
	case fileValue:
		b.WriteString(" -r -F")
	case atFileValue:
		b.WriteString(" -x -a '(__wsx_atfile)'")
	case openValue:
		b.WriteString(" -x")
	}
	fmt.Fprintf(b, " -d %s\n", fishQuote(f.Usage))
}

func fishQuote(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, "'", `\'`).Replace(s) + "'"
}

// powerShell writes PowerShell's script: a native command's argument
// completer that holds each command's flags and what completes their values.
func powerShell(b *strings.Builder, app App) {
	b.WriteString(`Register-ArgumentCompleter -Native -CommandName wsx -ScriptBlock {
	param($wordToComplete, $commandAst, $cursorPosition)

	# Each command's summary, its flags (their names, their help, and what
	# completes their values: choice, file, atfile or open), the only words its
	# arguments may be, and whether they may be @FILE.
	$program = @{
		Flags = @(
`)
	for _, f := range withHelp(app.Flags) {
		b.WriteString("\t\t\t" + psFlag(f) + "\n")
	}
	b.WriteString("\t\t)\n\t}\n\t$commands = [ordered]@{\n")
	for _, c := range app.Commands {
		fmt.Fprintf(b, "\t\t%s = @{\n\t\t\tTip = %s\n\t\t\tFlags = @(\n", psQuote(c.Name), psQuote(cmp.Or(c.Usage, c.Name)))
		for _, f := range withHelp(c.Flags) {
			b.WriteString("\t\t\t\t" + psFlag(f) + "\n")
		}
		fmt.Fprintf(b, "\t\t\t)\n\t\t\tChoices = %s\n\t\t\tAtFile = $%t\n\t\t}\n", psList(c.Choices), c.AtFileArgs)
	}
	b.WriteString(`	}

	# completion is one result: the text put in, and the help shown with it.
	function completion([string]$text, [string]$tip, $type = 'ParameterValue') {
		[System.Management.Automation.CompletionResult]::new($text, $text, $type, $tip)
	}
	# atFiles completes @FILE, a file whose contents are the value: the file
	# names after the @, a directory's with a / to go on into it. A bare @
	# splats a variable, so a name is put in quoted, '@NAME', and the word
	# may start with @, '@, "@ or a backquoted @.
	function atFiles([string]$word) {
		if ($word -notmatch '^[\x60''"]?@') {
			return
		}
		$path = $word -replace '^[\x60''"]?@|[''"]$', ''
		$dir = $path -replace '[^/\\]*$', ''
		$leaf = $path.Substring($dir.Length)
		$in = if ($dir) { $dir } else { '.' }
		Get-ChildItem -LiteralPath $in -Force -ErrorAction Ignore |
			Where-Object { $_.Name.StartsWith($leaf, [System.StringComparison]::OrdinalIgnoreCase) } |
			ForEach-Object {
				$file = $dir + $_.Name
				$kind = 'ProviderItem'
				if ($_.PSIsContainer) {
					$file += '/'
					$kind = 'ProviderContainer'
				}
				[System.Management.Automation.CompletionResult]::new("'@" + $file.Replace("'", "''") + "'", '@' + $file, $kind, $_.FullName)
			}
	}

	# the words before the one being completed, and the command among them
	$words = @($commandAst.CommandElements | Where-Object { $_.Extent.EndOffset -lt $cursorPosition } | ForEach-Object { $_.Extent.Text })
	$name = $words | Select-Object -Skip 1 | Where-Object { $commands.Contains($_) } | Select-Object -First 1
	$cmd = if ($name) { $commands[$name] } else { $program }
	$word = $wordToComplete
	# -ccontains: -h is not -H
	$flag = $cmd.Flags | Where-Object { $_.Names -ccontains $words[-1] } | Select-Object -First 1
	if ($flag -and $flag.Value) {
		# nothing for an open value, and PowerShell offers file names
		switch ($flag.Value) {
			'choice' { $flag.Choices | Where-Object { $_.StartsWith($word) } | ForEach-Object { completion $_ $_ } }
			'file' { [System.Management.Automation.CompletionCompleters]::CompleteFilename($word) }
			'atfile' { atFiles $word }
		}
		return
	}
	if ($word.StartsWith('-')) {
		foreach ($f in $cmd.Flags) {
			$f.Names | Where-Object { $_.StartsWith($word) } | ForEach-Object { completion $_ $f.Tip 'ParameterName' }
		}
	} elseif (-not $name) {
		$commands.Keys | Where-Object { $_.StartsWith($word) } | ForEach-Object { completion $_ $commands[$_].Tip }
	} elseif ($cmd.Choices) {
		$cmd.Choices | Where-Object { $_.StartsWith($word) } | ForEach-Object { completion $_ $_ }
	} elseif ($cmd.AtFile) {
		atFiles $word
	}
}
`)
}

// psFlag is a flag in PowerShell's script: a hashtable on one line.
func psFlag(f Flag) string {
	s := "@{ Names = " + psList(f.names()) + "; Tip = " + psQuote(cmp.Or(f.Usage, f.names()[0])) + "; Value = '" + string(f.value()) + "'"
	if f.Choices != nil {
		s += "; Choices = " + psList(f.Choices)
	}
	return s + " }"
}

// psList is an array of words in PowerShell: @('a', 'b').
func psList(words []string) string {
	quoted := make([]string, len(words))
	for i, w := range words {
		quoted[i] = psQuote(w)
	}
	return "@(" + strings.Join(quoted, ", ") + ")"
}

// psQuote is s in a single-quoted PowerShell string, in which a quote is
// doubled; PowerShell takes the typographic single quotes for one too.
func psQuote(s string) string {
	var b strings.Builder
	b.WriteByte('\'')
	for _, r := range s {
		if strings.ContainsRune(psSingleQuotes, r) {
			b.WriteRune(r)
		}
		b.WriteRune(r)
	}
	b.WriteByte('\'')
	return b.String()
}

// psSingleQuotes are the runes that open and close a single-quoted string.
const psSingleQuotes = "'\u2018\u2019\u201a\u201b"

// withHelp is a command's flags and the help flag, in a new slice.
func withHelp(flags []Flag) []Flag { return append(slices.Clip(flags), helpFlag) }
