#!/usr/bin/env bash
# A folder holding Debian packages of another architecture (and everything they depend on),
# unpacked, not installed: the root that `qemu-aarch64-static -L ROOT` runs that architecture's
# programs in, so the packages built for it run here under emulation.
#
#   .ci/debian-root.sh ARCH ROOT PACKAGE...     e.g. .ci/debian-root.sh arm64 target/arm64 python3.11-minimal
#
# Adds ARCH to dpkg's architectures and installs qemu-user-static when missing (root: apt-get),
# then downloads the packages with apt-get (Debian's own mirror) and unpacks each with dpkg -x.
# Nothing of ARCH is installed on the machine. Does nothing when ROOT/.packages already lists
# the same packages.
set -euo pipefail
arch="$1" root="$2"
shift 2
wanted="$arch $*"
if [[ -f "$root/.packages" && "$(cat "$root/.packages")" == "$wanted" ]]; then
  exit 0
fi
log() { echo "debian-root.sh: $*" >&2; }
need_root() {
  if [[ $(id -u) -ne 0 ]]; then
    log "not root: $1"
    exit 1
  fi
}
if ! command -v qemu-aarch64-static >/dev/null; then
  need_root "install qemu-user-static yourself (apt-get install qemu-user-static)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq qemu-user-static >/dev/null
fi
if ! dpkg --print-foreign-architectures | grep -qx "$arch"; then
  need_root "add the architecture yourself (dpkg --add-architecture $arch && apt-get update)"
  dpkg --add-architecture "$arch"
  apt-get update -qq
fi
closure() {
  apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks \
    --no-replaces --no-enhances "${@/%/:$arch}" 2>/dev/null \
    | grep -E "^[a-z0-9][^ ]*:$arch\$" \
    | grep -v -E '^(dpkg|tar|perl|install-info|debconf|cdebconf|util-linux|sysvinit-utils|xfonts-utils|openssl|mailcap|mime-support|readline-common|libdebian-installer4|libnewt0\.52|libslang2|libtextwrap1):' \
    | sort -u
}
packages=$(closure "$@")
if [[ -z "$packages" ]]; then
  log "apt-cache knows none of: $* ($arch); trying apt-get update"
  apt-get update -qq
  packages=$(closure "$@")
fi
[[ -n "$packages" ]] || { log "no $arch packages for: $*"; exit 1; }
rm -rf "$root"
mkdir -p "$root/.debs"
chmod 777 "$root/.debs"  # apt-get downloads as its own user (_apt)
# shellcheck disable=SC2086
(cd "$root/.debs" && apt-get download -qq $packages 2>&1 | grep -v '^W: Download is performed unsandboxed' >&2 || true)
count=0
for deb in "$root"/.debs/*.deb; do
  dpkg -x "$deb" "$root"
  count=$((count + 1))
done
rm -rf "$root/.debs"
log "$count $arch packages unpacked into $root for: $*"
printf '%s\n' "$wanted" >"$root/.packages"
