#!/usr/bin/env bash
# Installs, from Debian 12's mirror, whatever dnsprop needs and is missing.
#   scripts/install-deps.sh          build dependencies only
#   scripts/install-deps.sh --test   build dependencies + the real servers the tests start
# Idempotent: packages already installed are skipped, and apt is not touched at all
# when nothing is missing. Must run as root (or via sudo) when something is missing.
set -euo pipefail

build_pkgs=(
  build-essential cmake pkg-config ninja-build
  libldns-dev libuv1-dev prometheus-cpp-dev libtomlplusplus-dev libboost-test-dev
  libcivetweb-dev libssl-dev libcli11-dev nlohmann-json3-dev libspdlog-dev libfmt-dev
  libsqlite3-dev libyaml-cpp-dev libcmark-dev libcurl4-openssl-dev
)
test_pkgs=(
  ldnsutils nsd unbound knot knot-resolver pdns-recursor dnsmasq-base dnsperf nginx-light
  prometheus faketime curl clang libclang-rt-14-dev
  chromium apache2-utils help2man debhelper dpkg-dev fakeroot python3 python3-yaml
)

want=("${build_pkgs[@]}")
if [[ "${1:-}" == "--test" ]]; then
  want+=("${test_pkgs[@]}")
  # The mail tests' SMTP server. Debian allows one mail server package at a time: where
  # another one is installed (postfix, exim4, ...) it is kept, opensmtpd is not installed,
  # and the tests that need a real one are skipped (tests/support/mail_servers.h).
  other_mta=$(dpkg-query -W -f='${Package} ${Status}\n' 'postfix' 'exim4-daemon-*' 'sendmail-bin' 'msmtp-mta' \
    'nullmailer' 'dma' 'courier-mta' 2>/dev/null | awk '/install ok installed/ { print $1; exit }' || true)
  if [[ -z "$other_mta" ]]; then
    want+=(opensmtpd)
  elif ! command -v smtpd >/dev/null 2>&1; then
    echo "install-deps: $other_mta is installed: opensmtpd not installed (it would replace it); the OpenSMTPD tests skip" >&2
  fi
fi

missing=()
for p in "${want[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
  echo "install-deps: nothing missing" >&2
  exit 0
fi

echo "install-deps: installing ${missing[*]}" >&2
SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi

# The DNS servers we install are only ever started by the tests, on loopback.
# Keep their packages from starting system services that would grab port 53.
policy=/usr/sbin/policy-rc.d
created_policy=0
if [[ ! -e $policy ]]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null
  $SUDO chmod 755 "$policy"
  created_policy=1
fi
cleanup() { if [[ $created_policy -eq 1 ]]; then $SUDO rm -f "$policy"; fi; }
trap cleanup EXIT

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
