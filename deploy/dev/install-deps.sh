#!/usr/bin/env bash
# install-deps.sh — the Debian 12 packages ketenbus needs to build, test and
# run its embedded default. Idempotent and quiet when everything is present.
set -euo pipefail
packages=(
  build-essential cmake pkg-config
  libzmq3-dev libczmq-dev libprotobuf-c-dev protobuf-c-compiler
  libpq-dev postgresql postgresql-client
  libsodium-dev libmicrohttpd-dev libcmocka-dev
  valgrind
  chromium chromium-driver curl
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "install-deps: missing packages: ${missing[*]} (run as root or install them)" >&2
  exit 1
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
