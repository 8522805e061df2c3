#!/usr/bin/env bash
# Installs the system packages the GPU/browser backends need (Chromium, which ships SwiftShader,
# and the Vulkan loader) and the Slurm test needs (slurm-wlm and munge: test/sweep/slurm.test.ts
# starts a one-node cluster with scripts/slurm-local.sh) when they are missing. The CPU path needs
# none of them. Without root or passwordless sudo it prints the exact command instead and exits 0.
set -u
missing=()
[ -f /usr/lib/chromium/vk_swiftshader_icd.json ] && command -v chromium >/dev/null 2>&1 || missing+=(chromium)
if ! ldconfig -p 2>/dev/null | grep -q 'libvulkan.so.1'; then missing+=(libvulkan1); fi
has() { command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ]; }
{ has sbatch && has slurmctld && has slurmd; } || missing+=(slurm-wlm)
has munged || missing+=(munge)
if [ ${#missing[@]} -eq 0 ]; then
  echo "setup-system: chromium (SwiftShader), the Vulkan loader, slurm-wlm and munge are present"
  exit 0
fi
cmd="apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${missing[*]}"
if [ "$(id -u)" = 0 ]; then
  echo "setup-system: installing ${missing[*]}"
  bash -c "$cmd" >/tmp/lidendrite-apt.log 2>&1 || { echo "setup-system: install failed, see /tmp/lidendrite-apt.log"; exit 1; }
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  echo "setup-system: installing ${missing[*]} with sudo"
  sudo bash -c "$cmd" >/tmp/lidendrite-apt.log 2>&1 || { echo "setup-system: install failed, see /tmp/lidendrite-apt.log"; exit 1; }
else
  echo "setup-system: missing ${missing[*]} (needed only by the WebGPU/WebGL backends and browser tests, and the Slurm sweep test)."
  echo "  run as root: $cmd"
fi
