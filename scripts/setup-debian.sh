#!/usr/bin/env bash
# Installs everything Clipdex needs on Debian or Ubuntu, skipping what is
# already there: system packages (WebKitGTK for the window, protoc for
# LanceDB, …), the ONNX Runtime library (pinned, checksum-verified, from the
# onnxruntime wheel on PyPI) and the window's npm packages.
# Safe to run again; the second run takes seconds.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  build-essential pkg-config curl file ca-certificates
  protobuf-compiler
  libwebkit2gtk-4.1-dev libxdo-dev libssl-dev libayatana-appindicator3-dev librsvg2-dev
  python3 python3-pip
  nodejs npm
)
# `--test`: also what the test suite needs: headless Chromium for the
# window's browser tests; Xvfb and WebKitWebDriver for the end-to-end test
# of the real app (scripts/e2e.sh installs tauri-driver itself).
if [[ "${1:-}" == "--test" ]]; then
  APT_PACKAGES+=(chromium xvfb webkit2gtk-driver)
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

echo "==> ONNX Runtime"
python3 scripts/fetch_onnxruntime.py

if [[ ! -d ui/node_modules ]] || [[ ui/package-lock.json -nt ui/node_modules/.package-lock.json ]]; then
  echo "==> npm packages for the window"
  npm --prefix ui ci --no-fund --no-audit --loglevel=error
fi
