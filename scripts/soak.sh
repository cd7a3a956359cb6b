#!/usr/bin/env bash
# soak.sh: DURATION seconds (default 600) of `wsx connect` sessions against
# servers that behave at random, each run checked against what README.md
# says wsx must do.
#
# A run draws a behaviour and a random input (0-200 numbered lines of 1 B to
# 64 KiB each), starts a `wsx serve` for it (or uses the raw listener), runs
# `wsx connect` under `timeout` and /usr/bin/time, and checks:
#
#   echo             exit 0, stdout == input, "server echoed 1000"
#   close CODE N     the server closes after the N input lines with CODE
#                    (1000 1001 1008 1011 1013 1014 4001), wsx lingers
#                    (--wait): exit 0 for 1000/1001 or a CODE given to
#                    --expect-close, else 5; "closed by server: CODE"
#   drop N           the server drops TCP after N lines: exit 5, 1006
#   no-close-echo    the server never answers wsx's close: exit 0 with
#                    --close-timeout 1s, stdout == input, "no close echo"
#   reject STATUS    401/403/404/503: exit 4, "upgrade refused: HTTP STATUS"
#   raw              a TCP listener that never answers (python3):
#                    exit 3 with --connect-timeout 1s
#
# and, where the server saw the session, that its log counts every line
# (nothing sent was lost). Every run is bounded by `timeout`: a run that hits
# it is a failure. Peak RSS of each wsx run (/usr/bin/time -f %M) is kept,
# and the medians of the first and last tenth of the runs are compared: the
# last must not be more than twice the first.
#
# Usage: DURATION=60 bash scripts/soak.sh    (SOAK_SEED=N repeats a run)
# Prints a summary; exits 1 on any failure, 2 when it cannot run.
set -eu
cd "$(dirname "$0")/.."

DURATION=${DURATION:-600}
SEED=${SOAK_SEED:-$$}
RANDOM=$SEED
PY=${SOAK_PYTHON:-/usr/bin/python3}
BOUND=30 # seconds a run may take before it counts as hung

die() {
	echo "soak: $*" >&2
	exit 2
}
command -v go >/dev/null || die "go is not on PATH"
[ -x /usr/bin/time ] || die "/usr/bin/time is missing (apt-get install time)"
[ -x "$PY" ] || die "$PY is missing"
for tool in timeout cmp awk sort; do
	command -v "$tool" >/dev/null || die "$tool is missing"
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/wsx-soak.XXXXXX") || die "mktemp failed"
raw_pid=
server_pid=
# stop PID: ends a server this script started, and reaps it.
stop() {
	[ -n "$1" ] || return 0
	kill "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
}
cleanup() {
	stop "$server_pid"
	stop "$raw_pid"
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

go build -o "$tmp/wsx" . || die "go build failed"
WSX=$tmp/wsx

# Inputs: 200 numbered lines (so order shows) of each size.
sizes=(1 100 1000 10000 65536)
for size in "${sizes[@]}"; do
	awk -v size="$size" 'BEGIN {
		pad = ""; while (length(pad) < size) pad = pad "x"
		for (i = 1; i <= 200; i++) { s = sprintf("%06d", i); printf "%s%s\n", s, substr(pad, 1, size - length(s)) }
	}' >"$tmp/lines.$size"
done

# wait_url FILE PID: waits (at most 10s) for a server's URL line in FILE.
wait_url() {
	local _
	for _ in $(seq 500); do
		[ -s "$1" ] && return 0
		kill -0 "$2" 2>/dev/null || return 1
		sleep 0.02
	done
	return 1
}

# wait_ended: waits (at most 5s) for the server to log how its connection
# ended, which it may do just after wsx exits.
wait_ended() {
	local _
	for _ in $(seq 250); do
		grep -Eq '^conn 1: (closed|dropped|connection lost|rejected)' "$tmp/serve.log" && return 0
		sleep 0.02
	done
	return 1
}

# The raw listener: accepts, reads and discards, never answers; it closes a
# connection when the client does, so its descriptors do not pile up.
"$PY" -c '
import select, socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(128)
print("ws://127.0.0.1:%d/" % s.getsockname()[1], flush=True)
conns = []
while True:
    ready, _, _ = select.select([s] + conns, [], [])
    for c in ready:
        if c is s:
            conns.append(s.accept()[0])
        elif not c.recv(65536):
            conns.remove(c)
            c.close()
' >"$tmp/raw.url" 2>"$tmp/raw.err" &
raw_pid=$!
wait_url "$tmp/raw.url" "$raw_pid" || die "the raw listener did not start: $(cat "$tmp/raw.err")"
RAW_URL=$(cat "$tmp/raw.url")

codes=(1000 1001 1008 1011 1013 1014 4001)
statuses=(401 403 404 503)
runs=0
failures=0
: >"$tmp/failures"
: >"$tmp/rss"

# fail MESSAGE: records the current run as failed.
fail() {
	failures=$((failures + 1))
	{
		echo "run $runs ($behaviour): $1"
		if [ "$behaviour" = raw ]; then
			echo "  server: the raw listener at $RAW_URL"
		else
			echo "  server: wsx serve 127.0.0.1:0${serve_args[*]+ ${serve_args[*]}}"
		fi
		echo "  client: $lines numbered lines of $size bytes | wsx ${client_args[*]}"
		sed 's/^/  stderr: /' "$tmp/err" | head -5
	} >>"$tmp/failures"
}

# one_run: draws a behaviour and an input, runs wsx, checks the outcome.
one_run() {
	runs=$((runs + 1))
	size=${sizes[RANDOM % ${#sizes[@]}]}
	lines=$((RANDOM % 201))
	head -n "$lines" "$tmp/lines.$size" >"$tmp/in"
	local expect=0 pattern="" url="" code status
	serve_args=()
	client_args=(connect --connect-timeout 5s)
	case $((RANDOM % 6)) in
	0)
		behaviour="echo"
		pattern='^closed by client: 1000 \(normal closure\); server echoed 1000$'
		;;
	1)
		code=${codes[RANDOM % ${#codes[@]}]}
		behaviour="close $code after $lines"
		serve_args=(--close-after "$lines" --close-code "$code" --close-reason soak)
		client_args+=(--wait 10s)
		case $code in 1000 | 1001) ;; *) expect=5 ;; esac
		if [ $((RANDOM % 2)) = 0 ]; then
			client_args+=(--expect-close "$code")
			expect=0
		fi
		pattern="^closed by server: $code "
		;;
	2)
		behaviour="drop after $lines"
		serve_args=(--mode sink --drop-after "$lines")
		client_args+=(--wait 10s)
		expect=5
		pattern='^connection dropped: 1006 \(abnormal closure\), no close frame$'
		;;
	3)
		behaviour=no-close-echo
		serve_args=(--no-close-echo)
		client_args+=(--close-timeout 1s)
		pattern='^closed by client: 1000 \(normal closure\); no close echo from server$'
		;;
	4)
		status=${statuses[RANDOM % ${#statuses[@]}]}
		behaviour="reject $status"
		serve_args=(--reject "$status")
		expect=4
		pattern="^wsx: error: upgrade refused: HTTP $status "
		;;
	5)
		behaviour=raw
		url=$RAW_URL
		client_args=(connect --connect-timeout 1s)
		expect=3
		pattern='^wsx: error: no upgrade response from 127\.0\.0\.1:[0-9]+ within 1s$'
		;;
	esac
	if [ -z "$url" ]; then
		: >"$tmp/serve.url"
		"$WSX" serve 127.0.0.1:0 ${serve_args[@]+"${serve_args[@]}"} </dev/null >"$tmp/serve.url" 2>"$tmp/serve.log" &
		server_pid=$!
		if ! wait_url "$tmp/serve.url" "$server_pid"; then
			fail "wsx serve did not start"
			stop "$server_pid"
			server_pid=
			return
		fi
		url=$(cat "$tmp/serve.url")
	fi
	client_args+=("$url")

	local got=0
	timeout -k 5 "$BOUND" /usr/bin/time -f %M -o "$tmp/time" "$WSX" "${client_args[@]}" \
		<"$tmp/in" >"$tmp/out" 2>"$tmp/err" || got=$?
	if [ -n "$server_pid" ]; then
		[ "$behaviour" = "reject ${status-}" ] || wait_ended || true
		stop "$server_pid"
		server_pid=
	fi
	case $got in
	124 | 137)
		fail "hit the ${BOUND}s bound (exit $got)"
		return
		;;
	esac
	tail -n 1 "$tmp/time" >>"$tmp/rss"
	if [ "$got" != "$expect" ]; then
		fail "exit $got, want $expect"
		return
	fi
	if ! grep -Eq "$pattern" "$tmp/err"; then
		fail "no stderr line matching /$pattern/"
		return
	fi
	case $behaviour in
	echo | no-close-echo)
		if ! cmp -s "$tmp/in" "$tmp/out"; then
			fail "stdout is not the input echoed ($(wc -l <"$tmp/out") of $lines lines)"
			return
		fi
		;;
	esac
	case $behaviour in
	echo | close* | drop* | no-close-echo)
		local s=s
		[ "$lines" = 1 ] && s=
		if ! grep -q "; received $lines message$s, " "$tmp/serve.log"; then
			fail "the server did not count $lines message$s: $(grep -m1 '^conn 1: [cd]' "$tmp/serve.log" || true)"
		fi
		;;
	esac
}

echo "soak: ${DURATION}s of wsx connect against random servers (seed $SEED)"
end=$((SECONDS + DURATION))
while [ "$SECONDS" -lt "$end" ]; do
	one_run
done

# median FILE: the median of the numbers in FILE.
median() {
	sort -n "$1" | awk '{ v[NR] = $1 } END { if (NR == 0) print 0; else if (NR % 2) print v[(NR + 1) / 2]; else print int((v[NR / 2] + v[NR / 2 + 1]) / 2) }'
}
samples=$(wc -l <"$tmp/rss")
tenth=$(((samples + 9) / 10))
head -n "$tenth" "$tmp/rss" >"$tmp/rss.first"
tail -n "$tenth" "$tmp/rss" >"$tmp/rss.last"
first=$(median "$tmp/rss.first")
last=$(median "$tmp/rss.last")
echo "runs: $runs, failures: $failures"
echo "peak RSS (KiB, median): first tenth $first, last tenth $last ($tenth runs each)"
if [ "$first" -gt 0 ] && [ "$last" -gt $((2 * first)) ]; then
	echo "soak: memory grew: the last tenth's median RSS is more than twice the first's"
	failures=$((failures + 1))
fi
if [ "$failures" -gt 0 ]; then
	echo "failures:"
	cat "$tmp/failures"
	exit 1
fi
echo "soak: all runs passed"
