#!/usr/bin/env python3
"""Run the Redis start command and health check of docker-compose.yml with a local redis-server.

Usage: run_compose_redis.py COMPOSE_FILE

Takes the `ash-redis` entrypoint and health check from the compose file and
runs them here, after the "$$" unescaping that compose does. Three changes
keep everything inside a temporary folder: the image's
`docker-entrypoint.sh` is left out, redis-server listens on a unix socket
there instead of a TCP port, and the secret file lives there too. Then it
checks that:
- Redis starts with the password from the secret file and append-only
  persistence;
- the health check passes with the right password and fails with a wrong one.

Needs redis-server and redis-cli (Debian package redis-server) and PyYAML
(python3-yaml). Exits 0 when every check passes, 1 when one fails, 2 when
a tool is missing.
"""

import os
import shutil
import subprocess
import sys
import tempfile
import time

try:
    import yaml
except ImportError:
    print("error: PyYAML is missing: install the Debian package python3-yaml", file=sys.stderr)
    sys.exit(2)

SECRET_PATH = "/run/secrets/redis_token"
STARTUP_LIMIT_SECONDS = 30  # a readiness bound, not a speed requirement


def shell_text(value):
    """Return the shell command of a compose entrypoint or CMD-SHELL test."""
    if isinstance(value, list) and value[:2] == ["sh", "-c"]:
        return value[2]
    if isinstance(value, list) and value[:1] == ["CMD-SHELL"]:
        return value[1]
    raise ValueError(f"expected [sh, -c, ...] or [CMD-SHELL, ...], got {value!r}")


def main():
    if len(sys.argv) != 2:
        print("usage: run_compose_redis.py COMPOSE_FILE", file=sys.stderr)
        return 2
    for tool in ("redis-server", "redis-cli"):
        if shutil.which(tool) is None:
            print(f"error: {tool} not found: install the Debian package redis-server", file=sys.stderr)
            return 2

    with open(sys.argv[1], encoding="utf-8") as handle:
        redis = yaml.safe_load(handle)["services"]["ash-redis"]
    start = shell_text(redis["entrypoint"]).replace("$$", "$")
    health = shell_text(redis["healthcheck"]["test"]).replace("$$", "$")

    failures = []
    with tempfile.TemporaryDirectory(prefix="ash-compose-redis-") as folder:
        socket_path = os.path.join(folder, "redis.sock")
        secret = os.path.join(folder, "redis_token")
        with open(secret, "w", encoding="utf-8") as handle:
            handle.write("s3cret with spaces\n")

        start = start.replace(SECRET_PATH, secret).replace(
            "docker-entrypoint.sh redis-server",
            f"redis-server --port 0 --unixsocket {socket_path} --dir {folder} --save ''")
        health = health.replace(SECRET_PATH, secret).replace("redis-cli", f"redis-cli -s {socket_path}")

        server = subprocess.Popen(["sh", "-c", start], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            deadline = time.monotonic() + STARTUP_LIMIT_SECONDS
            while not os.path.exists(socket_path) and server.poll() is None and time.monotonic() < deadline:
                time.sleep(0.05)
            if not os.path.exists(socket_path):
                print(f"redis-server did not start: {start}")
                print(server.stderr.read().decode() if server.poll() is not None else "(still starting)")
                return 1

            if subprocess.run(["sh", "-c", health], check=False).returncode != 0:
                failures.append(f"health check failed with the right password: {health}")
            unauthenticated = subprocess.run(["redis-cli", "-s", socket_path, "ping"],
                                             capture_output=True, text=True, check=False)
            if "NOAUTH" not in unauthenticated.stdout + unauthenticated.stderr:
                failures.append("Redis answered without a password: --requirepass was not applied")

            with open(secret, "w", encoding="utf-8") as handle:
                handle.write("wrong password\n")
            if subprocess.run(["sh", "-c", health], capture_output=True, check=False).returncode == 0:
                failures.append("health check passed with a wrong password")

            if not os.path.isdir(os.path.join(folder, "appendonlydir")):
                failures.append("no appendonlydir: --appendonly yes was not applied")
        finally:
            server.terminate()
            server.wait()

    for failure in failures:
        print(failure)
    if not failures:
        print("ok: the compose Redis command and health check work with a local redis-server")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
