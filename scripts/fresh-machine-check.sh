#!/usr/bin/env bash
# Proves the README's set-up on a machine that has nothing installed by hand:
# a bare Debian root made with debootstrap, in which only what the README asks
# for before its two commands is installed (git, and Rust from rustup: here the
# host's toolchain is bind-mounted read-only, since rustup's servers may not be
# reachable), then, in a fresh clone of the committed HEAD:
#   scripts/dev test    the README's test command, every test
#   scripts/dev app     the README's run command, under Xvfb: a window must open
# and prints how long each stage took and where it stopped.
#
#   sudo scripts/fresh-machine-check.sh [--root DIR] [--keep] [--ref REV] [--reuse]
#
# --reuse runs the two commands again in a root kept by an earlier --keep run
# (its packages and build included): for debugging the check itself, never
# as the proof.
#
# It takes long (a full build in the root, ~35 min on two cores), so it is not
# part of .ci/run: run it before resolving anything that changes the set-up, the
# dependencies, or the apt, npm or pip packages. Nothing from the host is reused
# but the cargo registry's downloaded sources ($FRESH_CACHE, by default the
# host's own ~/.cargo/registry): no target/, no apt packages, no
# node_modules, no pip or npm cache.
# Needs: root, debootstrap, Xvfb's client tools on the host (xwininfo, from
# x11-utils; import, from imagemagick, for the screenshot).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD

root=/var/tmp/clipdex-fresh/root
keep=0
reuse=0
ref=HEAD
while (($#)); do
  case "$1" in
    --root) root=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    --ref) ref=$2; shift 2 ;;
    --reuse) reuse=1; keep=1; shift ;;
    *) echo "usage: $0 [--root DIR] [--keep] [--ref REV] [--reuse]" >&2; exit 2 ;;
  esac
done
suite=${FRESH_SUITE:-bookworm}
mirror=${FRESH_MIRROR:-http://deb.debian.org/debian}
cache=${FRESH_CACHE:-${CARGO_HOME:-$HOME/.cargo}/registry}
logs=${FRESH_LOGS:-/var/tmp/clipdex-fresh/logs}
rustup_home=${RUSTUP_HOME:-$HOME/.rustup}
cargo_bin=${CARGO_HOME:-$HOME/.cargo}/bin

[[ $(id -u) -eq 0 ]] || { echo "run as root (debootstrap, chroot, mounts)" >&2; exit 1; }
for tool in debootstrap xwininfo; do
  command -v "$tool" >/dev/null || { echo "missing $tool on the host: apt install debootstrap x11-utils" >&2; exit 1; }
done
[[ -x $cargo_bin/cargo && -d $rustup_home/toolchains ]] || { echo "no rustup toolchain on the host ($rustup_home)" >&2; exit 1; }
commit=$(git rev-parse --verify "$ref^{commit}")
[[ -z $(git status --porcelain --untracked-files=no) ]] || echo "note: uncommitted changes are not checked; the root clones $commit" >&2

mkdir -p "$cache" "$logs"
rm -f "$logs"/*.log "$logs"/*.png "$logs"/*.html
summary=$logs/summary.txt
: >"$summary"
t0=$(date +%s)
stage_start=$t0
stage() { # stage NAME: closes the previous stage's clock
  local now; now=$(date +%s)
  printf '%-28s %5ds\n' "$1" $((now - stage_start)) | tee -a "$summary"
  stage_start=$now
}

mounted=()
cleanup() {
  [[ -n ${app_pid:-} ]] && kill "$app_pid" 2>/dev/null
  [[ -n ${xvfb_pid:-} ]] && kill "$xvfb_pid" 2>/dev/null
  # Processes still running in the root (the app, Xvfb, a build) hold its mounts.
  for p in /proc/[0-9]*; do
    grep -qz "^${marker:-none}\$" "$p/environ" 2>/dev/null && kill -9 "${p#/proc/}" 2>/dev/null
  done
  sleep 1
  for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do umount -l "${mounted[i]}" 2>/dev/null || true; done
  if ((keep == 0)); then remove_root || true; fi
  return 0
}
# Every mount point at or under DIR, deepest first.
mounts_under() { awk -v r="$1" '$2 == r || index($2, r "/") == 1 { print $2 }' /proc/self/mounts | sort -r; }
# Removes the root only once nothing is mounted in it. A run that was killed
# leaves its bind mounts behind (the cargo registry is mounted read-write, and
# on the same device, so `rm --one-file-system` would walk into it and empty
# the host's registry): unmount them first, and refuse if any stay.
remove_root() {
  local m
  for m in $(mounts_under "$root"); do umount -l "$m" 2>/dev/null || true; done
  if [[ -n $(mounts_under "$root") ]]; then
    echo "refusing to remove $root: still mounted there:" >&2
    mounts_under "$root" >&2
    return 1
  fi
  rm -rf --one-file-system "$root"
}
trap cleanup EXIT
bind() { # bind SRC DEST [ro]
  mkdir -p "$2"
  mount --bind "$1" "$2"
  mounted+=("$2")
  [[ ${3:-} == ro ]] && mount -o remount,bind,ro "$2"
  return 0
}

if ((reuse)); then
  [[ -d $root/root/clipdex ]] || { echo "--reuse: no kept root at $root" >&2; exit 1; }
  echo "==> REUSING the kept root $root (not a fresh-machine proof)"
else
  echo "==> bare Debian root ($suite, minbase) in $root"
  if [[ -e $root ]]; then
    remove_root
  fi
  mkdir -p "$root"
  debootstrap --variant=minbase --include=ca-certificates "$suite" "$root" "$mirror" >"$logs/debootstrap.log" 2>&1 ||
    { tail -20 "$logs/debootstrap.log"; exit 1; }
  printf 'deb %s %s main\ndeb %s %s-updates main\ndeb http://deb.debian.org/debian-security %s-security main\n' \
    "$mirror" "$suite" "$mirror" "$suite" "$suite" >"$root/etc/apt/sources.list"
  # This workplace reaches the registries through its own certificate authority;
  # a user's machine needs nothing of the kind.
  cp /etc/ssl/certs/ca-certificates.crt "$root/usr/local/share/ca-certificates/host-ca.crt"
  chroot "$root" update-ca-certificates >/dev/null 2>&1
  cp /etc/resolv.conf "$root/etc/resolv.conf"
  # What an installed system has and debootstrap leaves out (the window's test
  # server listens on "localhost").
  printf '127.0.0.1\tlocalhost\n::1\t\tlocalhost ip6-localhost ip6-loopback\n' >"$root/etc/hosts"
  echo clipdex-fresh >"$root/etc/hostname"
  stage "debootstrap"
fi

mount -t proc proc "$root/proc" && mounted+=("$root/proc")
mount -t sysfs sys "$root/sys" && mounted+=("$root/sys")
bind /dev "$root/dev"
mount -t devpts -o newinstance,ptmxmode=0666 devpts "$root/dev/pts" && mounted+=("$root/dev/pts")
mount -t tmpfs shm "$root/dev/shm" && mounted+=("$root/dev/shm")
# Rust "from rustup": the host's toolchains, read-only, and rustup's proxies.
bind "$rustup_home" "$root/root/.rustup" ro
mkdir -p "$root/root/.cargo/bin"
cp -a "$cargo_bin/rustup" "$root/root/.cargo/bin/"
for proxy in cargo rustc rustdoc rust-gdb rust-lldb cargo-clippy cargo-fmt clippy-driver rustfmt; do
  ln -f "$root/root/.cargo/bin/rustup" "$root/root/.cargo/bin/$proxy"
done
bind "$cache" "$root/root/.cargo/registry"
bind "$repo" "$root/mnt/clipdex-src" ro

# Everything in the root runs with a plain environment, as a new login would,
# and with the root as its mount namespace's own root (pivot_root, not a bare
# chroot): the kernel refuses new user namespaces (`unshare -U`, which the
# tests use) to a process whose root is not its namespace's.
marker="CLIPDEX_FRESH_CHECK=$$"
in_root() {
  unshare --mount --propagation private -- /bin/sh -c '
    root=$1; shift
    mount --rbind "$root" "$root" && cd "$root" && mkdir -p .host &&
      pivot_root . .host && cd / && /.host/usr/bin/umount -l /.host && rmdir /.host || exit 97
    exec "$@"' sh "$root" /usr/bin/env -i HOME=/root USER=root LOGNAME=root SHELL=/bin/bash TERM=dumb \
    PATH=/root/.cargo/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    RUSTUP_AUTO_INSTALL=0 NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt \
    DEBIAN_FRONTEND=noninteractive CARGO_TERM_COLOR=never "$marker" "$@"
}
# Prefixes each line with the seconds since the check began; "==>" lines are
# the stage markers of scripts/dev and the set-up script.
timed() { # timed LOG CMD…
  local log=$1; shift
  set +e
  "$@" 2>&1 | while IFS= read -r line; do
    printf '[%5ds] %s\n' $(($(date +%s) - t0)) "$line"
  done >"$log"
  local rc=${PIPESTATUS[0]}
  set -e
  grep -E '^\[ *[0-9]+s\] ==> ' "$log" || true
  return "$rc"
}

if ((reuse)); then
  in_root git -C /root/clipdex fetch -q /mnt/clipdex-src
else
  echo "==> what the README asks for first: git (and Rust, bound above)"
  in_root sh -c 'apt-get update -qq && apt-get install -y -qq --no-install-recommends git' >"$logs/prerequisites.log" 2>&1 ||
    { tail -20 "$logs/prerequisites.log"; exit 1; }
  in_root git clone -q /mnt/clipdex-src /root/clipdex
fi
in_root cargo --version
in_root git -C /root/clipdex checkout -q "$commit"
stage "git, clone"

echo "==> scripts/dev test (log: $logs/test.log)"
tested=0
timed "$logs/test.log" in_root sh -c 'cd /root/clipdex && scripts/dev test' || tested=$?
# Where the build's time went (cargo --timings), kept with the logs.
cp "$root/root/clipdex/target/cargo-timings/cargo-timing.html" "$logs/" 2>/dev/null || true
if [ "$tested" != 0 ]; then
  stage "scripts/dev test: FAILED"
  echo "--- the last lines of $logs/test.log:"
  tail -40 "$logs/test.log"
  exit 1
fi
# Split the test command's time at its markers.
awk '{ s=$0; sub(/^\[ */,"",s); t=s+0 }
     /^\[ *[0-9]+s\] ==> /{ sub(/^[0-9]+s\] ==> /,"",s); if (name!="") printf "  %-44s %5ds\n", name, t-prev; name=s; prev=t }
     END { if (name!="") printf "  %-44s %5ds\n", name, t-prev }' "$logs/test.log" | tee -a "$summary"
stage "scripts/dev test"

echo "==> scripts/dev app under Xvfb (log: $logs/app.log)"
display=$((200 + RANDOM % 50))
in_root Xvfb ":$display" -screen 0 1280x860x24 >"$logs/xvfb.log" 2>&1 &
xvfb_pid=$!
sleep 2
in_root sh -c "cd /root/clipdex && DISPLAY=:$display scripts/dev app" >"$logs/app.log" 2>&1 &
app_pid=$!
window=""
for _ in $(seq 1 900); do # the first run may still have to build
  # Xvfb also listens on the abstract socket, which the host shares with the root.
  window=$(DISPLAY=:$display xwininfo -root -tree 2>/dev/null | grep -E '"Clipdex"' | head -1 || true)
  [[ -n $window ]] && break
  kill -0 "$app_pid" 2>/dev/null || break
  sleep 1
done
if [[ -z $window ]]; then
  stage "scripts/dev app: NO WINDOW"
  tail -30 "$logs/app.log"
  exit 1
fi
sleep 8 # let the page load
if command -v import >/dev/null && import -version >/dev/null 2>&1; then
  DISPLAY=:$display import -window root "$logs/first-start.png" && echo "screenshot: $logs/first-start.png"
fi
kill -0 "$app_pid" 2>/dev/null || { stage "scripts/dev app: window closed"; tail -30 "$logs/app.log"; exit 1; }
echo "window: $window"
stage "scripts/dev app (first start)"
printf '%-28s %5ds\n' "total" $(($(date +%s) - t0)) | tee -a "$summary"
echo "PASSED: the README's two commands work on a bare $suite root ($commit)"
