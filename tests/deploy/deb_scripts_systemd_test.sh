#!/usr/bin/env bash
# The .deb maintainer scripts' systemd branches (deploy/debian/{postinst,prerm,postrm}), which
# dpkg --root (deb_test.sh) never reaches: run as they are, as root, in a private mount namespace
# where /etc is a copy of the host's, /run/systemd/system exists (systemd "runs") and `systemctl`
# is a stub that records its arguments. Checks what each step asks systemd to do, and that
# without systemd nothing is asked. The host is not changed. (Whether systemd then starts acsd is
# not tested here: there is no systemd as PID 1 on this machine.)
#
#   tests/deploy/deb_scripts_systemd_test.sh            (root; exit 77 = skipped)
set -euo pipefail
SRC="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
if [[ "$(id -u)" != 0 ]] || ! unshare --mount true 2>/dev/null || ! command -v adduser >/dev/null; then
  echo "deb_scripts_systemd_test: skipped (needs root, unshare --mount and adduser)"
  exit 77
fi
if [[ "${1:-}" != --inside ]]; then
  WORK="$(mktemp -d /tmp/ruru-deb-scripts.XXXXXX)"
  trap 'rm -rf "$WORK"' EXIT
  rc=0
  unshare --mount --fork "$0" --inside "$WORK" || rc=$?
  exit "$rc"
fi
WORK="$2"
fail() { echo "deb_scripts_systemd_test: FAIL: $*" >&2; exit 1; }
mount --make-rprivate /
cp -a /etc "$WORK/etc"
mount --bind "$WORK/etc" /etc
mount -t tmpfs tmpfs /run
mkdir -p /run/systemd/system
mount -t tmpfs tmpfs /usr/share/doc
mkdir -p /usr/share/doc/ruru
cp "$SRC/deploy/acsd.conf.example" /usr/share/doc/ruru/acsd.conf.example
mkdir -p "$WORK/bin"
cat >"$WORK/bin/systemctl" <<STUB
#!/bin/sh
echo "\$*" >>"$WORK/systemctl.log"
STUB
chmod +x "$WORK/bin/systemctl"
export PATH="$WORK/bin:$PATH"
unset DPKG_ROOT
calls() { if [[ -f "$WORK/systemctl.log" ]]; then paste -sd';' "$WORK/systemctl.log"; fi; rm -f "$WORK/systemctl.log"; }
D="$SRC/deploy/debian"

# 1. First install, no configuration yet: the user, /etc/ruru and the example; systemd reloads its
#    units but acsd is not started (the example's dsn is a placeholder).
rm -rf /etc/ruru
sh "$D/postinst" configure "" >"$WORK/out1"
getent passwd ruru >/dev/null || fail "postinst did not create the ruru user"
[[ "$(stat -c '%a %G' /etc/ruru)" == "750 ruru" ]] || fail "/etc/ruru: $(stat -c '%a %G' /etc/ruru)"
[[ "$(stat -c '%a %G' /etc/ruru/acsd.conf)" == "640 ruru" ]] || fail "acsd.conf: $(stat -c '%a %G' /etc/ruru/acsd.conf)"
[[ "$(calls)" == "daemon-reload" ]] || fail "first install asked systemd for more than a reload"
grep -q "edit /etc/ruru/acsd.conf" "$WORK/out1" || fail "first install did not tell what to do next"

# 2. First install onto a configuration already in place (e.g. from configuration management):
#    enabled and started.
sh "$D/postinst" configure "" >/dev/null
[[ "$(calls)" == "daemon-reload;enable --now ruru-acsd.service" ]] || fail "install with a configuration: not started"

# 3. Upgrade: a running acsd restarts on the new binary; nothing else.
sh "$D/postinst" configure 0.1.0 >/dev/null
[[ "$(calls)" == "daemon-reload;try-restart ruru-acsd.service" ]] || fail "upgrade did not try-restart"

# 4. prerm: stop and disable on removal, not on upgrade.
sh "$D/prerm" upgrade 99.0.0
[[ "$(calls)" == "" ]] || fail "prerm upgrade stopped acsd"
sh "$D/prerm" remove
[[ "$(calls)" == "disable --now ruru-acsd.service" ]] || fail "prerm remove did not stop and disable acsd"

# 5. postrm: systemd forgets the unit; purge removes /etc/ruru.
sh "$D/postrm" remove
[[ "$(calls)" == "daemon-reload" ]] || fail "postrm remove did not reload systemd"
[[ -f /etc/ruru/acsd.conf ]] || fail "remove deleted the configuration"
sh "$D/postrm" purge
[[ ! -e /etc/ruru ]] || fail "purge left /etc/ruru"
calls >/dev/null

# 6. Without systemd (a container, a chroot): systemd is never asked, the rest still works.
rmdir /run/systemd/system
sh "$D/postinst" configure "" >/dev/null
sh "$D/postinst" configure 0.1.0 >/dev/null
sh "$D/prerm" remove
sh "$D/postrm" purge
[[ "$(calls)" == "" ]] || fail "systemctl called without systemd: $(calls)"
echo "deb_scripts_systemd_test: ok (first install, install onto a configuration, upgrade, remove, purge; without systemd)"
