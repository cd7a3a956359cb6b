#!/usr/bin/env bash
# release-check.sh: checks goreleaser.yml and builds a snapshot release, then
# looks inside it: the archive for this machine holds wsx, README.md, LICENSE,
# wsx.1 and a completion script for every shell wsx offers; wsx --version
# reports the snapshot's version and commit; the man page renders; checksums
# cover every archive.
#
# goreleaser runs at a pinned version through `go run`, not from go.mod: its
# dependency tree is huge. The first run builds it (several minutes on two
# cores); later runs reuse Go's build cache. Not part of CI for that reason.
# It builds from a clone of the last commit, as a release would: work not
# committed is not in it.
# Usage: bash scripts/release-check.sh
set -eu
repo=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
git clone -q "$repo" "$tmp/src"
cd "$tmp/src"

goreleaser() { go run github.com/goreleaser/goreleaser/v2@v2.15.1 "$@"; }

fail() {
	echo "release-check: $*" >&2
	exit 1
}

echo "== goreleaser check"
goreleaser check

echo "== snapshot release (every platform; nothing is published)"
goreleaser release --snapshot --clean --skip=publish

os=$(go env GOOS)
arch=$(go env GOARCH)
archive=$(ls dist/wsx_*_"${os}_${arch}".tar.gz)
mkdir "$tmp/unpacked"
echo "== contents of $archive"
tar -xzf "$archive" -C "$tmp/unpacked"
ls "$tmp/unpacked"
for f in wsx README.md LICENSE wsx.1; do
	[ -e "$tmp/unpacked/$f" ] || fail "$archive has no $f"
done

# The shells are read from the released wsx's own usage line (bash|zsh|fish),
# so a shell added to wsx but not to goreleaser.yml's hooks fails here.
echo "== completions in the archive"
shells=$("$tmp/unpacked/wsx" completion --help | sed -n 's/^ *wsx completion .* \([a-z|]*\)$/\1/p' | tr '|' ' ')
[ -n "$shells" ] || fail "wsx completion --help names no shell"
for sh in $shells; do
	"$tmp/unpacked/wsx" completion "$sh" >"$tmp/want"
	found=
	for f in "$tmp/unpacked/completions/"*; do
		if cmp -s "$f" "$tmp/want"; then found=${f#"$tmp/unpacked/"}; fi
	done
	[ -n "$found" ] || fail "$archive has no completion script for $sh"
	echo "$sh: $found"
done

for target in linux_amd64 linux_arm64 darwin_amd64 darwin_arm64; do
	ls dist/wsx_*_"$target".tar.gz >/dev/null || fail "no archive for $target"
done
for target in windows_amd64 windows_arm64; do
	ls dist/wsx_*_"$target".zip >/dev/null || fail "no zip for $target"
done
(cd dist && sha256sum -c checksums.txt) || fail "checksums do not match"
[ "$(grep -c 'wsx_' dist/checksums.txt)" -ge 6 ] || fail "checksums.txt does not cover every archive"

echo "== wsx --version"
got=$("$tmp/unpacked/wsx" --version)
echo "$got"
commit=$(git rev-parse --short HEAD)
case $got in
*snapshot*"$commit"*) ;;
*) fail "wsx --version does not name the snapshot and commit $commit: $got" ;;
esac

echo "== man ./wsx.1"
MANWIDTH=80 man -l "$tmp/unpacked/wsx.1" | head -5
grep -q 'snapshot' "$tmp/unpacked/wsx.1" || fail "wsx.1 does not carry the release version"

echo "== release-check: ok"
