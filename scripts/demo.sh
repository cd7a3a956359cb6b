#!/usr/bin/env bash
# demo.sh: a real wsx session against the built-in server, no network needed.
# Usage: bash scripts/demo.sh
set -eu
cd "$(dirname "$0")/.."

tmp=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	rm -rf "$tmp"
}
trap cleanup EXIT

go build -o "$tmp/wsx" .
wsx() { "$tmp/wsx" "$@"; }

# serve NAME [flags]: starts `wsx serve` on a free loopback port; its URL
# lands in $tmp/NAME.url and its connection log in $tmp/NAME.log.
serve() {
	local name=$1
	shift
	wsx serve 127.0.0.1:0 "$@" >"$tmp/$name.url" 2>"$tmp/$name.log" &
	pids+=($!)
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

step "wsx codes 4001 1008 1014"
wsx codes 4001 1008 1014
