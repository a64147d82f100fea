#!/usr/bin/env bash
# The Debian package: builds it with `dpkg-buildpackage -us -uc -b` from a copy of the
# working tree (committed or not; build folders left out), then checks the .deb without
# installing it on this machine:
#   - contents: binary, unit, conffiles, default file, every catalog and dashboard file,
#     man page, docs; control data: conffiles, maintainer scripts that never enable the
#     unit but restart it on upgrade and stop it on removal;
#   - the extracted binary runs (version, --help) and its man page has every subcommand;
#   - the installed config is valid and its catalogs are the installed ones (resolver
#     selection through `survey` inside a network namespace with no network at all);
#   - the unit passes `systemd-analyze verify` and a hardening threshold (if available);
#   - `dpkg --root` installs it into an empty root and purges it again (as root, with
#     the host's systemd state hidden behind tmpfs in a private mount namespace).
# It compiles everything (several minutes on 2 cores): DNSPROP_SKIP_PACKAGE=1 skips it
# (exit 77). DNSPROP_KEEP_PACKAGE=1 keeps the work folder and prints where it is;
# DNSPROP_PACKAGE_DEB=file.deb checks that package instead of building one.
# Needs: dpkg-dev, debhelper, fakeroot, help2man (scripts/install-deps.sh --test).
set -euo pipefail
: "${DNSPROP_SOURCE_DIR:?}"

if [[ "${DNSPROP_SKIP_PACKAGE:-0}" == 1 ]]; then
  echo "package_build: skipped (DNSPROP_SKIP_PACKAGE=1)"
  exit 77
fi
for tool in dpkg-buildpackage dh help2man fakeroot; do
  command -v "$tool" >/dev/null ||
    { echo "FAIL: $tool not installed (scripts/install-deps.sh --test)" >&2; exit 1; }
done

started=$SECONDS
work=$(mktemp -d "${TMPDIR:-/tmp}/dnsprop-package.XXXXXX")
cleanup() {
  if [[ "${DNSPROP_KEEP_PACKAGE:-0}" == 1 ]]; then
    echo "package_build: work folder kept: $work"
  else
    rm -rf "$work"
  fi
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
step() { echo "package_build: [$((SECONDS - started))s] $*"; }

version=$(dpkg-parsechangelog -l "$DNSPROP_SOURCE_DIR/debian/changelog" -S Version)
upstream=${version%-*}
if [[ -n "${DNSPROP_PACKAGE_DEB:-}" ]]; then
  # Check an already built package against the source tree instead of building one.
  deb=$(readlink -f "$DNSPROP_PACKAGE_DEB")
  src=$DNSPROP_SOURCE_DIR
  step "checking $deb (DNSPROP_PACKAGE_DEB), not building"
else
  # ---- a copy of the working tree ----
  src="$work/dnsprop-$upstream"
  mkdir "$src"
  if git -C "$DNSPROP_SOURCE_DIR" rev-parse --git-dir >/dev/null 2>&1; then
    # Tracked and untracked-but-not-ignored files (build folders are ignored); files
    # deleted in the working tree are left out.
    git -C "$DNSPROP_SOURCE_DIR" ls-files -z -co --exclude-standard |
      while IFS= read -r -d '' f; do
        if [[ -e "$DNSPROP_SOURCE_DIR/$f" || -L "$DNSPROP_SOURCE_DIR/$f" ]]; then printf '%s\0' "$f"; fi
      done |
      tar -C "$DNSPROP_SOURCE_DIR" --null -T - -cf - | tar -C "$src" -xf -
  else
    tar -C "$DNSPROP_SOURCE_DIR" --exclude='./build*' --exclude=./.git --exclude=./.cache \
        --exclude=./debian/build --exclude=./debian/tmp --exclude=./debian/dnsprop \
        --exclude=./debian/.debhelper -cf - . | tar -C "$src" -xf -
  fi
  step "copied the source tree to $src"

  # ---- build ----
  jobs=${DNSPROP_PACKAGE_JOBS:-2}
  if ! (cd "$src" && dpkg-buildpackage -us -uc -b "-j$jobs") > "$work/build.log" 2>&1; then
    tail -n 60 "$work/build.log" >&2
    fail "dpkg-buildpackage failed (log above, last 60 lines)"
  fi
  deb="$work/dnsprop_${version}_$(dpkg-architecture -qDEB_HOST_ARCH).deb"
  [[ -f "$deb" ]] || fail "no $deb after the build: $(ls "$work")"
  step "built $(basename "$deb") ($(du -k "$deb" | cut -f1) KiB)"
fi

# ---- control data ----
[[ $(dpkg-deb -f "$deb" Package) == dnsprop ]] || fail "Package field"
[[ $(dpkg-deb -f "$deb" Version) == "$version" ]] || fail "Version field"
mkdir "$work/control"
dpkg-deb -e "$deb" "$work/control"
for f in /etc/dnsprop/dnsprop.toml /etc/default/dnsprop; do
  grep -qx "$f" "$work/control/conffiles" || fail "$f is not a conffile"
done
# The unit: never enabled by the package (only an admin's earlier choice is restored,
# which is what `debian-installed` guards), restarted on upgrade, stopped on removal.
# Whether a fresh install enables it is checked for real by the dpkg --root step below.
[[ -f "$work/control/postinst" ]] || fail "no postinst (dh_installsystemd snippets missing)"
grep -q "deb-systemd-helper debian-installed 'dnsprop.service'" "$work/control/postinst" ||
  fail "postinst may enable the unit on a fresh install: $(cat "$work/control/postinst")"
grep -q "_dh_action=restart" "$work/control/postinst" || fail "postinst does not restart on upgrade"
grep -q "deb-systemd-invoke stop 'dnsprop.service'" "$work/control/prerm" || fail "prerm does not stop the service"

# ---- contents ----
dpkg-deb -c "$deb" | awk '{print $6}' | sed 's#^\./#/#; s#/$##' > "$work/contents"
want=(/usr/bin/dnsprop /lib/systemd/system/dnsprop.service /etc/dnsprop/dnsprop.toml
      /etc/default/dnsprop /usr/share/man/man1/dnsprop.1.gz /usr/share/doc/dnsprop/copyright
      /usr/share/doc/dnsprop/changelog.Debian.gz /usr/share/dnsprop/dashboards
      /usr/share/dnsprop/config/dnsprop.toml)
# Every shipped catalog and every file of dashboards/ (Grafana JSON, provisioning, rules).
while IFS= read -r -d '' f; do want+=("/usr/share/dnsprop/resolvers/${f#"$src"/resolvers/}"); done \
  < <(find "$src/resolvers" -name '*.toml' -print0)
while IFS= read -r -d '' f; do want+=("/usr/share/dnsprop/dashboards/${f#"$src"/dashboards/}"); done \
  < <(find "$src/dashboards" -type f -print0)
for f in "${want[@]}"; do
  grep -qxF "$f" "$work/contents" || fail "$f is not in the package"
done
step "contents ok (${#want[@]} required paths)"

# ---- the extracted package ----
root="$work/root"
dpkg -x "$deb" "$root"
bin="$root/usr/bin/dnsprop"
out=$("$bin" version) || fail "dnsprop version exited $?"
[[ "$out" == *"$upstream"* ]] || fail "version does not say $upstream: $out"
out=$("$bin" --help) || fail "dnsprop --help exited $?"
[[ "$out" == *"Usage:"* ]] || fail "--help has no usage: $out"
cmp -s "$root/etc/default/dnsprop" "$src/packaging/dnsprop.default" || fail "/etc/default/dnsprop differs from packaging/"
cmp -s "$root/lib/systemd/system/dnsprop.service" "$src/packaging/dnsprop.service" || fail "unit differs from packaging/"

# The man page comes from --help: every subcommand --help lists has a section.
zcat "$root/usr/share/man/man1/dnsprop.1.gz" > "$work/dnsprop.1"
for sub in $("$bin" --help | awk '/^Subcommands:$/{on=1;next} on&&/^$/{on=0} on&&/^  [^ ]/{print $1}'); do
  grep -q "^\.SS \"dnsprop $sub\"" "$work/dnsprop.1" || fail "man page has no section for $sub"
done
if command -v man >/dev/null; then
  warnings=$(MANWIDTH=80 man --warnings -l "$work/dnsprop.1" 2>&1 >/dev/null) || fail "man cannot render dnsprop.1"
  [[ -z "$warnings" ]] || fail "man page warnings: $warnings"
fi

# The installed config: valid, and every catalog it names is an installed catalog.
conf="$root/etc/dnsprop/dnsprop.toml"
out=$("$bin" --config.file="$conf" --config.check) || fail "installed config rejected: $out"
catalogs=$(grep '^catalogs' "$conf" | grep -o '"[^"]*"' | tr -d '"')
[[ -n "$catalogs" ]] || fail "the installed config names no catalogs"
for c in $catalogs; do
  [[ $c == /usr/share/dnsprop/resolvers/* && -f "$root$c" ]] || fail "installed config names $c, not an installed catalog"
done
# Resolver selection from the installed config, with /usr/share/dnsprop mapped to the
# extracted one. `survey` asks every selected resolver; in a network namespace without
# even loopback up, every query fails at once and nothing leaves the machine.
ns=()
if [[ $(id -u) == 0 ]] && unshare -n true 2>/dev/null; then ns=(unshare -n)
elif unshare -rn true 2>/dev/null; then ns=(unshare -rn)
fi
if [[ ${#ns[@]} -gt 0 ]]; then
  sed "s#\"/usr/share/dnsprop/#\"$root/usr/share/dnsprop/#g" "$conf" > "$work/mapped.toml"
  out=$(timeout 120 "${ns[@]}" "$bin" --config.file="$work/mapped.toml" survey -o json 2>"$work/survey.err") ||
    fail "survey on the installed config exited $?: $(head -c 2000 "$work/survey.err")"
  n=$(python3 -c 'import json,sys; print(len({r["resolver"] for r in json.load(sys.stdin)}))' <<<"$out") ||
    fail "survey output is not JSON: $(head -c 500 <<<"$out")"
  [[ $n -gt 10 ]] || fail "the installed config selects only $n resolvers"
  step "installed config selects $n resolvers from the installed catalogs"
else
  step "no network namespace available: resolver selection from the installed config not run"
fi

# ---- the unit ----
if command -v systemd-analyze >/dev/null; then
  unit="$root/lib/systemd/system/dnsprop.service"
  # verify wants the commands to exist: point them at the extracted binary.
  mkdir "$work/unit"
  sed "s#=/usr/bin/dnsprop #=$root/usr/bin/dnsprop #" "$unit" > "$work/unit/dnsprop.service"
  grep -q "^ExecStart=$root/usr/bin/dnsprop " "$work/unit/dnsprop.service" || fail "ExecStart is not /usr/bin/dnsprop"
  err=$(systemd-analyze verify --man=no "$work/unit/dnsprop.service" 2>&1) ||
    fail "systemd-analyze verify: $err"
  [[ -z "$err" ]] || fail "systemd-analyze verify complains: $err"
  # Exposure 0.0 (locked down) .. 10.0 (unprotected): keep it at 2.0 or lower.
  systemd-analyze security --offline=yes --threshold=20 "$unit" > "$work/security" 2>&1 ||
    fail "unit hardening above threshold: $(tail -n 15 "$work/security")"
  step "unit ok ($(grep -o 'exposure level for [^:]*: [0-9.]*' "$work/security"))"
fi

# ---- dpkg --root: install into an empty root, then purge ----
# Maintainer scripts run outside the chroot (--force-script-chrootless, DPKG_ROOT set);
# the host's systemd state is hidden behind tmpfs in a private mount namespace, so
# nothing on this machine can change whatever the scripts do.
if [[ $(id -u) == 0 ]] && unshare -m true 2>/dev/null; then
  r="$work/dpkgroot"
  mkdir -p "$r/var/lib/dpkg/info" "$r/var/lib/dpkg/updates"
  : > "$r/var/lib/dpkg/status"
  # dpkg_isolated ARGS...: dpkg --root=$r ARGS with the host's systemd state hidden.
  dpkg_isolated() {
    # shellcheck disable=SC2016  # expanded by the inner shell
    unshare -m bash -euo pipefail -c '
      for d in /var/lib/systemd /etc/systemd/system /run/systemd; do
        if [[ -d $d ]]; then mount -t tmpfs tmpfs "$d"; fi
      done
      exec dpkg --force-script-chrootless --force-depends --force-not-root "$@"
    ' _ --root="$r" "$@"
  }
  dpkg_isolated -i "$deb" > "$work/dpkg-install.log" 2>&1 || fail "dpkg --root -i: $(tail -n 30 "$work/dpkg-install.log")"
  status=$(dpkg-query --admindir="$r/var/lib/dpkg" -W -f='${Status}' dnsprop)
  [[ $status == "install ok installed" ]] || fail "dpkg --root status: $status"
  for f in /usr/bin/dnsprop /etc/dnsprop/dnsprop.toml /lib/systemd/system/dnsprop.service; do
    [[ -e "$r$f" ]] || fail "$f not installed by dpkg --root"
  done
  # Registered with deb-systemd-helper (so purge cleans up after an admin's enable), but
  # not enabled.
  [[ -e "$r/var/lib/systemd/deb-systemd-helper-enabled/dnsprop.service.dsh-also" ]] ||
    fail "unit not registered with deb-systemd-helper: $(find "$r/var/lib/systemd" 2>&1)"
  [[ ! -e "$r/etc/systemd/system/multi-user.target.wants/dnsprop.service" ]] ||
    fail "dpkg --root install enabled the unit"
  dpkg-query --admindir="$r/var/lib/dpkg" -W -f='${Conffiles}\n' dnsprop | grep -q '/etc/dnsprop/dnsprop.toml [0-9a-f]\{32\}' ||
    fail "conffile not recorded with its checksum"
  dpkg_isolated --purge dnsprop > "$work/dpkg-purge.log" 2>&1 || fail "dpkg --root --purge: $(tail -n 30 "$work/dpkg-purge.log")"
  for f in /usr/bin/dnsprop /etc/dnsprop/dnsprop.toml /etc/default/dnsprop; do
    [[ ! -e "$r$f" ]] || fail "$f left behind by purge"
  done
  step "dpkg --root install and purge ok"
else
  step "not root or no mount namespace: dpkg --root install not run"
fi

if command -v lintian >/dev/null; then
  lintian --no-tag-display-limit "$deb" > "$work/lintian" 2>&1 || true
  step "lintian: $(grep -c '^E:' "$work/lintian" || true) errors, $(grep -c '^W:' "$work/lintian" || true) warnings"
  grep '^E:' "$work/lintian" >&2 && fail "lintian errors"
fi

step "package_build: ok"
