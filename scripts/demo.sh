#!/usr/bin/env bash
# demo.sh: every wsx command, for real, against `wsx serve` on loopback (no
# network needed): connect, send, listen, probe, serve, codes, completion and
# man, and a session that works out why a server closes with 1008.
# Usage: bash scripts/demo.sh
set -eu
cd "$(dirname "$0")/.."

tmp=$(mktemp -d)
# Every process started in the background is in pids (the servers) or
# listener, and is started as "$tmp/wsx", not through the wsx function: a
# function run with & is a subshell, $! would be the subshell's pid, and
# killing it would leave the real wsx running.
pids=()
listener=
cleanup() {
	local p
	for p in ${pids[@]+"${pids[@]}"} ${listener:+"$listener"}; do kill "$p" 2>/dev/null || true; done
	for p in ${pids[@]+"${pids[@]}"} ${listener:+"$listener"}; do wait "$p" 2>/dev/null || true; done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

go build -o "$tmp/wsx" .
wsx() { "$tmp/wsx" "$@"; }

# serve NAME [flags]: starts `wsx serve` on a free loopback port; its URL
# lands in $tmp/NAME.url and its connection log in $tmp/NAME.log.
serve() {
	local name=$1
	shift
	"$tmp/wsx" serve 127.0.0.1:0 "$@" >"$tmp/$name.url" 2>"$tmp/$name.log" &
	pids+=("$!")
	for _ in $(seq 200); do
		[ -s "$tmp/$name.url" ] && return
		sleep 0.05
	done
	echo "demo: wsx serve did not start" >&2
	exit 1
}

step() {
	if [ -t 1 ]; then printf '\n\033[1m$ %s\033[0m\n' "$*"; else printf '\n$ %s\n' "$*"; fi
}

serve echo --send '{"hello":"from wsx serve","n":12345678901234567890}'
URL=$(cat "$tmp/echo.url")

step "printf 'hello\\n{\"op\":\"ping\"}\\n' | wsx connect URL"
printf 'hello\n{"op":"ping"}\n' | wsx connect "$URL"

step "echo '{\"op\":\"ping\"}' | wsx connect --format jsonl URL"
echo '{"op":"ping"}' | wsx connect --format jsonl "$URL"

step "seq 1 100000 | wsx connect -q URL | tail -1    # nothing lost at EOF"
seq 1 100000 | wsx connect -q "$URL" | tail -1

serve python --reply-delay 20ms --stop-at-close
PY=$(cat "$tmp/python.url")
step "echo hello | wsx connect -q URL    # a server that stops sending once it reads a close, as Python websockets does"
echo hello | wsx connect -q "$PY"
step "echo hello | wsx connect -q --wait 0 URL    # closing at once cuts its reply: nothing printed"
echo hello | wsx connect -q --wait 0 "$PY"
echo "(the server: $(tail -n 1 "$tmp/python.log" | sed 's/^conn [0-9]*: //'))"

serve expired --close-after 1 --close-code 4001 --close-reason 'token expired'
step "echo subscribe | wsx connect --wait 5s URL   # a server that closes with 4001"
status=0
echo subscribe | wsx connect --wait 5s "$(cat "$tmp/expired.url")" || status=$?
echo "exit status: $status"

serve locked --reject 401
step "wsx connect URL   # a server that refuses the upgrade"
status=0
wsx connect "$(cat "$tmp/locked.url")" || status=$?
echo "exit status: $status"

# run CMD...: runs a step that may fail, and shows its exit status
run() {
	local status=0
	"$@" || status=$?
	echo "exit status: $status"
}

step "wsx send URL '{\"op\":\"ping\"}' hello --count 3    # arguments are messages; wait for 3 replies"
wsx send "$URL" '{"op":"ping"}' hello --count 3

step "wsx send --json URL '{\"ok\":true}' '{broken'    # checked before connecting"
run wsx send --json "$URL" '{"ok":true}' '{broken'

serve feed --send '{"type":"trade","price":101.5}' --send '{"type":"quote","price":99}' --send '{"type":"trade","price":102.25}'
FEED=$(cat "$tmp/feed.url")
step "wsx listen --filter type==trade --select price --count 2 URL"
wsx listen --filter type==trade --select price --count 2 "$FEED"

step "wsx listen --format jsonl --count 1 URL"
wsx listen --format jsonl --count 1 "$FEED"

serve chat --mode broadcast
CHAT=$(cat "$tmp/chat.url")
step "wsx listen --count 1 URL &  then  wsx send URL 'hi all'    # --mode broadcast relays to every client"
"$tmp/wsx" listen --count 1 --timeout 10s "$CHAT" >"$tmp/chat.out" &
listener=$!
for _ in $(seq 200); do # wait until the listener is connected
	[ "$(grep -c 'open from' "$tmp/chat.log")" -ge 1 ] && break
	sleep 0.05
done
wsx send -q "$CHAT" 'hi all' >/dev/null
wait "$listener"
listener=
cat "$tmp/chat.out"

step "wsx probe --send ping --expect ping --ping URL"
wsx probe --send ping --expect ping --ping "$URL"

step "wsx probe --send ping --expect pong URL    # a check that fails: exit 7"
run wsx probe --timeout 2s --send ping --expect pong "$URL"

# Why does this server close? A debugging session.
serve policy --protocol chat.v2 --close-after 1 --close-code 1008 --close-reason 'subscribe first'
POLICY=$(cat "$tmp/policy.url")
step "echo hello | wsx connect URL    # the server closes: how, and why?"
run sh -c "echo hello | '$tmp/wsx' connect '$POLICY'"

step "wsx codes 1008"
wsx codes 1008

step "echo hello | wsx connect -v -p chat.v2 --format jsonl URL    # the handshake and the close, in full"
run sh -c "echo hello | '$tmp/wsx' connect -v -p chat.v2 --format jsonl '$POLICY'"

step "echo hello | wsx connect -q --expect-close 1008 URL    # 1008 expected here: exit 0"
run sh -c "echo hello | '$tmp/wsx' connect -q --expect-close 1008 '$POLICY'"

step "wsx probe -p chat.v2 --expect-protocol chat.v2 --send hello --expect-close 1008 URL"
wsx probe -p chat.v2 --expect-protocol chat.v2 --send hello --expect-close 1008 "$POLICY"

step "wsx codes 4001 1014 3000"
wsx codes 4001 1014 3000

step "wsx completion bash | head -3;  wsx man | head -3"
wsx completion bash | head -3
wsx man | head -3
