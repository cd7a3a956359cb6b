#!/usr/bin/env bash
# check-no-leftovers.sh: runs a command and fails if any process it started
# is still alive after it returns.
#
# The command runs as the leader of a new session (setsid), so every process
# it starts, however deeply nested, is in that session unless it leaves it
# on purpose. When the command returns, whatever is still in the session is
# a leftover: it is listed (pid and command line), killed, and the check
# fails.
#
# Usage: bash scripts/check-no-leftovers.sh CMD [ARG...]
#   e.g. bash scripts/check-no-leftovers.sh bash scripts/demo.sh >/dev/null
# The command's stdin, stdout and stderr are this script's; the script's own
# messages go to stderr. Exit status: the command's, or 1 when it left
# processes behind, 2 when the check cannot run.
# shellcheck disable=SC2317 # forward is called from the traps
set -u

die() {
	echo "check-no-leftovers: $*" >&2
	exit 2
}
[ $# -gt 0 ] || die "usage: check-no-leftovers.sh CMD [ARG...]"
for tool in setsid ps; do
	command -v "$tool" >/dev/null || die "$tool is missing"
done

sidfile=$(mktemp "${TMPDIR:-/tmp}/check-no-leftovers.XXXXXX") || die "mktemp failed"
sid=
trap 'rm -f "$sidfile"' EXIT

# session: the pids of the processes in the command's session (none once
# its last process has exited and been reaped).
session() { ps -o pid= -s "$sid" | tr -d ' '; }

# The command runs in the background (below), and a background command
# starts with SIGINT and SIGQUIT ignored, which a shell script cannot undo:
# env --default-signal (coreutils 8.31) restores them, so that an interrupt
# forwarded to it works as Ctrl-C would. Without it, an interrupt is
# forwarded as SIGTERM.
restore=()
int=INT
if env "--default-signal=INT,QUIT" true 2>/dev/null; then
	restore=(env "--default-signal=INT,QUIT")
else
	int=TERM
fi

# An interrupt goes to the command's process group (the new session has no
# terminal, so Ctrl-C does not reach it), and the check goes on when the
# command returns.
signalled=0
forward() {
	signalled=1
	[ -n "$sid" ] || sid=$(cat "$sidfile" 2>/dev/null)
	[[ $sid =~ ^[1-9][0-9]*$ ]] && kill -"$1" -- "-$sid" 2>/dev/null
}
trap 'forward "$int"' INT
trap 'forward TERM' TERM

# The wrapper records its own pid, which setsid made the session id, then
# becomes the command. It runs in the background so that the traps above
# run at once; the explicit <&0 keeps the command's stdin (a background
# command's stdin is /dev/null otherwise).
# shellcheck disable=SC2016 # $$ and $@ are the wrapper's
setsid -w ${restore[@]+"${restore[@]}"} bash -c 'echo "$$" >"$1" && shift && exec "$@"' check-no-leftovers "$sidfile" "$@" <&0 &
setsid_pid=$!
while :; do
	signalled=0
	wait "$setsid_pid"
	status=$?
	# A trapped signal ends the wait early; then wait again, for the
	# command's own exit status.
	if [ "$signalled" = 0 ] || ! kill -0 "$setsid_pid" 2>/dev/null; then
		break
	fi
done
sid=$(cat "$sidfile")
[[ $sid =~ ^[1-9][0-9]*$ ]] || die "the command did not start (no session id recorded)"

left=$(session)
if [ -n "$left" ]; then
	# A process that was signalled just before the command returned may
	# still be exiting (and an orphan is reaped by init): give those at
	# most 2 s before calling them leftovers.
	for _ in $(seq 20); do
		sleep 0.1
		left=$(session)
		[ -n "$left" ] || break
	done
fi
[ -z "$left" ] && exit "$status"

{
	printf -v cmdline '%q ' "$@"
	echo "check-no-leftovers: FAIL: \`${cmdline% }\` (exit status $status) left these processes running:"
	ps -o pid=,args= -s "$sid" | sed 's/^/  /'
	echo "check-no-leftovers: killing them"
} >&2
# shellcheck disable=SC2086 # $left is a list of pids
kill -TERM $left 2>/dev/null
for _ in $(seq 20); do
	[ -n "$(session)" ] || break
	sleep 0.1
done
left=$(session)
# shellcheck disable=SC2086
[ -z "$left" ] || kill -KILL $left 2>/dev/null
exit 1
