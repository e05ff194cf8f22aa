#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder's image (Ubuntu 22.04).
# Built by `p4lab labs autograder`; each step is a function, and P4LAB_SKIP_INSTALL=1 with
# P4LAB_PYTHON=/path/to/python (an interpreter with p4lab's dependencies) skips the two steps
# that download packages, so the rest can be tested anywhere.
set -euo pipefail
AUTOGRADER="${P4LAB_AUTOGRADER_ROOT:-/autograder}"
SOURCE="$AUTOGRADER/source"
SANDBOX_USER="${P4LAB_SANDBOX_USER:-p4lab-student}"

install_system_packages() {
  # Python 3.11+ and its venv, Node (the emulator runs CloudFront Functions), poppler (the PDF lab).
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3.11 python3.11-venv nodejs poppler-utils >/dev/null
}

install_p4lab() {
  python3.11 -m venv "$SOURCE/venv"
  "$SOURCE/venv/bin/pip" install -q --upgrade pip
  "$SOURCE/venv/bin/pip" install -q -e "$SOURCE/p4lab"
  use_python "$SOURCE/venv/bin/python"
}

use_python() {
  echo "$1" > "$SOURCE/python"
}

create_sandbox_user() {
  # Student code runs as this user: no login, no groups, nothing of root's.
  id -u "$SANDBOX_USER" >/dev/null 2>&1 ||
    useradd --system --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$SANDBOX_USER"
}

lock_down() {
  # The answer key, hidden checks and files a lab keeps from students: readable by root only.
  # (The grader checks again before grading, and fixes what it finds.)
  chown -R root:root "$SOURCE"
  while IFS= read -r path; do
    [ -e "$SOURCE/$path" ] && chmod -R go-rwx "$SOURCE/$path"
  done < "$SOURCE/secrets.txt"
  chmod 700 "$SOURCE/secrets.txt"
  chmod 755 "$AUTOGRADER/run_autograder" 2>/dev/null || true
}

main() {
  if [ "${P4LAB_SKIP_INSTALL:-0}" = 1 ]; then
    use_python "${P4LAB_PYTHON:?P4LAB_PYTHON names the interpreter to use when installation is skipped}"
  else
    install_system_packages
    install_p4lab
  fi
  create_sandbox_user
  lock_down
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  main
fi
