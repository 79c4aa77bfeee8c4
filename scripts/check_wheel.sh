#!/usr/bin/env bash
# The package works installed, away from the checkout: build the wheel, install it (not
# editable) with the pinned dependencies into a fresh venv in a temporary folder, and from
# another temporary folder run `countlab bench --quick` and `countlab tally --json`.
# Fails if either fails. Installs with uv (its cache makes the ~140 pinned packages a matter
# of seconds): $UV, else uv on PATH, else a uv that pip installs into the temporary folder.
set -euo pipefail
checkout="$(cd "$(dirname "$0")/.." && pwd)"
python="${PYTHON:-python3}"

tmp="$(mktemp -d "${TMPDIR:-/tmp}/countlab-wheel.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
case "$tmp/" in "$checkout"/*) echo "check_wheel: $tmp is inside the checkout" >&2; exit 1;; esac
# Nothing of the checkout on the import path, no other venv: only the wheel can answer.
unset PYTHONPATH VIRTUAL_ENV
export PREFECT_HOME="$tmp/prefect-home"  # Prefect's temporary API keeps its files here
venv="$tmp/venv"
started=$SECONDS

uv="${UV:-$(command -v uv || true)}"
if [ -z "$uv" ]; then
    echo "+ pip install uv (not on PATH)"
    "$python" -m venv "$tmp/uv"
    "$tmp/uv/bin/pip" install -qq "uv>=0.5"
    uv="$tmp/uv/bin/uv"
fi
cd "$tmp"  # uv reads no settings of the checkout's pyproject.toml from here

echo "+ build the wheel"
"$uv" build --quiet --wheel --out-dir "$tmp/dist" "$checkout"
wheel=("$tmp"/dist/countlab-*.whl)

echo "+ fresh venv: requirements.lock + ${wheel[0]##*/}"
"$uv" venv --quiet --python "$python" "$venv"
# Compiled once here: every `countlab` process the benchmark starts would otherwise compile
# Prefect again when PYTHONDONTWRITEBYTECODE is set.
"$uv" pip install --quiet --compile-bytecode --python "$venv/bin/python" \
    -r "$checkout/requirements.lock" "${wheel[0]}"
echo "  installed in $((SECONDS - started)) s"

mkdir "$tmp/work"
cd "$tmp/work"
where="$("$venv/bin/python" -c 'import benchmarks, flows; print(benchmarks.__file__, flows.__file__)')"
case "$where" in
    *"$checkout/"*) echo "check_wheel: imported from the checkout: $where" >&2; exit 1;;
esac

echo "+ countlab tally --json"
"$venv/bin/countlab" tally --json
echo "+ countlab bench --quick"
"$venv/bin/countlab" bench --quick
echo "check_wheel: ok in $((SECONDS - started)) s"
