#!/usr/bin/env bash
# The .deb (cmake/RuruPackage.cmake) built by CPack from a build directory, then installed,
# upgraded, removed and purged in a scratch root with dpkg --root (maintainer scripts run
# chrootless with DPKG_ROOT set): its files in place, the binaries runnable, the shared-library
# dependencies declared, /etc/ruru/acsd.conf created once and kept across an upgrade and a
# removal, gone after a purge.
#
#   tests/deploy/deb_test.sh BUILD_DIR
set -euo pipefail
BUILD="$(cd "${1:?usage: deb_test.sh BUILD_DIR}" && pwd)"
WORK="$(mktemp -d /tmp/ruru-deb-test.XXXXXX)"
trap 'rm -rf "$WORK"' EXIT
fail() { echo "deb_test: FAIL: $*" >&2; exit 1; }

# Two packages of the same build: the current version and a higher one (the upgrade).
(cd "$BUILD" && cpack -G DEB -B "$WORK/v1" >"$WORK/cpack1.log" 2>&1) || { cat "$WORK/cpack1.log"; fail "cpack"; }
(cd "$BUILD" && cpack -G DEB -B "$WORK/v2" -D CPACK_PACKAGE_VERSION=99.0.0 >"$WORK/cpack2.log" 2>&1) ||
  { cat "$WORK/cpack2.log"; fail "cpack (upgrade)"; }
DEB1="$(ls "$WORK"/v1/*.deb)"
DEB2="$(ls "$WORK"/v2/*.deb)"
echo "deb_test: built $(basename "$DEB1") ($(du -h "$DEB1" | cut -f1)) and $(basename "$DEB2")"

# Control fields: the shared libraries acsd links (dpkg-shlibdeps) and adduser for postinst.
DEPENDS="$(dpkg-deb -f "$DEB1" Depends)"
for dep in libpqxx libssl3 libcurl adduser; do
  [[ "$DEPENDS" == *"$dep"* ]] || fail "Depends lacks $dep: $DEPENDS"
done
dpkg-deb -c "$DEB1" >"$WORK/contents"
for f in ./usr/bin/acsd ./usr/bin/acsctl ./usr/lib/systemd/system/ruru-acsd.service \
         ./usr/share/doc/ruru/acsd.conf.example ./usr/share/doc/ruru/tls.md ./usr/share/doc/ruru/security.md; do
  grep -q " $f\$" "$WORK/contents" || fail "$f is not in the package"
done

ROOT="$WORK/root"
mkdir -p "$ROOT/var/lib/dpkg/info" "$ROOT/var/lib/dpkg/updates" "$ROOT/var/lib/dpkg/triggers"
touch "$ROOT/var/lib/dpkg/status"
DPKG=(dpkg --root="$ROOT" --force-script-chrootless --force-depends --force-not-root --log="$WORK/dpkg.log")
status() { dpkg-query --admindir="$ROOT/var/lib/dpkg" -W -f='${Status} ${Version}' ruru 2>/dev/null || true; }

"${DPKG[@]}" -i "$DEB1" >"$WORK/install.log" 2>&1 || { cat "$WORK/install.log"; fail "dpkg -i"; }
[[ "$(status)" == "install ok installed 0.1.0" ]] || fail "status after install: $(status)"
for f in usr/bin/acsd usr/bin/acsctl; do [[ -x "$ROOT/$f" ]] || fail "$f not executable"; done
[[ -f "$ROOT/usr/lib/systemd/system/ruru-acsd.service" ]] || fail "unit missing"
[[ "$("$ROOT/usr/bin/acsd" --version)" == "acsd 0.1.0"* ]] || fail "acsd --version: $("$ROOT/usr/bin/acsd" --version)"
"$ROOT/usr/bin/acsctl" --help >/dev/null || fail "acsctl --help"
[[ -f "$ROOT/etc/ruru/acsd.conf" ]] || fail "postinst did not create /etc/ruru/acsd.conf"
[[ "$(stat -c %a "$ROOT/etc/ruru/acsd.conf")" == 640 ]] || fail "acsd.conf mode $(stat -c %a "$ROOT/etc/ruru/acsd.conf")"
[[ "$(stat -c %a "$ROOT/etc/ruru")" == 750 ]] || fail "/etc/ruru mode"
cmp -s "$ROOT/etc/ruru/acsd.conf" "$ROOT/usr/share/doc/ruru/acsd.conf.example" || fail "acsd.conf is not the example"

# The operator's edits survive an upgrade.
echo "# edited by the operator" >>"$ROOT/etc/ruru/acsd.conf"
"${DPKG[@]}" -i "$DEB2" >"$WORK/upgrade.log" 2>&1 || { cat "$WORK/upgrade.log"; fail "dpkg -i (upgrade)"; }
[[ "$(status)" == "install ok installed 99.0.0" ]] || fail "status after upgrade: $(status)"
grep -q "edited by the operator" "$ROOT/etc/ruru/acsd.conf" || fail "the upgrade replaced acsd.conf"
[[ -x "$ROOT/usr/bin/acsd" ]] || fail "acsd missing after the upgrade"

# Removal keeps the configuration; purge removes it.
"${DPKG[@]}" -r ruru >"$WORK/remove.log" 2>&1 || { cat "$WORK/remove.log"; fail "dpkg -r"; }
[[ ! -e "$ROOT/usr/bin/acsd" ]] || fail "acsd still there after removal"
[[ -f "$ROOT/etc/ruru/acsd.conf" ]] || fail "removal deleted acsd.conf"
"${DPKG[@]}" -P ruru >"$WORK/purge.log" 2>&1 || { cat "$WORK/purge.log"; fail "dpkg -P"; }
[[ ! -e "$ROOT/etc/ruru" ]] || fail "purge left /etc/ruru"
echo "deb_test: ok (install, upgrade keeping the configuration, remove, purge)"
