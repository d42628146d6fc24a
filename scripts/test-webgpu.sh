#!/usr/bin/env bash
# `npm run test:webgpu`: the webgpu backend's kernel comparisons (src/tensor/webgpu.test.ts), then the model,
# agent and RL tests unchanged on ZS_BACKEND=webgpu (gradient checks, KV-cache equivalence, training runs,
# rollouts, RL steps). Without a GPU this runs on Mesa's lavapipe from scripts/setup-lavapipe.sh; if lavapipe
# cannot be set up, it says so loudly and skips (exit 0). On a GPU machine, ZS_WEBGPU_SYSTEM_DRIVER=1 uses the
# system's Vulkan driver instead, and then a software adapter is refused (so the run proves the GPU is used).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --webgpu   # also the Vulkan loader and the libraries lavapipe links

if [ "${ZS_WEBGPU_SYSTEM_DRIVER:-0}" != 1 ]; then
  if ! icd=$(bash scripts/setup-lavapipe.sh); then
    echo "################################################################################" >&2
    echo "## SKIPPED: webgpu tests NOT RUN: lavapipe could not be set up (reason above)  ##" >&2
    echo "################################################################################" >&2
    exit 0
  fi
  export VK_ICD_FILENAMES="$icd"
  export ZS_WEBGPU_ALLOW_SOFTWARE=1
fi
export ZS_BACKEND=webgpu ZS_WEBGPU_REQUIRED=1 ZS_QUIET=1

start=$(date +%s)
node --import tsx --test --test-concurrency=1 src/tensor/webgpu*.test.ts src/model/*.test.ts src/agent/*.test.ts src/rl/*.test.ts "$@"
echo "webgpu suite: $(( $(date +%s) - start )) s" >&2
