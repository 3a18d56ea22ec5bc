#!/usr/bin/env bash
# A CPython linked against musl (x86-64), to load the musllinux wheel here: no registry this
# project reaches serves one (PyPI has no CPython builds, Debian's musl has no Python), so it is
# built from Debian's source package of python3.11 with Debian's musl-gcc (musl-tools).
#
#   .ci/musl-python.sh DIR      prints the interpreter's path (DIR/Python-*/python, run in place)
#
# Installs musl-tools when missing (root: apt-get); the source comes through `apt-get source`
# with a package list of its own under DIR (the machine's apt sources are left alone). Built
# once: a DIR that holds the interpreter is reused. Optional modules whose libraries musl lacks
# here (ssl, zlib, ctypes, ...) are left out; the wheel needs none of them.
set -euo pipefail
dir="$(mkdir -p "$1" && cd "$1" && pwd)"
log() { echo "musl-python.sh: $*" >&2; }
existing=$(ls "$dir"/Python-*/python 2>/dev/null | head -n 1 || true)
if [[ -n "$existing" ]] && "$existing" -c 'import decimal, datetime' 2>/dev/null; then
  echo "$existing"
  exit 0
fi
if ! command -v musl-gcc >/dev/null; then
  [[ $(id -u) -eq 0 ]] || { log "not root: install musl-tools yourself (apt-get install musl-tools)"; exit 1; }
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq musl-tools >/dev/null
fi
source_list="deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian $(. /etc/os-release && echo "$VERSION_CODENAME") main"
mkdir -p "$dir/apt/lists/partial" "$dir/src"
printf '%s\n' "$source_list" >"$dir/apt/sources.list"
apt_opts=(-o "Dir::Etc::SourceList=$dir/apt/sources.list" -o Dir::Etc::SourceParts=/dev/null
  -o "Dir::State::Lists=$dir/apt/lists" -o Debug::NoLocking=1 -o APT::Sandbox::User=root)
apt-get "${apt_opts[@]}" update -qq >&2
(cd "$dir/src" && apt-get "${apt_opts[@]}" source --download-only -qq python3.11 >&2)
orig=$(ls "$dir"/src/python3.11_*.orig.tar.* | head -n 1)
rm -rf "$dir"/Python-*
tar xf "$orig" -C "$dir"
build=$(ls -d "$dir"/Python-* | head -n 1)
# CPython's configure and setup.py ask the compiler for its multiarch triplet; musl-gcc (gcc
# underneath) would answer x86_64-linux-gnu and pull in glibc's headers.
cat >"$dir/musl-cc" <<'EOF'
#!/bin/sh
case "$1" in -print-multiarch|--print-multiarch) echo x86_64-linux-musl; exit 0 ;; esac
exec musl-gcc "$@"
EOF
chmod +x "$dir/musl-cc"
log "building $(basename "$build") with musl-gcc in $build"
(cd "$build" && CC="$dir/musl-cc" CFLAGS=-O1 ./configure -q --without-ensurepip --disable-test-modules \
  >"$dir/configure.log" 2>&1 && make -s -j"$(nproc)" >"$dir/make.log" 2>&1) \
  || { tail -n 30 "$dir/configure.log" "$dir/make.log" >&2 2>/dev/null; exit 1; }
"$build/python" -c 'import decimal, _decimal, datetime, json' \
  || { log "the musl python lacks a module the wheel needs"; exit 1; }
echo "$build/python"
