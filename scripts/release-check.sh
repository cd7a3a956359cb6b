#!/usr/bin/env bash
# release-check.sh: checks goreleaser.yml and builds a snapshot release, then
# looks inside it: the archive for this machine holds wsx, README.md, LICENSE,
# wsx.1 and a completion script for every shell wsx offers; wsx --version
# reports the snapshot's version and commit; the man page renders. The .deb
# and .rpm install the binary, the gzipped man page and the bash, zsh and fish
# completions where man and the shells look: the .deb is installed into a
# scratch root with dpkg, and the installed wsx, man page and bash completion
# are tried. Checksums cover every archive and package.
#
# It needs root (dpkg installs only as root), dpkg and rpm (Debian's package
# of it reads .rpm files); it says so before the build if one is missing.
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

[ "$(id -u)" -eq 0 ] || fail "run as root: the .deb is installed with dpkg into a scratch root"
command -v dpkg-deb >/dev/null || fail "dpkg is needed to read and install the .deb"
command -v rpm >/dev/null || fail "rpm is needed to read the .rpm: apt-get install -y rpm"

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

# The shells are read from the released wsx's own usage line
# (bash|zsh|fish|powershell), so a shell added to wsx but not to
# goreleaser.yml's hooks fails here.
echo "== completions in the archive"
shells=$("$tmp/unpacked/wsx" completion --help | sed -n 's/^ *wsx completion \[flags\] \([a-z|]*\)$/\1/p' | tr '|' ' ')
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
for pkg in dist/wsx_*_amd64.deb dist/wsx_*_arm64.deb dist/wsx-*.x86_64.rpm dist/wsx-*.aarch64.rpm; do
	[ -e "$pkg" ] || fail "no package $pkg"
done
(cd dist && sha256sum -c checksums.txt) || fail "checksums do not match"
for f in dist/*.tar.gz dist/*.zip dist/*.deb dist/*.rpm; do
	awk '{print $2}' dist/checksums.txt | grep -qxF "${f#dist/}" || fail "checksums.txt does not cover $f"
done

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

# Every package, of either format and arch, installs exactly these files.
want='/usr/bin/wsx
/usr/share/bash-completion/completions/wsx
/usr/share/fish/vendor_completions.d/wsx.fish
/usr/share/man/man1/wsx.1.gz
/usr/share/zsh/vendor-completions/_wsx'
# dpkg-deb -c lists the directories too, and puts ./ before each path.
debfiles() { dpkg-deb -c "$1" | awk '{print $6}' | sed -n 's|^\./|/|; /[^/]$/p' | sort; }

deb=$(ls dist/wsx_*_"$arch".deb)
echo "== dpkg-deb -c $deb"
dpkg-deb -c "$deb"
for pkg in dist/*.deb; do
	[ "$(debfiles "$pkg")" = "$want" ] || fail "$pkg does not install exactly: $want"
done

# nfpm writes a semver pre-release the Debian and RPM way, 0.0.1~snapshot, so
# that it sorts before 0.0.1.
version=${archive#dist/wsx_}
version=${version%_"${os}_${arch}".tar.gz}
pkgversion=${version/-/"~"}
echo "== dpkg-deb -I $deb"
dpkg-deb -I "$deb" >"$tmp/info"
grep -E '^ (Package|Version|Architecture):' "$tmp/info"
grep -qx ' Package: wsx' "$tmp/info" || fail "$deb is not package wsx"
grep -qx " Version: $pkgversion" "$tmp/info" || fail "$deb is not version $pkgversion"

echo "== rpm -qlp"
for pkg in dist/*.rpm; do
	got=$(rpm -qp --qf '%{NAME} %{VERSION}' "$pkg")
	echo "$pkg: $got"
	[ "$got" = "wsx $pkgversion" ] || fail "$pkg is not wsx $pkgversion"
	files=$(rpm -qlp "$pkg" | sort)
	echo "$files"
	[ "$files" = "$want" ] || fail "$pkg does not install what the .deb does: $want"
done

# A real install, without a container: dpkg --root installs under a scratch
# directory and keeps its database there. An empty status file is all the
# database it needs to start from (dpkg 1.21 would make it; older ones not).
root=$tmp/root
mkdir -p "$root/var/lib/dpkg"
: >"$root/var/lib/dpkg/status"
echo "== dpkg --root: install $deb"
# --log: the machine's own /var/log/dpkg.log is not this install's business
dpkg --root="$root" --log="$root/dpkg.log" -i "$deb"
status=$(dpkg-query --admindir="$root/var/lib/dpkg" -W -f='${Status}' wsx)
[ "$status" = "install ok installed" ] || fail "dpkg left wsx as: $status"

echo "== installed /usr/bin/wsx --version"
got=$("$root/usr/bin/wsx" --version)
echo "$got"
case $got in
*"$version"*) ;;
*) fail "the installed wsx --version does not name the snapshot $version: $got" ;;
esac

echo "== installed man page: man -l /usr/share/man/man1/wsx.1.gz"
MANWIDTH=80 man -l "$root/usr/share/man/man1/wsx.1.gz" >"$tmp/page"
head -5 "$tmp/page"
grep -q "wsx $version" "$tmp/page" || fail "the installed man page does not render with version $version"

echo "== installed bash completion"
got=$(bash -c 'source "$1" && complete -p wsx' _ "$root/usr/share/bash-completion/completions/wsx")
echo "$got"
case $got in
"complete -F "*" wsx") ;;
*) fail "the installed bash completion does not register for wsx: $got" ;;
esac

echo "== release-check: ok"
