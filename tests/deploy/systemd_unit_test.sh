#!/usr/bin/env bash
# deploy/systemd/ruru-acsd.service passes `systemd-analyze verify` (pointed at the built acsd) with
# no warning at all, and keeps its hardening options.
#
#   tests/deploy/systemd_unit_test.sh SOURCE_DIR ACSD_BINARY
set -euo pipefail
SRC="${1:?usage: systemd_unit_test.sh SOURCE_DIR ACSD_BINARY}"
ACSD="${2:?}"
command -v systemd-analyze >/dev/null || { echo "systemd_unit_test: no systemd-analyze: skipped"; exit 77; }
WORK="$(mktemp -d /tmp/ruru-unit-test.XXXXXX)"
trap 'rm -rf "$WORK"' EXIT
UNIT="$SRC/deploy/systemd/ruru-acsd.service"
sed "s|/usr/bin/acsd|$ACSD|g; s|/etc/ruru|$WORK|g" "$UNIT" >"$WORK/ruru-acsd.service"
if ! systemd-analyze verify "$WORK/ruru-acsd.service" >"$WORK/out" 2>&1 || [[ -s "$WORK/out" ]]; then
  cat "$WORK/out" >&2
  echo "systemd_unit_test: FAIL: systemd-analyze verify complained" >&2
  exit 1
fi
for key in NoNewPrivileges=yes ProtectSystem=strict ProtectHome=yes PrivateTmp=yes PrivateDevices=yes \
           MemoryDenyWriteExecute=yes RestrictAddressFamilies= SystemCallFilter=@system-service \
           CapabilityBoundingSet= "User=ruru" "ExecReload=/bin/kill -HUP \$MAINPID" TimeoutStopSec=; do
  grep -q "^$key" "$UNIT" || { echo "systemd_unit_test: FAIL: $key missing" >&2; exit 1; }
done
echo "systemd_unit_test: ok"
