#!/usr/bin/env bash
# Builds .device-kit/, what a machine with a real GPU but without Node or a package registry
# needs to run the device benchmark (bench/device-run.sh): Node itself (xz), Dawn's Node binding
# (the `webgpu` package's dawn.node, xz, with its small JS entry), the Vulkan loader (Debian's
# libvulkan1 .deb) and the benchmark bundled into one file by esbuild with `webgpu` left external.
# About 30 MiB; the checkout travels with it (shaders/ and examples/ are read from there).
# Usage: bash scripts/device-kit.sh   (then carry `.device-kit`; .gitignore keeps it out of git)
set -euo pipefail
cd "$(dirname "$0")/.."
kit=.device-kit
rm -rf "$kit"
mkdir -p "$kit/node_modules/webgpu/dist/linux-x64"
node_bin="$(command -v node)"
echo "device-kit: node $("$node_bin" --version) from $node_bin"
xz -T2 -6 -c "$node_bin" >"$kit/node.xz"
w=node_modules/webgpu
[ -f "$w/dist/linux-x64/dawn.node" ] || { echo "device-kit: $w/dist/linux-x64/dawn.node is missing (npm ci first)"; exit 1; }
cp "$w/package.json" "$w/index.js" "$kit/node_modules/webgpu/"
xz -T2 -6 -c "$w/dist/linux-x64/dawn.node" >"$kit/node_modules/webgpu/dist/linux-x64/dawn.node.xz"
# the Vulkan loader for amd64, whatever this machine's architecture (device README recipe)
lists=$(mktemp -d)
o="-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oDir::State::Lists=$lists"
mkdir -p "$lists/partial"
if ! (apt-get $o update >/dev/null 2>&1 && cd "$kit" && apt-get $o download libvulkan1 >/dev/null 2>&1); then
  echo "device-kit: could not download libvulkan1 (apt); the GPU machine must then have the Vulkan loader installed"
fi
rm -rf "$lists"
npx esbuild bench/device-main.ts --bundle --platform=node --format=esm --target=node20 --external:webgpu \
  --outfile="$kit/bench-device.mjs" --log-level=warning
du -sh "$kit"
ls -la "$kit" "$kit/node_modules/webgpu" "$kit/node_modules/webgpu/dist/linux-x64"
