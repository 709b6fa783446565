#!/usr/bin/env bash
# with-keyring.sh COMMAND [ARGS...]
# Runs COMMAND inside a private D-Bus session with a real, unlocked Secret Service (gnome-keyring-daemon), on a
# headless machine, and exits with its status. cfkeys' keyring integration test runs this way in CI.
#
# It installs dbus-daemon and gnome-keyring (Debian, --no-install-recommends) when they are missing and it runs
# as root with apt-get; set WITH_KEYRING_NO_INSTALL=1 to forbid that. The keyring lives in a temporary directory
# (deleted on exit) and is unlocked with a random password made inside the bus session, so it is in no
# environment. DISPLAY is removed so an unlock prompt fails fast instead of waiting for a human.
set -euo pipefail

if [ "$#" -eq 0 ]; then
  echo "usage: $0 COMMAND [ARGS...]" >&2
  exit 2
fi

if ! command -v dbus-run-session >/dev/null || ! command -v gnome-keyring-daemon >/dev/null || ! command -v dbus-send >/dev/null; then
  if [ "${WITH_KEYRING_NO_INSTALL:-0}" != 1 ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "with-keyring: installing dbus-daemon gnome-keyring" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq --no-install-recommends dbus-daemon gnome-keyring >&2
  else
    echo "with-keyring: needs dbus-run-session, dbus-send and gnome-keyring-daemon (Debian: apt-get install --no-install-recommends dbus-daemon gnome-keyring)" >&2
    exit 127
  fi
fi

state="$(mktemp -d "${TMPDIR:-/tmp}/with-keyring.XXXXXX")"
chmod 700 "$state"
mkdir -m 700 "$state/data" "$state/control"
cleanup() {
  # A daemon that never joined the bus would linger: stop only those started with our control directory.
  for pid in $(pgrep -f -- "--control-directory=$state/control" 2>/dev/null || true); do kill "$pid" 2>/dev/null || true; done
  rm -rf "$state"
}
trap cleanup EXIT
export WITH_KEYRING_STATE="$state"

inner='
set -eu
pw=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d " \n")
printf "%s" "$pw" | XDG_DATA_HOME="$WITH_KEYRING_STATE/data" gnome-keyring-daemon --unlock \
  --components=secrets --control-directory="$WITH_KEYRING_STATE/control" >/dev/null
XDG_DATA_HOME="$WITH_KEYRING_STATE/data" gnome-keyring-daemon --start \
  --components=secrets --control-directory="$WITH_KEYRING_STATE/control" >/dev/null
unset pw
owned=$(dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
  org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets | awk "/boolean/{print \$2}")
if [ "$owned" != true ]; then
  echo "with-keyring: org.freedesktop.secrets has no owner; the keyring did not start" >&2
  exit 125
fi
exec "$@"
'
set +e
# dbus-daemon may print "Failed to set fd limit to 65536: Operation not permitted" in sandboxes; it is harmless.
env -u DISPLAY -u WAYLAND_DISPLAY dbus-run-session -- sh -c "$inner" with-keyring "$@"
status=$?
set -e
exit "$status"
