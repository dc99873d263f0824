#!/bin/sh
# Entrypoint of the Ash Metrics container image.
#
# Started as root, it gives the app user the ids PUID and PGID and makes the
# data and log folders (and what they contain) belong to those ids. Then it
# drops root with setpriv and execs its arguments (the image's CMD), so the
# service replaces this shell as PID 1 and receives SIGTERM directly.
# Started as another user (compose `user:`, `docker run --user`), it changes
# nothing and execs its arguments as that user.
#
# Environment:
#   PUID, PGID   uid and gid of the app user (default 1001). Whole numbers
#                from 0 to 2147483647; 0 (root) only with ALLOW_ROOT=true.
#   ALLOW_ROOT   true or false (default false): allow PUID=0 or PGID=0.
#   APP_USER     name of the app user in /etc/passwd (default ash).
#   APP_GROUP    name of its primary group in /etc/group (default: APP_USER).
#   APP_DIRS     space-separated folders to create and hand to PUID:PGID
#                (default "/app/data /app/logs"). Paths must not contain
#                spaces.
#
# If the first argument is not a command on PATH, "ash-metrics" is put in
# front of the arguments, so `docker run IMAGE report --format json` runs
# `ash-metrics report --format json`.
#
# Exit status 78 (EX_CONFIG in sysexits.h): an invalid setting; otherwise
# the status of the command.

set -eu

readonly EX_CONFIG=78
readonly MAX_ID=2147483647

log() {
    printf 'ash-metrics container: %s\n' "$*" >&2
}

die() {
    log "error: $*"
    exit "$EX_CONFIG"
}

# Validate the id in variable $1 (PUID or PGID) holding value $2. Leading
# zeros are rejected because the shell would read "010" as octal.
check_id() {
    name=$1
    value=$2
    case $value in
        '' | *[!0-9]* | 0?*)
            die "$name='$value' is invalid: expected a whole number from 1 to $MAX_ID without leading zeros (0 only with ALLOW_ROOT=true)"
            ;;
    esac
    if [ "${#value}" -gt 10 ] || [ "$value" -gt "$MAX_ID" ]; then
        die "$name='$value' is out of range: expected a whole number from 1 to $MAX_ID"
    fi
    if [ "$value" -eq 0 ] && [ "$ALLOW_ROOT" != true ]; then
        die "$name=0 would run the service as root: set $name to a non-zero id (for example 1001), or set ALLOW_ROOT=true to allow root"
    fi
}

# Give the folders in APP_DIRS and everything below them to PUID:PGID.
# Only entries with another owner are changed, so a restart with unchanged
# ids touches nothing. Failures (a read-only mount, NFS root_squash) are
# reported and do not stop the start.
fix_ownership() {
    # APP_DIRS is split on spaces on purpose, and set -f turns globbing off.
    # shellcheck disable=SC2086
    for dir in $APP_DIRS; do
        if ! mkdir -p "$dir"; then
            log "warning: could not create $dir"
            continue
        fi
        if ! find "$dir" \( ! -user "$PUID" -o ! -group "$PGID" \) \
                -exec chown -h "$PUID:$PGID" {} +; then
            log "warning: could not give $dir to uid $PUID, gid $PGID; the service may fail to write there"
        elif ! setpriv --reuid="$PUID" --regid="$PGID" --clear-groups test -w "$dir"; then
            log "warning: $dir is not writable by uid $PUID, gid $PGID; check the folder's permissions on the host"
        fi
    done
}

# Set the primary group of APP_USER to PGID and its uid to PUID. The -o
# option allows ids that another user or group already has (a NAS "users"
# group with gid 100, for example).
apply_ids() {
    group=$APP_GROUP
    current_gid=$(getent group "$group" | cut -d: -f3)
    current_uid=$(id -u "$APP_USER")

    if [ "$PGID" -ne 0 ] && [ "$current_gid" != "$PGID" ]; then
        groupmod -o -g "$PGID" "$group" ||
            die "groupmod failed to set the gid of group $group to $PGID"
    fi
    if [ "$PUID" -ne 0 ] && [ "$current_uid" != "$PUID" ]; then
        usermod -o -u "$PUID" "$APP_USER" ||
            die "usermod failed to set the uid of user $APP_USER to $PUID"
    fi
}

PUID=${PUID:-1001}
PGID=${PGID:-1001}
ALLOW_ROOT=${ALLOW_ROOT:-false}
APP_USER=${APP_USER:-ash}
APP_GROUP=${APP_GROUP:-$APP_USER}
APP_DIRS=${APP_DIRS:-/app/data /app/logs}
set -f

case $ALLOW_ROOT in
    true | false) ;;
    *) die "ALLOW_ROOT='$ALLOW_ROOT' is invalid: expected true or false" ;;
esac
check_id PUID "$PUID"
check_id PGID "$PGID"

if [ "$#" -eq 0 ]; then
    die "no command given: pass the command to run, for example: ash-metrics serve"
fi
case $1 in
    -*) set -- ash-metrics "$@" ;;
    *) command -v "$1" >/dev/null 2>&1 || set -- ash-metrics "$@" ;;
esac

if [ "$(id -u)" -ne 0 ]; then
    log "running as uid $(id -u), gid $(id -g) (not root): PUID and PGID not applied, folder ownership unchanged"
    exec "$@"
fi

command -v setpriv >/dev/null 2>&1 ||
    die "setpriv not found: install the Debian package util-linux"
id -u "$APP_USER" >/dev/null 2>&1 ||
    die "user '$APP_USER' not found: create it, or set APP_USER to an existing user"
getent group "$APP_GROUP" >/dev/null 2>&1 ||
    die "group '$APP_GROUP' not found: create it, or set APP_GROUP to the app user's group"

apply_ids
fix_ownership

HOME=$(getent passwd "$APP_USER" | cut -d: -f6)
USER=$APP_USER
LOGNAME=$APP_USER
export HOME USER LOGNAME

if [ "$PUID" -eq 0 ]; then
    log "running as root (uid 0, gid $PGID) because ALLOW_ROOT=true"
else
    log "running as user $APP_USER (uid $PUID, gid $PGID)"
fi

# --no-new-privs: set-uid programs cannot raise privileges again.
exec setpriv --reuid="$PUID" --regid="$PGID" --clear-groups \
    --inh-caps=-all --no-new-privs -- "$@"
