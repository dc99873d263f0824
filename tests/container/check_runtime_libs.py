#!/usr/bin/env python3
"""Check that a Dockerfile's runtime stage installs every shared library a binary loads.

Usage: check_runtime_libs.py DOCKERFILE BINARY BASE_PACKAGES

Runs `ldd BINARY`, maps each library to its Debian package with `dpkg -S`,
and reads the package names of the `apt-get install` command in the
Dockerfile's last stage. BASE_PACKAGES lists the packages of the stage's
base image, one a line ('#' starts a comment).

Rules:
- a package that provides a library the binary links directly (DT_NEEDED)
  must be in the base image or named in the install command;
- a package of a library loaded only through other libraries may also come
  in as a Depends/Pre-Depends of a named package, resolved from this
  machine's dpkg database, because apt installs those itself.

The machine must run the same Debian release as the image, so that the
package names match. Prints the findings; exits 1 when a package is
missing and 2 on a usage or tool error.
"""

import os
import re
import shlex
import subprocess
import sys


def fail_usage(message):
    print(f"error: {message}", file=sys.stderr)
    sys.exit(2)


def run(argv):
    try:
        return subprocess.run(argv, capture_output=True, text=True, check=False)
    except FileNotFoundError:
        fail_usage(f"{argv[0]} not found: install it (Debian packages libc-bin, dpkg, binutils)")


def read_package_list(path):
    names = set()
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            line = line.split("#", 1)[0].strip()
            if line:
                names.add(line)
    return names


def last_stage_install_packages(dockerfile_path):
    """Return the packages of every `apt-get install` in the Dockerfile's last stage."""
    with open(dockerfile_path, encoding="utf-8") as handle:
        text = handle.read()

    # Join continuation lines, then keep the instructions after the last FROM.
    logical_lines = re.sub(r"\\\n", " ", text).splitlines()
    stage = []
    for line in logical_lines:
        stripped = line.strip()
        if stripped.startswith("#"):
            continue
        if re.match(r"(?i)FROM\s", stripped):
            stage = []
        stage.append(stripped)

    packages = set()
    for line in stage:
        if not re.match(r"(?i)RUN\s", line):
            continue
        for command in re.split(r"&&|;|\|\|", line[3:]):
            words = shlex.split(command)
            if len(words) >= 2 and words[0] in ("apt-get", "apt") and "install" in words:
                after = words[words.index("install") + 1:]
                packages.update(word.split("=")[0] for word in after if not word.startswith("-"))
    return packages


def direct_sonames(binary):
    result = run(["objdump", "-p", binary])
    if result.returncode != 0:
        fail_usage(f"objdump -p {binary} failed: {result.stderr.strip()}")
    return set(re.findall(r"^\s*NEEDED\s+(\S+)", result.stdout, re.MULTILINE))


def loaded_libraries(binary):
    """Return {soname: path} of every library `ldd` resolves for the binary."""
    result = run(["ldd", binary])
    if result.returncode != 0:
        fail_usage(f"ldd {binary} failed: {result.stderr.strip()}")
    libraries = {}
    missing = []
    for line in result.stdout.splitlines():
        line = line.strip()
        match = re.match(r"(\S+) => (\S+)", line)
        if match:
            if match.group(2) == "not":
                missing.append(match.group(1))
            else:
                libraries[match.group(1)] = match.group(2)
            continue
        match = re.match(r"(/\S+) \(0x", line)  # the dynamic loader itself
        if match:
            libraries[os.path.basename(match.group(1))] = match.group(1)
    if missing:
        fail_usage(f"ldd cannot find {', '.join(missing)} on this machine: install them first")
    return libraries


def spellings(path):
    """Return the ways dpkg may have recorded path on a merged-/usr system."""
    candidates = [path, os.path.realpath(path)]
    for candidate in list(candidates):
        if candidate.startswith("/usr/"):
            candidates.append(candidate[len("/usr"):])
        else:
            candidates.append("/usr" + candidate)
    return list(dict.fromkeys(candidates))


def packages_of(paths):
    """Return {path: Debian package or None} with one `dpkg -S` call."""
    queries = sorted({spelling for path in paths for spelling in spellings(path)})
    # dpkg -S exits 1 when any query matches nothing but still prints the
    # matches of the others.
    result = run(["dpkg", "-S"] + queries)
    owner = {}
    for line in result.stdout.splitlines():
        if line.startswith("diversion ") or ": " not in line:
            continue
        packages, file_path = line.split(": ", 1)
        owner[file_path] = packages.split(",")[0].split(":")[0].strip()
    return {path: next((owner[s] for s in spellings(path) if s in owner), None) for path in paths}


def depends_closure(packages):
    """Return packages plus their Depends and Pre-Depends, recursively.

    For "a | b" alternatives only the first counts, as apt installs that one
    when neither is present. Packages not installed on this machine add no
    dependencies.
    """
    seen = set()
    pending = set(packages)
    while pending:
        seen |= pending
        result = run(["dpkg-query", "-W", "-f=${Depends}, ${Pre-Depends}\n"] + sorted(pending))
        pending = set()
        for clause in result.stdout.replace("\n", ",").split(","):
            first = clause.split("|")[0].strip()
            if first:
                dependency = re.split(r"[\s(]", first, maxsplit=1)[0].split(":")[0]
                if dependency not in seen:
                    pending.add(dependency)
    return seen


def main():
    if len(sys.argv) != 4:
        fail_usage("usage: check_runtime_libs.py DOCKERFILE BINARY BASE_PACKAGES")
    dockerfile, binary, base_list = sys.argv[1:]

    base = read_package_list(base_list)
    named = last_stage_install_packages(dockerfile)
    if not named:
        fail_usage(f"no apt-get install command found in the last stage of {dockerfile}")
    installed_with_named = depends_closure(named)

    direct = direct_sonames(binary)
    problems = []
    libraries = loaded_libraries(binary)
    owners = packages_of(libraries.values())
    for soname, path in sorted(libraries.items()):
        package = owners[path]
        print(f"{soname}: {path}: {package}")
        if package is None:
            problems.append(f"{soname} ({path}) belongs to no Debian package; build with Debian's packages")
        elif package in base or package in named:
            continue
        elif soname in direct:
            problems.append(f"{package} (provides {soname}, linked directly by the binary) "
                            "is not named in the runtime stage's apt-get install command")
        elif package not in installed_with_named:
            problems.append(f"{package} (provides {soname}) is neither named in the runtime "
                            "stage's apt-get install command nor a dependency of a named package")

    if problems:
        print("missing from the Dockerfile's runtime stage:")
        for problem in problems:
            print(f"  {problem}")
        return 1
    print(f"ok: {len(direct)} direct libraries, all provided by the base image or {sorted(named)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
