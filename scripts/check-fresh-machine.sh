#!/usr/bin/env bash
# Proves the README on a fresh machine: builds a minimal Debian 12 (debootstrap, about 30 s) holding only this
# host's Node and npm, clones the kit's committed HEAD inside, checks that a user without sudo is stopped by the
# set-up with the exact apt-get command, then runs one README command as root in a clean environment.
# Needs root on a Debian host (debootstrap, chroot, mounts).
#
#   bash scripts/check-fresh-machine.sh "npm test"         # or "npm run demo"
#   ZS_FRESH_KEEP=1 …  keeps the chroot (its path is printed) instead of deleting it
#
# The project's shared/ folder (paper tables, real QA samples), when it sits beside this checkout, is copied in
# beside the clone's origin, as on the kit's own machines (src/util/shared.ts).
set -euo pipefail

cmd=${1:?usage: bash scripts/check-fresh-machine.sh \"<README command, e.g. npm test>\"}
repo=$(cd "$(dirname "$0")/.." && pwd)
say() { echo "[fresh] $*" >&2; }
[ "$(id -u)" = 0 ] || { say "needs root (debootstrap, chroot, mounts): sudo bash $0 '$cmd'"; exit 1; }
node_bin=$(command -v node) || { say "no node on this host to copy in (Node 20+ needed)"; exit 1; }
npm_dir=$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")  # …/node_modules/npm

if ! command -v debootstrap >/dev/null; then
  say "installing debootstrap"
  apt-get install -y -qq debootstrap >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq debootstrap >/dev/null; }
fi
mirror=$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
mirror=${mirror:-http://deb.debian.org/debian}

dir=$(mktemp -d /tmp/fresh-debian.XXXXXX)
chmod 755 "$dir"  # a system root: every user must reach /usr/bin
cleanup() {
  for m in sys proc; do umount "$dir/$m" 2>/dev/null || true; done
  umount -R "$dir/dev" 2>/dev/null || true
  # Deleting is safe only once nothing of the host is mounted inside (an rbind of /dev would be deleted too).
  if grep -q " $dir/" /proc/self/mounts; then say "mounts left under $dir, not deleting it"
  elif [ "${ZS_FRESH_KEEP:-0}" = 1 ]; then say "kept $dir"
  else rm -rf "$dir"; fi
}
trap cleanup EXIT

say "debootstrap bookworm from $mirror into $dir"
start=$(date +%s)
debootstrap --variant=minbase --include=ca-certificates,git bookworm "$dir" "$mirror" >"$dir.debootstrap.log" 2>&1 ||
  { tail -20 "$dir.debootstrap.log" >&2; exit 1; }
rm -f "$dir.debootstrap.log"
say "debootstrap took $(($(date +%s) - start)) s"

# Node 20 and npm as a newcomer would have them: the binary, npm with its npm/npx links, the headers node-gyp
# builds the native addon against (npmrc's nodedir), npm's configuration.
cp "$node_bin" "$dir/usr/bin/node"
mkdir -p "$dir/usr/lib/node_modules" "$dir/usr/include" "$dir/usr/etc"
cp -a "$npm_dir" "$dir/usr/lib/node_modules/npm"
ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$dir/usr/bin/npm"
ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$dir/usr/bin/npx"
[ -d /usr/include/node ] && cp -a /usr/include/node "$dir/usr/include/node"
for rc in /etc/npmrc /usr/etc/npmrc; do [ -f "$rc" ] && cp "$rc" "$dir$rc"; done
[ -f "$HOME/.npmrc" ] && cp "$HOME/.npmrc" "$dir/root/.npmrc"
# The host's apt sources (they replace debootstrap's one-line sources.list), DNS and local CAs.
rm -f "$dir/etc/apt/sources.list"
cp -a /etc/apt/sources.list.d/*.sources "$dir/etc/apt/sources.list.d/" 2>/dev/null || echo "deb $mirror bookworm main" >"$dir/etc/apt/sources.list"
[ -f /etc/apt/sources.list ] && cp /etc/apt/sources.list "$dir/etc/apt/sources.list"
cp -L /etc/resolv.conf "$dir/etc/resolv.conf"
# This host's local CAs (e.g. an HTTPS proxy's), without which npm cannot reach the registry from here.
if compgen -G '/usr/local/share/ca-certificates/*.crt' >/dev/null; then
  cp /usr/local/share/ca-certificates/*.crt "$dir/usr/local/share/ca-certificates/"
  chroot "$dir" update-ca-certificates >/dev/null 2>&1
fi

# The kit: a bare clone of this repository's HEAD (committed work only), and shared/ beside it.
git clone -q --bare "$repo" "$dir/srv/zerosearch-kit.git"
[ -d "$repo/../shared" ] && cp -a "$repo/../shared" "$dir/srv/shared"

mount -t proc proc "$dir/proc"
mount -t sysfs sysfs "$dir/sys"
mount --rbind /dev "$dir/dev"
mount --make-rslave "$dir/dev"

in_chroot() {  # in_chroot USER HOME SCRIPT: a login-less shell with a clean environment
  chroot --userspec="$1" "$dir" /usr/bin/env -i HOME="$2" USER="${1%%:*}" LANG=C.UTF-8 TERM=dumb \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin bash -c "$3"
}

say "as a user without sudo: the set-up must stop with the command to run"
chroot "$dir" useradd --create-home --shell /bin/bash newcomer
uid=$(chroot "$dir" id -u newcomer)
git clone -q "$dir/srv/zerosearch-kit.git" "$dir/home/newcomer/kit"
chown -R "$uid:$uid" "$dir/home/newcomer/kit"
set +e
out=$(in_chroot "$uid:$uid" /home/newcomer 'cd ~/kit && bash scripts/setup.sh' 2>&1)
rc=$?
set -e
echo "$out" >&2
if [ $rc = 0 ] || ! grep -q "apt-get install -y --no-install-recommends" <<<"$out"; then
  say "FAIL: without root the set-up should stop (exit ≠ 0) and print the apt-get command (exit $rc)"
  exit 1
fi
say "ok: stopped (exit $rc) with the command to run"

say "as root, on the fresh clone: $cmd"
start=$(date +%s)
set +e
in_chroot 0:0 /root "cd ~ && git clone -q /srv/zerosearch-kit.git zerosearch-kit && cd zerosearch-kit && $cmd"
rc=$?
set -e
say "'$cmd' exited $rc after $(($(date +%s) - start)) s"
exit $rc
