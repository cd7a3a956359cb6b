#!/usr/bin/env bash
# bench.sh: the performance targets of wsx (README: Performance), measured
# against small gorilla reference programs (scripts/bench/), plain TCP and
# wscat, on loopback.
#
#   bash scripts/bench.sh               # RUNS=7, full-size inputs
#   RUNS=3 bash scripts/bench.sh        # fewer runs
#   QUICK=1 bash scripts/bench.sh       # smoke run: RUNS=2, small inputs
#   WSCAT=0 bash scripts/bench.sh       # without wscat (its checks are skipped)
#
# The groups: lines (100,000 short lines sent; also onewrite and wscat),
# lines1m (1,000,000 short lines sent), large (64 KiB lines sent; also plain
# TCP), start-up (one message and its echo;
# against oneshot, and for scale coalesced, oneshot with wsx's packages
# linked in, and wsx's start + oneshot, the wsx binary that runs oneshot's
# dial and echo after its own start), end (the end of a session),
# receive (1,000,000 short messages received), memory (peak RSS).
#
# Every contender runs RUNS times (start-up and end: 3×RUNS), the contenders
# of a group alternating run by run; the table shows medians. Wall time is
# the client's own, from its start to its exit, measured by rtime
# (scripts/bench/rtime, which also stops it at the time limit); for clients
# of the counting sink it runs from the shell's clock before the run
# (EPOCHREALTIME) to the later of process exit and the end of the
# connection as the server saw it. rtime gives peak RSS and CPU (user+sys,
# to the microsecond) of the client (not of `cat` feeding it); the CPU
# checks compare CPU medians, and for the groups that count messages the
# table also shows CPU per message. Every run checks delivery: the sink's
# message count, crc32c and order, or the count (and order) of the lines
# received; a reference that lost data voids its comparisons. Exit status:
# 0 when every target passes, 1 when one fails, 2 when the harness itself
# cannot run.
# shellcheck disable=SC2317,SC2002 # c_* and cleanup are called indirectly; cat | is a pipe on purpose
set -euo pipefail
export LC_ALL=C
cd "$(dirname "$0")/.."

QUICK=${QUICK:-0}
if [ "$QUICK" = 1 ]; then
	RUNS=${RUNS:-2}
	N_LINES=10000     # seq 1 N
	N_LINES1M=100000  # seq 1 N, the lines1m group
	N_LARGE=100       # lines of 64 KiB
	BIG_SIZE=$((16 << 20))
	HUGE_LINES=$((1 << 20)) # lines of 63 bytes + \n: 64 MiB
	N_BLAST=10000
else
	RUNS=${RUNS:-7}
	N_LINES=100000
	N_LINES1M=1000000
	N_LARGE=4000 # 250 MiB
	BIG_SIZE=$((256 << 20))
	HUGE_LINES=$((16 << 20)) # 1 GiB
	N_BLAST=1000000
fi
MEM_RUNS=${MEM_RUNS:-$RUNS}
STARTUP_RUNS=$((3 * RUNS))
WSCAT=${WSCAT:-1}
TMO=${TMO:-120}          # seconds for any one process
TMO_LONG=${TMO_LONG:-900} # for the 1 GiB relay

die() {
	echo "bench: $*" >&2
	exit 2
}
for tool in go timeout awk; do
	command -v "$tool" >/dev/null || die "$tool is needed"
done
[ "$WSCAT" = 0 ] || command -v npm >/dev/null || die "npm is needed for wscat (or WSCAT=0)"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/wsx-bench.XXXXXX")
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
mkdir -p "$tmp/bin" "$tmp/in" "$tmp/res" "$tmp/log"

# ---------------------------------------------------------------- build

echo "bench: building wsx and the reference programs" >&2
go build -o "$tmp/bin/wsx" . || die "go build of wsx failed"
# the floor of start-up in two steps: oneshot with every package of wsx
# linked in, unused (scripts/bench/oneshot/linked.go); wsx's own start,
# then oneshot's work (cmd/floor.go)
go build -tags benchlinked -o "$tmp/bin/oneshot-linked" ./scripts/bench/oneshot || die "go build -tags benchlinked failed"
go build -tags benchfloor -o "$tmp/bin/wsx-floor" . || die "go build -tags benchfloor failed"
for p in onewrite coalesced oneshot reader tcp server rtime; do
	go build -o "$tmp/bin/$p" "./scripts/bench/$p" || die "go build of scripts/bench/$p failed"
done
WSX=$tmp/bin/wsx
if [ "$WSCAT" != 0 ]; then
	echo "bench: installing wscat@6.1.0 into a temporary npm prefix" >&2
	npm install --prefix "$tmp/npm" --no-audit --no-fund --loglevel=error wscat@6.1.0 >"$tmp/log/npm" 2>&1 ||
		die "npm install wscat@6.1.0 failed (WSCAT=0 skips wscat): $(tail -3 "$tmp/log/npm")"
	WSCAT_BIN=$tmp/npm/node_modules/.bin/wscat
fi

# ---------------------------------------------------------------- inputs

echo "bench: generating inputs in $tmp/in" >&2
seq 1 "$N_LINES" >"$tmp/in/lines"
seq 1 "$N_LINES1M" >"$tmp/in/lines1m"
awk -v n="$N_LARGE" 'BEGIN { for (p = "x"; length(p) < 65535; ) p = p p
	for (i = 1; i <= n; i++) print substr(i p, 1, 65535) }' >"$tmp/in/large"
{ head -c $((BIG_SIZE - 1)) /dev/zero | tr '\0' a; printf z; } >"$tmp/in/big"
awk -v n="$HUGE_LINES" 'BEGIN { for (i = 1; i <= n; i++) printf "%063d\n", i }' >"$tmp/in/huge"
echo hi >"$tmp/in/hi"
sum() { "$tmp/bin/server" -sum; } # the crc32c that the sinks report
SUM_LINES=$(sum <"$tmp/in/lines")
SUM_LINES1M=$(sum <"$tmp/in/lines1m")
SUM_LARGE=$(sum <"$tmp/in/large")
SUM_BIG=$({ cat "$tmp/in/big"; echo; } | sum) # the sink sums message + "\n"
SUM_HUGE=$(sum <"$tmp/in/huge")

# ---------------------------------------------------------------- servers

# wait_line FILE REGEX SECONDS: polls (10 ms steps) until a line matches.
wait_line() {
	local i
	for ((i = 0; i < $3 * 100; i++)); do
		grep -qE "$2" "$1" 2>/dev/null && return 0
		sleep 0.01
	done
	return 1
}

# start NAME CMD...: a server under `timeout`; its first stdout line, its
# URL, goes into STARTED.
start() {
	local name=$1
	shift
	timeout 6h "$@" >"$tmp/$name.out" 2>"$tmp/$name.err" &
	pids+=($!)
	wait_line "$tmp/$name.out" . 10 || die "$name did not start: $(cat "$tmp/$name.err")"
	STARTED=$(head -n1 "$tmp/$name.out")
}
start ws "$tmp/bin/server"
URL=$STARTED
start tcp "$tmp/bin/tcp" -sink
TCP=$STARTED
start quiet2 "$tmp/bin/wsx" serve 127.0.0.1:0 --send one --send two
QUIET2=$STARTED

# The read end of a FIFO that never reaches EOF: wscat exits at stdin EOF.
mkfifo "$tmp/hold" "$tmp/feed"
exec {HOLD}<>"$tmp/hold"

# ---------------------------------------------------------------- measuring

# TIME: rtime writing "user sys peak-RSS wall" into $tmp/rss.
TIME=("$tmp/bin/rtime" -o "$tmp/rss")

# read_time: M_CPU (µs, user+sys), M_RSS (KiB) and M_WALL (µs, the
# client's own) from $tmp/rss; 0 when there is none.
read_time() {
	local u s m w
	read -r u s m w < <(tail -n1 "$tmp/rss" 2>/dev/null) || true
	[[ ${u:-} =~ ^[0-9.]+$ && ${s:-} =~ ^[0-9.]+$ ]] || u=0 s=0
	[[ ${m:-} =~ ^[0-9]+$ ]] || m=0
	[[ ${w:-} =~ ^[0-9]+$ ]] || w=0
	M_WALL=$w
	M_CPU=$(awk -v u="$u" -v s="$s" 'BEGIN { printf "%d", (u + s) * 1000000 + 0.5 }')
	M_RSS=$m
}

# measure STDIN STDOUT TIMEOUT CMD...: runs CMD once. STDIN is a file,
# pipe:FILE (cat FILE | CMD) or hold; STDOUT a file or count:FILE (CMD | wc
# -c > FILE). Sets M_T0, M_T1 (µs since the epoch, by the shell), M_WALL
# (µs, CMD's own), M_CPU (µs), M_RSS (KiB), M_RC.
measure() {
	local in=$1 out=$2 tmo=$3 ps
	shift 3
	local cmd=("${TIME[@]}" -t "$tmo" "$@")
	rm -f "$tmp/rss"
	set +e
	M_T0=${EPOCHREALTIME/./}
	case $in:$out in
	pipe:*) cat "${in#pipe:}" | "${cmd[@]}" >"$out" 2>"$tmp/last.err"; ps=("${PIPESTATUS[@]}"); M_RC=${ps[1]} ;;
	hold:*) "${cmd[@]}" <&"$HOLD" >"$out" 2>"$tmp/last.err"; M_RC=$? ;;
	*:count:*) "${cmd[@]}" <"$in" 2>"$tmp/last.err" | wc -c >"${out#count:}"; ps=("${PIPESTATUS[@]}"); M_RC=${ps[0]} ;;
	*) "${cmd[@]}" <"$in" >"$out" 2>"$tmp/last.err"; M_RC=$? ;;
	esac
	M_T1=${EPOCHREALTIME/./}
	set -e
	read_time
}

# sink_report ID WAIT: waits up to WAIT seconds for the sink's report on ID
# and sets R_MSGS, R_BYTES, R_SUM, R_ORDER, R_CLOSE, R_END (µs); R_MSGS=-1
# when there is none.
sink_report() {
	local line kv
	R_MSGS=-1 R_BYTES=0 R_SUM=- R_ORDER=- R_CLOSE=- R_END=0
	wait_line "$tmp/ws.out" "^sink id=$1 " "$2" || return 0
	line=$(grep -m1 "^sink id=$1 " "$tmp/ws.out")
	for kv in $line; do
		case $kv in
		msgs=*) R_MSGS=${kv#*=} ;;
		bytes=*) R_BYTES=${kv#*=} ;;
		crc32c=*) R_SUM=${kv#*=} ;;
		order=*) R_ORDER=${kv#*=} ;;
		close=*) R_CLOSE=${kv#*=} ;;
		end_ns=*) R_END=$((${kv#*=} / 1000)) ;;
		esac
	done
}

# record KEY WALL_US OK DELIVERED EXPECTED [NOTE]: one run's result, a
# line of $tmp/res/KEY: wall µs, peak RSS KiB, ok, delivered, expected, CPU µs.
record() {
	echo "$2 $M_RSS $3 $4 $5 $M_CPU" >>"$tmp/res/$1"
	if [ "$3" != 1 ]; then
		echo "bench: LOSS/FAILURE: ${LABEL[$1]} (${GROUP[$1]}): ${6:-}" >&2
		sed 's/^/bench:   | /' "$tmp/last.err" | tail -n 5 >&2
		echo "${6:-}" >>"$tmp/res/$1.note"
	elif [ -n "${6:-}" ]; then
		echo "$6" >>"$tmp/res/$1.note"
	fi
}

# sink_run KEY ID INPUT EXPECT_MSGS EXPECT_SHA TIMEOUT CMD...: a client of
# /sink, judged by the report: all messages, crc32c, order, close 1000, exit 0.
sink_run() {
	local key=$1 id=$2 in=$3 n=$4 want=$5 tmo=$6 ok=1 why=''
	shift 6
	measure "$in" /dev/null "$tmo" "$@"
	sink_report "$id" 30
	if [ "$R_MSGS" != "$n" ] || [ "$R_SUM" != "$want" ] || [[ $R_ORDER == bad* ]] || [ "$R_CLOSE" != 1000 ]; then
		why="sink got msgs=$R_MSGS of $n ($R_BYTES bytes), crc32c $R_SUM (want $want), order=$R_ORDER, close=$R_CLOSE"
	fi
	[ "$M_RC" = 0 ] || why="${why:+$why; }exit status $M_RC"
	[ -z "$why" ] || ok=0
	local end=$((R_END > M_T1 ? R_END : M_T1))
	record "$key" $((end - M_T0)) "$ok" "$((R_MSGS < 0 ? 0 : R_MSGS))" "$n" "$why"
}

# wscat_run KEY ID INPUT N fed|pipe: wscat -c /sink with INPUT on stdin.
# pipe: `cat INPUT | wscat`. fed: INPUT is written into a FIFO only after the
# sink has seen the upgrade. wscat ends at stdin EOF with ws.close() and
# process.exit() at once; its time runs until the sink reports the end of
# the connection, and what it delivered is reported, not judged.
wscat_run() {
	local key=$1 id=$2 in=$3 n=$4 mode=$5 url="$URL/sink?id=$2&order=1" pid note=
	if [ "$mode" = pipe ]; then
		measure "pipe:$in" /dev/null "$TMO" "$WSCAT_BIN" -c "$url"
	else
		exec {FEED}<>"$tmp/feed"
		rm -f "$tmp/rss"
		set +e
		M_T0=${EPOCHREALTIME/./}
		"${TIME[@]}" -t "$TMO" "$WSCAT_BIN" -c "$url" \
			<"$tmp/feed" >/dev/null 2>"$tmp/last.err" {FEED}>&- {HOLD}>&- &
		pid=$!
		if wait_line "$tmp/ws.out" "^open id=$id\$" 30; then
			timeout "$TMO" cat "$in" >&"$FEED"
		else
			note="no upgrade within 30s"
		fi
		exec {FEED}>&-
		wait "$pid"
		M_RC=$?
		M_T1=${EPOCHREALTIME/./}
		set -e
		read_time
	fi
	if grep -q "^open id=$id\$" "$tmp/ws.out" || wait_line "$tmp/ws.out" "^open id=$id\$" 2; then
		sink_report "$id" 30
	else
		R_MSGS=0 R_END=0 R_CLOSE=none
		note="never connected${note:+; $note}"
	fi
	local end=$((R_END > M_T1 ? R_END : M_T1))
	record "$key" $((end - M_T0)) 1 "$((R_MSGS < 0 ? 0 : R_MSGS))" "$n" \
		"delivered $R_MSGS of $n, close=$R_CLOSE, exit=$M_RC${note:+; $note}"
}

declare -A LABEL GROUP
KEYS=()
contender() { # KEY GROUP LABEL
	KEYS+=("$1")
	GROUP[$1]=$2
	LABEL[$1]=$3
}

# ---------------------------------------------------------------- contenders

# The references close as soon as their input is written (and, for the echo,
# its one reply read); wsx by default waits for the server to take the input
# and go quiet first (README: Closing), about 0.1 s on loopback, which the
# `end` rows measure. Like is compared with like: --wait 0 (close at once)
# where a reference closes at once, --count 1 where it waits for one reply.
c_lines_wsx_send() { sink_run "$1" "$2" "pipe:$tmp/in/lines" "$N_LINES" "$SUM_LINES" "$TMO" "$WSX" send -q --wait 0 "$URL/sink?id=$2&order=1"; }
c_lines_wsx_connect() { sink_run "$1" "$2" "pipe:$tmp/in/lines" "$N_LINES" "$SUM_LINES" "$TMO" "$WSX" connect -q --wait 0 --close-timeout 10s "$URL/sink?id=$2&order=1"; }
c_lines_coalesced() { sink_run "$1" "$2" "pipe:$tmp/in/lines" "$N_LINES" "$SUM_LINES" "$TMO" "$tmp/bin/coalesced" "$URL/sink?id=$2&order=1"; }
c_lines_onewrite() { sink_run "$1" "$2" "pipe:$tmp/in/lines" "$N_LINES" "$SUM_LINES" "$TMO" "$tmp/bin/onewrite" "$URL/sink?id=$2&order=1"; }
c_lines_wscat_pipe() { wscat_run "$1" "$2" "$tmp/in/lines" "$N_LINES" pipe; }
c_lines_wscat_fed() { wscat_run "$1" "$2" "$tmp/in/lines" "$N_LINES" fed; }

c_lines1m_wsx_send() { sink_run "$1" "$2" "pipe:$tmp/in/lines1m" "$N_LINES1M" "$SUM_LINES1M" "$TMO" "$WSX" send -q --wait 0 "$URL/sink?id=$2&order=1"; }
c_lines1m_wsx_connect() { sink_run "$1" "$2" "pipe:$tmp/in/lines1m" "$N_LINES1M" "$SUM_LINES1M" "$TMO" "$WSX" connect -q --wait 0 --close-timeout 10s "$URL/sink?id=$2&order=1"; }
c_lines1m_coalesced() { sink_run "$1" "$2" "pipe:$tmp/in/lines1m" "$N_LINES1M" "$SUM_LINES1M" "$TMO" "$tmp/bin/coalesced" "$URL/sink?id=$2&order=1"; }

c_large_wsx_send() { sink_run "$1" "$2" "pipe:$tmp/in/large" "$N_LARGE" "$SUM_LARGE" "$TMO" "$WSX" send -q --wait 0 "$URL/sink?id=$2"; }
c_large_coalesced() { sink_run "$1" "$2" "pipe:$tmp/in/large" "$N_LARGE" "$SUM_LARGE" "$TMO" "$tmp/bin/coalesced" "$URL/sink?id=$2"; }
c_large_tcp() {
	local before ok=1 why="" line bytes sum end=0
	before=$(grep -c '^tcp ' "$tmp/tcp.out" || true)
	measure "pipe:$tmp/in/large" /dev/null "$TMO" "$tmp/bin/tcp" "$TCP"
	local i
	for ((i = 0; i < 3000; i++)); do
		[ "$(grep -c '^tcp ' "$tmp/tcp.out" || true)" -gt "$before" ] && break
		sleep 0.01
	done
	line=$(grep '^tcp ' "$tmp/tcp.out" | sed -n "$((before + 1))p")
	bytes=$(sed -n 's/.* bytes=\([0-9]*\).*/\1/p' <<<"$line")
	sum=$(sed -n 's/.* crc32c=\([0-9a-f]*\).*/\1/p' <<<"$line")
	end=$(sed -n 's/.* end_ns=\([0-9]*\).*/\1/p' <<<"$line")
	end=$((${end:-0} / 1000))
	if [ "$M_RC" != 0 ] || [ "$sum" != "$SUM_LARGE" ]; then
		ok=0 why="tcp sink got ${bytes:-no} bytes, crc32c ${sum:-none}, exit $M_RC"
	fi
	end=$((end > M_T1 ? end : M_T1))
	record "$1" $((end - M_T0)) "$ok" "$((ok ? N_LARGE : 0))" "$N_LARGE" "$why"
}

# echo_run KEY CMD...: one "hi" to /echo; the output must be "hi".
echo_run() {
	local key=$1 ok=1 why=''
	shift
	measure "pipe:$tmp/in/hi" "$tmp/out" "$TMO" "$@"
	if [ "$M_RC" != 0 ] || [ "$(cat "$tmp/out")" != hi ]; then
		ok=0 why="output '$(head -c 40 "$tmp/out")', exit $M_RC"
	fi
	record "$key" "$M_WALL" "$ok" "$ok" 1 "$why"
}
c_start_wsx_send() { echo_run "$1" "$WSX" send -q --count 1 "$URL/echo"; }
c_start_oneshot() { echo_run "$1" "$tmp/bin/oneshot" "$URL/echo"; }
c_start_linked() { echo_run "$1" "$tmp/bin/oneshot-linked" "$URL/echo"; }
c_start_floor() { echo_run "$1" "$tmp/bin/wsx-floor" send -q --count 1 "$URL/echo"; }
c_start_coalesced() { echo_run "$1" "$tmp/bin/coalesced" "$URL/echo"; }
c_start_wscat() {
	# -w 0: close as soon as the message is sent; stdin must stay open (hold),
	# as wscat exits at once at stdin EOF, before it even connects.
	measure hold "$tmp/out" "$TMO" "$WSCAT_BIN" -c "$URL/echo" -x hi -w 0
	local got=0
	[ "$(cat "$tmp/out")" = hi ] && got=1
	record "$1" "$M_WALL" 1 "$got" 1 "printed the echo: $got, exit=$M_RC"
}

# The end of a session (README: Closing). end_silent: `wsx send URL hi` to a
# server that never answers waits for the quiet window, then closes; the run
# must print nothing and exit 0. end_head: `wsx listen URL | head -2` against
# a server that sends two messages and then goes quiet: wsx notices head's
# exit on its stdout pipe; the time is the whole pipeline's.
c_end_silent() {
	measure /dev/null "$tmp/out" "$TMO" "$WSX" send -q "$URL/sink?id=$2" hi
	local ok=1 why=''
	if [ "$M_RC" != 0 ] || [ -s "$tmp/out" ]; then ok=0 why="output '$(head -c 40 "$tmp/out")', exit $M_RC"; fi
	record "$1" "$M_WALL" "$ok" "$ok" 1 "$why"
}
c_end_head() {
	# shellcheck disable=SC2016 # $0 and $1 are sh's own
	measure /dev/null "$tmp/out" "$TMO" sh -c '"$0" listen -q "$1" | head -2' "$WSX" "$QUIET2"
	local ok=1 why=''
	if [ "$M_RC" != 0 ] || [ "$(cat "$tmp/out")" != $'one\ntwo' ]; then ok=0 why="output '$(head -c 40 "$tmp/out")', exit $M_RC"; fi
	record "$1" "$M_WALL" "$ok" "$ok" 1 "$why"
}

# recv_run KEY N ORDER CMD...: the output must hold N messages (lines with a
# JSON "s" key, or, ORDER=1, lines 1..N in order).
recv_run() {
	local key=$1 n=$2 order=$3 ok=1 why='' got
	shift 3
	measure /dev/null "$tmp/out" "$TMO" "$@"
	if [ "$order" = 1 ]; then # every line is its number, and nothing else
		got=$(awk '$0 + 0 == NR { good++ } END { print (good == NR) ? NR : good "+" (NR - good) "bad" }' "$tmp/out")
	else
		got=$(grep -c '"s"' "$tmp/out" || true)
	fi
	if [ "$M_RC" != 0 ] || [ "$got" != "$n" ]; then
		ok=0 why="received $got of $n$([ "$order" = 1 ] && echo ' in order'), exit $M_RC"
	fi
	record "$key" "$M_WALL" "$ok" "${got%%+*}" "$n" "$why"
}
BLAST="blast?n=$N_BLAST&size=16"
c_recv_reader() { recv_run "$1" "$N_BLAST" 1 "$tmp/bin/reader" "$URL/$BLAST"; }
c_recv_reader_floor() { recv_run "$1" "$N_BLAST" 1 "$tmp/bin/reader" -utf8 -flush -tap "$URL/$BLAST"; }
c_recv_wsx_raw() { recv_run "$1" "$N_BLAST" 1 "$WSX" listen -q --format raw "$URL/$BLAST"; }
c_recv_wsx_raw_json() { recv_run "$1" "$N_BLAST" 0 "$WSX" listen -q --format raw "$URL/$BLAST&json=1"; }
c_recv_wsx_pretty_json() { recv_run "$1" "$N_BLAST" 0 "$WSX" listen -q --format pretty "$URL/$BLAST&json=1"; }
c_recv_wsx_jsonl_json() { recv_run "$1" "$N_BLAST" 0 "$WSX" listen -q --format jsonl "$URL/$BLAST&json=1"; }

c_mem_send_file() { sink_run "$1" "$2" /dev/null 1 "$SUM_BIG" "$TMO" "$WSX" send -q "$URL/sink?id=$2" "@$tmp/in/big"; }
c_mem_listen_big() {
	local ok=1 why='' got
	measure /dev/null "count:$tmp/count" "$TMO" "$WSX" listen -q --format raw --max-size 512MiB "$URL/big?size=$BIG_SIZE"
	got=$(cat "$tmp/count")
	if [ "$M_RC" != 0 ] || [ "$got" != $((BIG_SIZE + 1)) ]; then
		ok=0 why="received $got bytes of $((BIG_SIZE + 1)), exit $M_RC"
	fi
	record "$1" "$M_WALL" "$ok" "$((ok))" 1 "$why"
}
c_mem_relay() { sink_run "$1" "$2" "$tmp/in/huge" "$HUGE_LINES" "$SUM_HUGE" "$TMO_LONG" "$WSX" send -q "$URL/sink?id=$2"; }

contender lines_wsx_send lines "wsx send --wait 0"
contender lines_wsx_connect lines "wsx connect -q --wait 0"
contender lines_coalesced lines "coalesced"
contender lines_onewrite lines "onewrite"
if [ "$WSCAT" != 0 ]; then
	contender lines_wscat_pipe lines "wscat, piped"
	contender lines_wscat_fed lines "wscat, fed after open"
fi
contender lines1m_wsx_send lines1m "wsx send --wait 0"
contender lines1m_wsx_connect lines1m "wsx connect -q --wait 0"
contender lines1m_coalesced lines1m "coalesced"
contender large_wsx_send large "wsx send --wait 0"
contender large_coalesced large "coalesced"
contender large_tcp large "tcp (same bytes)"
contender start_wsx_send start-up "wsx send --count 1"
contender start_oneshot start-up "oneshot"
contender start_linked start-up "oneshot, wsx linked in"
contender start_floor start-up "wsx's start + oneshot"
contender start_coalesced start-up "coalesced"
[ "$WSCAT" = 0 ] || contender start_wscat start-up "wscat -x hi -w 0"
contender end_silent end "send SINK hi, no reply"
contender end_head end "listen | head -2, quiet"
contender recv_reader receive "reader (raw)"
contender recv_reader_floor receive "reader -utf8 -flush -tap"
contender recv_wsx_raw receive "wsx listen raw"
contender recv_wsx_raw_json receive "wsx listen raw, JSON"
contender recv_wsx_pretty_json receive "wsx listen pretty, JSON"
contender recv_wsx_jsonl_json receive "wsx listen jsonl, JSON"
contender mem_send_file memory "wsx send @$((BIG_SIZE >> 20))MiB file"
contender mem_listen_big memory "wsx listen $((BIG_SIZE >> 20))MiB message"
contender mem_relay memory "wsx send < $((HUGE_LINES >> 14))MiB lines"

# run_group GROUP RUNS: the group's contenders, RUNS rounds, the order
# rotated by one each round.
run_group() {
	local group=$1 runs=$2 keys=() k r i n
	for k in "${KEYS[@]}"; do [ "${GROUP[$k]}" = "$group" ] && keys+=("$k"); done
	n=${#keys[@]}
	for ((r = 0; r < runs; r++)); do
		echo "bench: $group, round $((r + 1)) of $runs" >&2
		for ((i = 0; i < n; i++)); do
			k=${keys[$(((i + r) % n))]}
			"c_$k" "$k" "$k-$r"
		done
	done
}

# ---------------------------------------------------------------- runs

overhead=()
for _ in 1 2 3 4 5; do
	measure /dev/null /dev/null 10 true
	overhead+=($((M_T1 - M_T0)))
done
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
started=$SECONDS
run_group start-up "$STARTUP_RUNS"
run_group end "$STARTUP_RUNS"
run_group lines "$RUNS"
run_group lines1m "$RUNS"
run_group large "$RUNS"
run_group receive "$RUNS"
run_group memory "$MEM_RUNS"
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

# ---------------------------------------------------------------- report

# agg KEY FIELD median|max|min: of column FIELD of KEY's runs.
agg() {
	awk -v f="$2" '{ print $f }' "$tmp/res/$1" | sort -n | awk -v how="$3" '
		{ a[NR] = $1 }
		END { if (how == "max") print a[NR]; else if (how == "min") print a[1];
		      else if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}
ms() { awk -v us="$1" 'BEGIN { printf "%.1f", us / 1000 }'; }
mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
runs_ok() { awk '$3 == 1' "$tmp/res/$1" | wc -l; }
runs() { wc -l <"$tmp/res/$1"; }

echo
echo "== wsx benchmark =="
printf 'machine: %s cores, %s, %s\n' "$(nproc)" "$(uname -m)" \
	"$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
printf 'go: %s; node: %s; wscat: %s\n' "$(go version | cut -d' ' -f3-)" \
	"$(node --version 2>/dev/null || echo none)" "$(if [ "$WSCAT" = 0 ]; then echo skipped; else "$WSCAT_BIN" --version; fi)"
printf 'wsx: %s%s\n' "$(git rev-parse --short HEAD 2>/dev/null || echo '?')" \
	"$(git diff --quiet HEAD -- . 2>/dev/null || echo ' + uncommitted changes')"
printf 'mode: %s, %s runs (start-up %s, memory %s), load average %s before, %s after, %ss\n' \
	"$([ "$QUICK" = 1 ] && echo QUICK || echo full)" "$RUNS" "$STARTUP_RUNS" "$MEM_RUNS" \
	"$load_before" "$load_after" $((SECONDS - started))
printf 'inputs: %s and %s lines (seq), %s × 64 KiB lines, %s MiB file, %s MiB of 64-byte lines, %s blasted messages\n' \
	"$N_LINES" "$N_LINES1M" "$N_LARGE" $((BIG_SIZE >> 20)) $((HUGE_LINES >> 14)) "$N_BLAST"
printf 'harness overhead per run (rtime + true, by the shell clock): %s ms median; in the sink groups'"'"' times (lines, lines1m, large), not the others\n' \
	"$(ms "$(printf '%s\n' "${overhead[@]}" | sort -n | sed -n 3p)")"
# delivery KEY: what the runs delivered, "min..max of N", and the runs that
# passed their check.
delivery() {
	local lo hi
	lo=$(agg "$1" 4 min) hi=$(agg "$1" 4 max)
	[ "$lo" = "$hi" ] || lo="$lo..$hi"
	echo "$lo of $(agg "$1" 5 max) (runs ok: $(runs_ok "$1")/$(runs "$1"))"
}
# per_msg KEY: median CPU per message in ns, for the groups that count
# messages; "-" for the others.
per_msg() {
	case ${GROUP[$1]} in
	lines | lines1m | large | receive)
		awk -v us="$(agg "$1" 6 median)" -v n="$(agg "$1" 5 max)" 'BEGIN { printf "%.0f", us * 1000 / n }' ;;
	*) echo - ;;
	esac
}
echo
row='%-9s %-28s %10s %10s %10s %9s %10s %8s %8s  %s\n'
# shellcheck disable=SC2059 # the format is the row's
printf "$row" target contender "median ms" "min ms" "max ms" "CPU ms" "CPU ns/msg" "RSS MiB" "max RSS" "delivered (runs ok)"
for k in "${KEYS[@]}"; do
	[ -s "$tmp/res/$k" ] || continue
	# shellcheck disable=SC2059
	printf "$row" "${GROUP[$k]}" "${LABEL[$k]}" \
		"$(ms "$(agg "$k" 1 median)")" "$(ms "$(agg "$k" 1 min)")" "$(ms "$(agg "$k" 1 max)")" \
		"$(ms "$(agg "$k" 6 median)")" "$(per_msg "$k")" \
		"$(mib "$(agg "$k" 2 median)")" "$(mib "$(agg "$k" 2 max)")" \
		"$(delivery "$k")"
done

failed=0
checks=()
# check TARGET TEXT VALUE NEED RESULT
check() {
	checks+=("$(printf '%-9s %-66s %10s %10s  %s' "$1" "$2" "$3" "$4" "$5")")
	[ "$5" != FAIL ] || failed=1
}
# delivered KEY TARGET: every run of KEY delivered everything.
delivered() {
	local ok
	ok=$(runs_ok "$1")
	if [ "$ok" = "$(runs "$1")" ]; then
		check "$2" "${LABEL[$1]}: delivers everything, every run" "$ok/$(runs "$1")" "all" PASS
	else
		check "$2" "${LABEL[$1]}: delivers everything, every run" "$ok/$(runs "$1")" "all" FAIL
	fi
}
# reference_ok REF: a reference that lost data makes its comparisons void.
reference_ok() { [ "$(runs_ok "$1")" = "$(runs "$1")" ]; }
# at_most A B LIMIT TARGET [cpu]: median(A) <= LIMIT × median(B), of the
# wall time, or (cpu) of the CPU time; N/A when B's median is 0.
at_most() {
	local r res f=1 what=time b
	[ "${5:-}" != cpu ] || f=6 what=CPU
	b=$(agg "$2" $f median)
	if awk -v b="$b" 'BEGIN { exit !(b == 0) }'; then
		check "$4" "${LABEL[$1]} $what <= $3x ${LABEL[$2]}" - "<= $3x" "N/A (${LABEL[$2]}: 0 ms)"
		return
	fi
	r=$(awk -v a="$(agg "$1" $f median)" -v b="$b" 'BEGIN { printf "%.2f", a / b }')
	res=$(awk -v r="$r" -v l="$3" 'BEGIN { print (r <= l) ? "PASS" : "FAIL" }')
	reference_ok "$2" || res="FAIL (reference lost data)"
	check "$4" "${LABEL[$1]} $what <= $3x ${LABEL[$2]}" "${r}x" "<= $3x" "$res"
}
# faster A B LIMIT TARGET [NOTE]: median(B) >= LIMIT × median(A).
faster() {
	local r res
	r=$(awk -v a="$(agg "$1" 1 median)" -v b="$(agg "$2" 1 median)" 'BEGIN { printf "%.1f", b / a }')
	res=$(awk -v r="$r" -v l="$3" 'BEGIN { print (r >= l) ? "PASS" : "FAIL" }')
	[ -z "${5:-}" ] || res="$res ($5)"
	check "$4" "${LABEL[$1]} >= $3x faster than ${LABEL[$2]}" "${r}x" ">= $3x" "$res"
}
# at_most_ms A MS TARGET: median(A) <= MS milliseconds.
at_most_ms() {
	local m res
	m=$(ms "$(agg "$1" 1 median)")
	res=$(awk -v m="$m" -v l="$2" 'BEGIN { print (m <= l) ? "PASS" : "FAIL" }')
	check "$3" "${LABEL[$1]}: median time <= $2 ms" "${m} ms" "<= $2" "$res"
}
# ceiling A B TARGET: how much faster A (a reference) is than B, for scale:
# the target for wsx against B can be met only if A meets it too.
ceiling() {
	local r
	r=$(awk -v a="$(agg "$1" 1 median)" -v b="$(agg "$2" 1 median)" 'BEGIN { printf "%.1f", b / a }')
	check "$3" "(scale) ${LABEL[$1]} this much faster than ${LABEL[$2]}" "${r}x" - INFO
}
# ratio A B TARGET [cpu]: median(A) / median(B), for scale (no target): how
# far a reference that does what wsx must do is from one that skips it.
ratio() {
	local f=1 what=time
	[ "${4:-}" != cpu ] || f=6 what=CPU
	check "$3" "(scale) ${LABEL[$1]} $what / ${LABEL[$2]}" \
		"$(awk -v a="$(agg "$1" $f median)" -v b="$(agg "$2" $f median)" 'BEGIN { printf "%.2fx", b ? a / b : 0 }')" - INFO
}
# rss_below KEY MIB TARGET: the largest peak RSS of KEY's runs.
rss_below() {
	local m res
	m=$(agg "$1" 2 max)
	res=$(awk -v m="$m" -v l="$2" 'BEGIN { print (m < l * 1024) ? "PASS" : "FAIL" }')
	check "$3" "${LABEL[$1]}: peak RSS (max of runs) < $2 MiB" "$(mib "$m")" "< $2" "$res"
}
# wscat_note KEY: how much of the input wscat delivered, for the checks.
wscat_note() {
	local lo hi n
	lo=$(agg "$1" 4 min) hi=$(agg "$1" 4 max) n=$(agg "$1" 5 max)
	if [ "$hi" = 0 ]; then
		echo "void: wscat delivered nothing"
	elif [ "$lo" != "$n" ]; then
		echo "wscat delivered $lo..$hi of $n: a lower bound"
	fi
}

ceiling lines_coalesced lines_onewrite lines
[ "$WSCAT" = 0 ] || ceiling lines_coalesced lines_wscat_fed lines
for w in lines_wsx_send lines_wsx_connect; do
	delivered "$w" lines
	at_most "$w" lines_coalesced 1.25 lines
	faster "$w" lines_onewrite 10 lines
	if [ "$WSCAT" != 0 ]; then
		note=$(wscat_note lines_wscat_fed)
		if [[ $note == void* ]]; then
			check lines "${LABEL[$w]} >= 20x faster than wscat" - ">= 20x" "N/A ($note)"
		else
			faster "$w" lines_wscat_fed 20 lines "$note"
		fi
	else
		check lines "${LABEL[$w]} >= 20x faster than wscat" - ">= 20x" "SKIP (WSCAT=0)"
	fi
done
delivered lines1m_wsx_send lines1m
at_most lines1m_wsx_send lines1m_coalesced 1.05 lines1m
at_most lines1m_wsx_send lines1m_coalesced 1.0 lines1m cpu
delivered lines1m_wsx_connect lines1m
at_most lines1m_wsx_connect lines1m_coalesced 1.05 lines1m
at_most lines1m_wsx_connect lines1m_coalesced 1.1 lines1m cpu
delivered large_wsx_send large
at_most large_wsx_send large_coalesced 1.05 large
at_most large_wsx_send large_tcp 1.5 large
delivered start_wsx_send start-up
if [ "$WSCAT" != 0 ]; then
	faster start_wsx_send start_wscat 20 start-up
else
	check start-up "wsx send >= 20x faster than wscat" - ">= 20x" "SKIP (WSCAT=0)"
fi
at_most start_wsx_send start_oneshot 1.2 start-up
ratio start_linked start_oneshot start-up
ratio start_floor start_oneshot start-up
ratio start_wsx_send start_floor start-up
ratio start_wsx_send start_coalesced start-up
[ "$WSCAT" = 0 ] || ceiling start_oneshot start_wscat start-up
delivered end_silent end
delivered end_head end
at_most_ms end_silent 500 end
at_most_ms end_head 100 end
for k in recv_wsx_raw recv_wsx_raw_json recv_wsx_pretty_json recv_wsx_jsonl_json; do delivered "$k" receive; done
at_most recv_wsx_raw recv_reader 1.05 receive
at_most recv_wsx_raw recv_reader 1.05 receive cpu
ratio recv_reader_floor recv_reader receive cpu
ratio recv_wsx_raw recv_reader_floor receive cpu
at_most recv_wsx_pretty_json recv_wsx_raw_json 2 receive
at_most recv_wsx_jsonl_json recv_wsx_raw_json 2 receive
for k in mem_send_file mem_listen_big mem_relay; do delivered "$k" memory; done
rss_below mem_send_file 32 memory
rss_below mem_listen_big 32 memory
rss_below mem_relay 64 memory

echo
printf '%-9s %-66s %10s %10s  %s\n' target check value need result
printf '%s\n' "${checks[@]}"

notes=0
for k in "${KEYS[@]}"; do
	[ -s "$tmp/res/$k.note" ] || continue
	[ $notes = 1 ] || { echo; echo "notes (per contender, distinct):"; notes=1; }
	sort "$tmp/res/$k.note" | uniq -c | sed "s/^ */  ${GROUP[$k]}, ${LABEL[$k]}: /; s/: \([0-9]*\) /: (\1x) /"
done
echo
if [ $failed = 0 ]; then
	echo "bench: all targets pass"
else
	echo "bench: some targets FAIL"
fi
exit $failed
