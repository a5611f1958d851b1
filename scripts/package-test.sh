#!/usr/bin/env bash
# The installed app, as a user gets it: builds the debug .deb and .rpm
# (scripts/package.py --debug), checks what they declare and hold, unpacks
# the .deb into a temporary root and, from there — away from the source
# tree, with a new home, no environment variable and no ONNX Runtime but the
# one the package carries — runs the packaged `clipdex` (index and search
# with the fixture model), then the packaged app's first run under Xvfb over
# WebDriver (tests/e2e/first-run.e2e.mjs). Saves screenshots to
# ${SHOTS:-$target/package-shots}. Run by `scripts/dev test`.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
target="${CARGO_TARGET_DIR:-target}"
shots="$(realpath -m "${SHOTS:-$target/package-shots}")"
for tool in dpkg-deb rpm Xvfb WebKitWebDriver tauri-driver xdotool; do
  command -v "$tool" >/dev/null || { echo "missing $tool (scripts/setup-debian.sh --test installs it)" >&2; exit 1; }
done
python3 scripts/fetch_test_photos.py >/dev/null
rm -rf "$shots"

version=$(grep -m1 '^version' Cargo.toml | cut -d'"' -f2)
echo "==> packages (scripts/package.py --debug), version $version"
mapfile -t made < <(python3 scripts/package.py --debug)
deb=$(printf '%s\n' "${made[@]}" | grep '\.deb$')
rpm=$(printf '%s\n' "${made[@]}" | grep '\.rpm$')
ls -l "$deb" "$rpm"

fail() { echo "FAIL: $*" >&2; exit 1; }
ok() { echo "ok - $*"; }

echo "==> what the .deb declares (dpkg -I)"
control=$(dpkg-deb -I "$deb")
echo "$control" | sed -n '/Package:/,$p'
[[ $(echo "$control" | sed -n 's/^ Version: //p') == "$version" ]] || fail "the .deb's version is not $version"
depends=$(echo "$control" | sed -n 's/^ Depends: //p')
for dep in libwebkit2gtk-4.1-0 libgtk-3-0 xdg-utils; do
  [[ $depends == *"$dep"* ]] || fail "the .deb does not depend on $dep: $depends"
done
ok ".deb $version depends on WebKitGTK, GTK and xdg-utils ($depends)"

echo "==> what the .rpm holds (rpm -qpl)"
rpm_files=$(rpm -qpl "$rpm" 2>/dev/null)
echo "$rpm_files"
rpm -qpR "$rpm" 2>/dev/null | sed 's/^/  requires: /'
for f in /usr/bin/clipdex /usr/bin/clipdex-desktop /usr/lib/Clipdex/onnxruntime/libonnxruntime.so.1.31.1; do
  grep -qx "$f" <<<"$rpm_files" || fail "the .rpm lacks $f"
done
ok ".rpm $(rpm -qp --qf '%{VERSION}' "$rpm" 2>/dev/null) holds the app, the CLI and ONNX Runtime"

work=$(mktemp -d)
# tauri-driver's children (WebKitWebDriver, the app) go with it.
cleanup() {
  [[ -n ${driver:-} ]] && pkill -P "$driver" 2>/dev/null
  kill ${driver:-} ${xvfb:-} 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
dpkg-deb -x "$deb" "$work/root"
echo "==> the .deb unpacked into $work/root"
(cd "$work/root" && find . -type f | sort | sed 's/^\./  /')
cp -r tests/fixtures/tiny-clip "$work/tiny-clip"
mkdir -p "$work/cli-home/photos" "$work/home/Pictures" "$work/home/.config"
cp tests/fixtures/photos/*.png tests/fixtures/photos/*.jpg "$work/cli-home/photos/"
cp tests/fixtures/photos/*.png tests/fixtures/photos/*.jpg "$work/home/Pictures/"
printf 'XDG_PICTURES_DIR="$HOME/Pictures"\n' >"$work/home/.config/user-dirs.dirs"
cd "$work"

# Nothing from this machine's set-up: a new home (so no ONNX Runtime under
# ~/.local/share), no ORT_DYLIB_PATH or CLIPDEX_*, a plain PATH.
clean() { local home=$1; shift; env -i HOME="$home" PATH=/usr/bin:/bin LANG=C.UTF-8 ${DISPLAY:+DISPLAY=$DISPLAY} "$@"; }
cli="$work/root/usr/bin/clipdex"

echo "==> the packaged CLI"
got=$(clean "$work/cli-home" "$cli" --version)
[[ $got == "clipdex $version" ]] || fail "clipdex --version says '$got', not 'clipdex $version'"
ok "clipdex --version: $got"
clean "$work/cli-home" "$cli" index --model "$work/tiny-clip" "$work/cli-home/photos" | tail -2
first=$(clean "$work/cli-home" "$cli" search "a red motorcycle" | grep -m1 -o '[a-z_]*\.png' || true)
[[ $first == motorcycle_left.png ]] || fail "the packaged clipdex's first result for 'a red motorcycle' is '$first'"
ok "the packaged clipdex indexed and searched with its own ONNX Runtime: 'a red motorcycle' finds $first first"

echo "==> the packaged app's first run, under Xvfb over WebDriver"
display=":$((90 + RANDOM % 9))"
Xvfb "$display" -screen 0 1280x860x24 >/dev/null 2>&1 &
xvfb=$!
export DISPLAY=$display
sleep 1
clean "$work/home" "$(command -v tauri-driver)" --port 4444 --native-driver "$(command -v WebKitWebDriver)" >"$work/driver.log" 2>&1 &
driver=$!
sleep 1
node "$repo/tests/e2e/first-run.e2e.mjs" "$work/root/usr/bin/clipdex-desktop" "$work/tiny-clip" "$work/home/Pictures" "$version" "$shots" \
  || { cat "$work/driver.log" >&2; exit 1; }
echo "what the first run left in its home (the library, models and settings):"
(cd "$work/home" && find . -maxdepth 4 -type d ! -path './Pictures*' | sort | sed 's/^\./  ~/')
echo "package sizes:"
du -h "$deb" "$rpm"
echo "package test: all checks passed (screenshots in $shots)"
