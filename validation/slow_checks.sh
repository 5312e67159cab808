#!/usr/bin/env bash
# The checks too long for the default test run (marked `slow`).
set -euo pipefail
cd "$(dirname "$0")/.."
python -m pytest -m slow -q
