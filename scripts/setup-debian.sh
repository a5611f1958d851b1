#!/usr/bin/env bash
# Installs everything Clipdex needs on Debian or Ubuntu, skipping what is
# already there: system packages (WebKitGTK for the window, protoc for
# LanceDB, …), the ONNX Runtime library (pinned, checksum-verified, from the
# onnxruntime wheel on PyPI) and the window's npm packages.
# Safe to run again; the second run takes seconds.
set -euo pipefail
cd "$(dirname "$0")/.."

# Installed with --no-install-recommends, so every package the build needs is
# named here: protoc's well-known types (google/protobuf/*.proto), which
# LanceDB's build imports, are in libprotobuf-dev, which protobuf-compiler only
# recommends. scripts/fresh-machine-check.sh proves this list on a bare root.
# HEIC and AVIF: libheif is built from source by the `heif-bundled` feature
# (Debian 12's is too old), with cmake, against Debian's HEVC and AV1
# decoders (libde265, dav1d). Videos are read by ffmpeg, run as a program;
# the window plays them through WebKitGTK's GStreamer, which decodes H.264
# and HEVC with gstreamer1.0-libav (VP8/VP9 and the MP4 and WebM containers
# come with gstreamer1.0-plugins-good, a WebKitGTK dependency). Text in
# pictures is read by Tesseract, run as a program, with its English data
# (more languages: apt install tesseract-ocr-deu, -fra, -chi-sim, …).
APT_PACKAGES=(
  build-essential pkg-config curl file ca-certificates
  protobuf-compiler libprotobuf-dev
  cmake libde265-dev libdav1d-dev ffmpeg gstreamer1.0-libav
  tesseract-ocr tesseract-ocr-eng
  libwebkit2gtk-4.1-dev libxdo-dev libssl-dev libayatana-appindicator3-dev librsvg2-dev
  python3 python3-pip
  nodejs npm
)
# `--test`: also what the test suite needs: headless Chromium for the
# window's browser tests; Xvfb and WebKitWebDriver for the end-to-end test
# of the real app (scripts/e2e.sh installs tauri-driver itself); for the
# package test (scripts/package-test.sh), rpm to read the .rpm and xdotool
# to type into the real file dialog; libheif's encoder (heif-enc) to make
# the HEIC and AVIF test files; DejaVu and WenQuanYi fonts to draw the text
# the OCR tests read, and Tesseract's Simplified Chinese data to read it.
if [[ "${1:-}" == "--test" ]]; then
  APT_PACKAGES+=(chromium xvfb webkit2gtk-driver rpm xdotool libheif-examples fonts-dejavu-core
    fonts-wqy-microhei tesseract-ocr-chi-sim)
fi

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# A newer Node.js installed outside apt (nodesource, nvm) is fine: keep it.
if command -v node >/dev/null && command -v npm >/dev/null; then
  filtered=()
  for p in "${missing[@]}"; do [[ "$p" == nodejs || "$p" == npm ]] || filtered+=("$p"); done
  missing=("${filtered[@]}")
fi
if ((${#missing[@]})); then
  echo "==> installing system packages: ${missing[*]}"
  SUDO=""
  [[ $(id -u) -eq 0 ]] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! command -v cargo >/dev/null; then
  echo "Rust is not installed. Install it with rustup (https://rustup.rs), then run this again." >&2
  exit 1
fi

node_major=$(node -p 'process.versions.node.split(".")[0]')
if ((node_major < 18)); then
  echo "Node.js $node_major is too old; the window's build needs 18 or newer." >&2
  exit 1
fi

# What the build and the tests need, checked now, so that a missing piece is
# named with its package here rather than found minutes into a build.
problems=()
need() { # need PACKAGE WHAT COMMAND…: COMMAND must succeed
  local package=$1 what=$2; shift 2
  "$@" >/dev/null 2>&1 || problems+=("$what (package $package)")
}
check=$(mktemp -d)
trap 'rm -rf "$check"' EXIT
printf 'syntax = "proto3";\nimport "google/protobuf/empty.proto";\nmessage M { google.protobuf.Empty e = 1; }\n' >"$check/m.proto"
need protobuf-compiler "protoc" command -v protoc
need libprotobuf-dev "protoc importing google/protobuf/empty.proto" protoc -I"$check" --include_imports --descriptor_set_out="$check/m.pb" "$check/m.proto"
printf 'int main(void) { return 0; }\n' >"$check/c.c"
need build-essential "a C compiler and linker" cc "$check/c.c" -o "$check/c"
need pkg-config "pkg-config" command -v pkg-config
need cmake "cmake" command -v cmake
need libde265-dev "pkg-config module libde265" pkg-config --exists libde265
need libdav1d-dev "pkg-config module dav1d" pkg-config --exists dav1d
need ffmpeg "ffmpeg (reads videos) with libx264 and libvpx (makes the test videos)" sh -c 'ffmpeg -hide_banner -encoders 2>/dev/null | grep -q libx264 && ffmpeg -hide_banner -encoders 2>/dev/null | grep -q libvpx'
need gstreamer1.0-libav "GStreamer's libav plugin (the window plays H.264)" sh -c 'ls /usr/lib/*/gstreamer-1.0/libgstlibav.so >/dev/null 2>&1'
for module in webkit2gtk-4.1:libwebkit2gtk-4.1-dev javascriptcoregtk-4.1:libwebkit2gtk-4.1-dev \
  libsoup-3.0:libsoup-3.0-dev gtk+-3.0:libgtk-3-dev openssl:libssl-dev \
  ayatana-appindicator3-0.1:libayatana-appindicator3-dev librsvg-2.0:librsvg2-dev; do
  need "${module#*:}" "pkg-config module ${module%%:*}" pkg-config --exists "${module%%:*}"
done
need libxdo-dev "libxdo" test -e /usr/include/xdo.h
need python3-pip "python3 -m pip" python3 -m pip --version
need npm "npm" command -v npm
if [[ "${1:-}" == "--test" ]]; then
  need chromium "chromium" command -v chromium
  need xvfb "Xvfb" command -v Xvfb
  need webkit2gtk-driver "WebKitWebDriver" command -v WebKitWebDriver
  need rpm "rpm" command -v rpm
  need xdotool "xdotool" command -v xdotool
  need libheif-examples "heif-enc" command -v heif-enc
fi
if ((${#problems[@]})); then
  echo "The set-up is incomplete; missing:" >&2
  printf '  - %s\n' "${problems[@]}" >&2
  echo "Install the packages named (apt-get install …), then run this again." >&2
  exit 1
fi

echo "==> ONNX Runtime"
python3 scripts/fetch_onnxruntime.py

if [[ ! -d ui/node_modules ]] || [[ ui/package-lock.json -nt ui/node_modules/.package-lock.json ]]; then
  echo "==> npm packages for the window"
  npm --prefix ui ci --no-fund --no-audit --loglevel=error
fi
