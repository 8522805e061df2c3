#!/usr/bin/env bash
# Runs the device benchmark from the carried kit (scripts/device-kit.sh) on a machine with a GPU
# and no Node: unpacks Node and Dawn inside the kit folder, installs the Vulkan loader from the kit's .deb,
# points Vulkan at the NVIDIA driver, checks that the adapter is a real GPU, runs
# bench/device.ts (hong2018 800² for a fixed number of steps, 3D 256³) within 8 minutes and
# writes the JSON to $OUT (the device tool's folder) or bench/results/device/.
# Usage (repository root): bash bench/device-run.sh [bench/device.ts options]
#   LIDENDRITE_ALLOW_SOFTWARE=1 lets it run on SwiftShader (a check of the kit, e.g. with --quick).
set -euo pipefail
cd "$(dirname "$0")/.."
kit=.device-kit
[ -f "$kit/bench-device.mjs" ] || { echo "device-run: $kit is missing: build it with bash scripts/device-kit.sh and carry it"; exit 1; }
# unpacked in place: the bundle finds `webgpu` in .device-kit/node_modules and the checkout one level up
xz -dc "$kit/node.xz" >"$kit/node" && chmod +x "$kit/node"
xz -dc "$kit/node_modules/webgpu/dist/linux-x64/dawn.node.xz" >"$kit/node_modules/webgpu/dist/linux-x64/dawn.node"
if ! ldconfig -p | grep -q 'libvulkan.so.1'; then
  for f in "$kit"/*.deb; do [ -f "$f" ] && dpkg -x "$f" /; done
  ldconfig
fi
if [ -z "${VK_ICD_FILENAMES:-}" ] && [ -z "${VK_DRIVER_FILES:-}" ]; then
  for icd in /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json /usr/share/vulkan/icd.d/nvidia_icd.json /etc/vulkan/icd.d/nvidia_icd.json; do
    if [ -f "$icd" ]; then export VK_ICD_FILENAMES="$icd" VK_DRIVER_FILES="$icd"; break; fi
  done
fi
mkdir -p /tmp/lidendrite-xdg && chmod 700 /tmp/lidendrite-xdg && export XDG_RUNTIME_DIR=/tmp/lidendrite-xdg
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || true
out_dir="${OUT:-bench/results/device}"
mkdir -p "$out_dir"
host=$(hostname | tr -c 'A-Za-z0-9._\n-' '_')
args=("$@")
[ "${LIDENDRITE_ALLOW_SOFTWARE:-0}" = 1 ] || args+=(--require-hardware)
timeout 470 "$kit/node" "$kit/bench-device.mjs" --out "$out_dir/device-$host.json" "${args[@]}" 2>&1 | tee "$out_dir/device-$host.log"
