#!/usr/bin/env bash
# Puts Mesa's lavapipe (a Vulkan driver that runs on the CPU) into vendor/lavapipe/, without installing it, so
# the webgpu backend can be tested on machines with no GPU. Prints the ICD file for VK_ICD_FILENAMES on stdout;
# everything else goes to stderr. Exits non-zero, saying why, when it cannot.
#
# Why a newer Mesa: Dawn rejects the lavapipe of Debian 12's own Mesa 22.3 (it lacks
# shaderUniform*ArrayDynamicIndexing); Mesa 25 from bookworm-backports works. Only the .deb is fetched (apt
# with a private sources list and cache, so the system's apt state is untouched) and unpacked here.
# Needs: apt, dpkg-deb, the Vulkan loader (`libvulkan1`) and lavapipe's runtime libraries (LLVM 15, xcb,
# wayland-client, drm, zstd, expat: all in Debian 12's main suite; the script lists any that are missing).
set -euo pipefail
cd "$(dirname "$0")/.."

dest=vendor/lavapipe
icd="$PWD/$dest/lvp_icd.json"
say() { echo "setup-lavapipe: $*" >&2; }

find_lib() { find "$dest/usr/lib" -name libvulkan_lvp.so -print -quit 2>/dev/null || true; }

# (grep without -q: with pipefail, -q's early exit would fail the pipeline through ldconfig's SIGPIPE)
if ! "$(command -v ldconfig || echo /sbin/ldconfig)" -p | grep 'libvulkan\.so\.1 ' >/dev/null; then
  say "the Vulkan loader is missing: apt-get install libvulkan1"
  exit 1
fi

if [ -z "$(find_lib)" ]; then
  command -v apt-get >/dev/null && command -v dpkg-deb >/dev/null || { say "needs apt-get and dpkg-deb (Debian/Ubuntu)"; exit 1; }
  . /etc/os-release
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  mkdir -p "$work/lists/partial" "$work/cache/archives/partial"
  apt_opts=(-o "Dir::State::Lists=$work/lists" -o "Dir::Cache=$work/cache" -o "Debug::NoLocking=1" -o "APT::Sandbox::User=root")
  if [ "${VERSION_CODENAME:-}" = bookworm ]; then
    mirror=${LAVAPIPE_MIRROR:-http://deb.debian.org/debian}
    echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror bookworm-backports main" > "$work/sources.list"
    apt_opts+=(-o "Dir::Etc::sourcelist=$work/sources.list" -o "Dir::Etc::sourceparts=-")
  else
    # Newer releases ship a Mesa whose lavapipe Dawn accepts: fetch it from the system's own suites.
    apt_opts+=(-o "Dir::Etc::sourceparts=/etc/apt/sources.list.d")
  fi
  say "fetching mesa-vulkan-drivers (${VERSION_CODENAME:-unknown release})"
  if ! apt-get "${apt_opts[@]}" update -qq >&2; then say "apt-get update failed (no network or mirror?)"; exit 1; fi
  if ! (cd "$work" && apt-get "${apt_opts[@]}" download mesa-vulkan-drivers >&2); then say "apt-get download mesa-vulkan-drivers failed"; exit 1; fi
  rm -rf "$dest"
  mkdir -p "$dest"
  dpkg-deb -x "$work"/mesa-vulkan-drivers_*.deb "$dest"
  say "unpacked $(basename "$work"/mesa-vulkan-drivers_*.deb) into $dest"
fi

lib=$(find_lib)
[ -n "$lib" ] || { say "the package held no libvulkan_lvp.so"; exit 1; }
missing=$(ldd "$lib" | awk '/not found/ {print $1}')
if [ -n "$missing" ]; then
  say "lavapipe needs libraries that are not installed:" $missing
  say "on Debian 12: apt-get install libllvm15 libdrm2 libexpat1 libzstd1 libxcb1 libxcb-randr0 libx11-xcb1 libxcb-dri3-0 libxcb-present0 libxcb-xfixes0 libxcb-sync1 libxcb-shm0 libxshmfence1 libwayland-client0"
  exit 1
fi

# Debian's own ICD file names the library without a path (it expects the system library directory); this one
# names ours, relative to the file itself.
cat > "$icd" <<EOF
{ "file_format_version": "1.0.0", "ICD": { "library_path": "./${lib#"$dest"/}", "api_version": "1.3.0" } }
EOF
echo "$icd"
