#!/usr/bin/env python3
"""Check the Ash Metrics docker-compose.yml without a Docker engine.

Usage: check_compose.py COMPOSE_FILE

Parses the file as YAML (PyYAML, Debian package python3-yaml) and checks:
- every secret a service lists, and every /run/secrets/<name> a service's
  command, entrypoint or health check reads, is defined under the
  top-level `secrets:` with a `file:` (or is `external`), and that service
  lists it;
- every top-level secret is used by a service;
- the Ash Metrics service receives discord_bot_token, redis_token and
  metrics_api_token, reads an env file, waits for a healthy Redis, and
  mounts /app/data and /app/logs;
- Redis has a health check, append-only persistence and its /data on a
  declared named volume;
- no environment value in the file looks like a secret.

Prints one line per problem; exits 1 when there is any, 2 on a usage error.
"""

import re
import sys

try:
    import yaml
except ImportError:
    print("error: PyYAML is missing: install the Debian package python3-yaml", file=sys.stderr)
    sys.exit(2)

APP_SECRETS = {"discord_bot_token", "redis_token", "metrics_api_token"}
SECRET_NAME_PATTERN = re.compile(r"(?i)(TOKEN|PASSWORD|PASSWD|REQUIREPASS)")


def as_text(value):
    """Flatten a compose command/entrypoint/test value (string or list) to text."""
    if value is None:
        return ""
    if isinstance(value, list):
        return " ".join(str(item) for item in value)
    return str(value)


def listed_secrets(service):
    names = set()
    for entry in service.get("secrets") or []:
        names.add(entry["source"] if isinstance(entry, dict) else str(entry))
    return names


def environment_items(service):
    environment = service.get("environment") or {}
    if isinstance(environment, list):
        return [tuple(item.split("=", 1)) if "=" in item else (item, None) for item in environment]
    return list(environment.items())


def find_service(services, predicate):
    for name, service in services.items():
        if predicate(name, service):
            return name, service
    return None, None


def check(document):
    problems = []
    services = document.get("services") or {}
    secrets = document.get("secrets") or {}
    volumes = document.get("volumes") or {}
    if not services:
        return ["no services defined"]

    used_secrets = set()
    for name, service in services.items():
        listed = listed_secrets(service)
        used_secrets |= listed
        reads = set()
        for field in ("command", "entrypoint"):
            reads |= set(re.findall(r"/run/secrets/([A-Za-z0-9_.-]+)", as_text(service.get(field))))
        health_test = (service.get("healthcheck") or {}).get("test")
        reads |= set(re.findall(r"/run/secrets/([A-Za-z0-9_.-]+)", as_text(health_test)))
        for secret in sorted(reads - listed):
            problems.append(f"service {name} reads /run/secrets/{secret} but does not list it under secrets")
        for secret in sorted(listed):
            definition = secrets.get(secret)
            if definition is None:
                problems.append(f"service {name} uses secret {secret}, which the top-level secrets do not define")
            elif not (isinstance(definition, dict) and ("file" in definition or definition.get("external"))):
                problems.append(f"secret {secret} has neither file: nor external: true")
        for key, value in environment_items(service):
            if value is not None and SECRET_NAME_PATTERN.search(key):
                problems.append(f"service {name} sets {key} in environment: secrets belong in secret files")

    for secret in sorted(set(secrets) - used_secrets):
        problems.append(f"secret {secret} is defined but no service uses it")

    app_name, app = find_service(services, lambda name, s: "ash-metrics" in name or "ash-metrics" in str(s.get("image", "")))
    if app is None:
        problems.append("no Ash Metrics service (name or image containing ash-metrics)")
    else:
        for secret in sorted(APP_SECRETS - listed_secrets(app)):
            problems.append(f"service {app_name} does not receive secret {secret}")
        if not app.get("env_file"):
            problems.append(f"service {app_name} has no env_file")
        mounts = " ".join(str(volume) for volume in app.get("volumes") or [])
        for folder in ("/app/data", "/app/logs"):
            if folder not in mounts:
                problems.append(f"service {app_name} does not mount {folder}")

    redis_name, redis = find_service(services, lambda name, s: str(s.get("image", "")).startswith("redis"))
    if redis is None:
        problems.append("no Redis service (image redis:...)")
    else:
        if not (redis.get("healthcheck") or {}).get("test"):
            problems.append(f"service {redis_name} has no health check")
        start = as_text(redis.get("entrypoint")) + " " + as_text(redis.get("command"))
        if "--appendonly yes" not in start:
            problems.append(f"service {redis_name} does not start redis-server with --appendonly yes")
        if "--requirepass" not in start:
            problems.append(f"service {redis_name} does not set a password with --requirepass")
        data_volume = None
        for volume in redis.get("volumes") or []:
            text = str(volume)
            if text.split(":")[1:2] == ["/data"]:
                data_volume = text.split(":")[0]
        if data_volume is None:
            problems.append(f"service {redis_name} does not mount a volume at /data")
        elif data_volume not in volumes:
            problems.append(f"volume {data_volume} of service {redis_name} is not a declared named volume")

    if app is not None and redis is not None:
        depends = app.get("depends_on") or {}
        condition = depends.get(redis_name, {}).get("condition") if isinstance(depends, dict) else None
        if condition != "service_healthy":
            problems.append(f"service {app_name} does not wait for {redis_name} with condition service_healthy")
    return problems


def main():
    if len(sys.argv) != 2:
        print("usage: check_compose.py COMPOSE_FILE", file=sys.stderr)
        return 2
    with open(sys.argv[1], encoding="utf-8") as handle:
        try:
            document = yaml.safe_load(handle)
        except yaml.YAMLError as error:
            print(f"{sys.argv[1]} is not valid YAML: {error}")
            return 1
    if not isinstance(document, dict):
        print(f"{sys.argv[1]} does not contain a YAML mapping")
        return 1
    problems = check(document)
    for problem in problems:
        print(problem)
    if not problems:
        print(f"ok: {sys.argv[1]}: services {sorted(document['services'])}, secrets {sorted(document.get('secrets') or {})}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
