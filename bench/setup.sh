#!/usr/bin/env bash
# Create (or refresh) bench/.venv: the official SDK, the plot library, and this project (editable, with the
# fake server's extra). Idempotent: does nothing when bench/requirements.txt and pyproject.toml have not
# changed since the last successful run. Usage: bash bench/setup.sh   (PYTHON=python3.11 to choose the interpreter)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
venv="$here/.venv"
stamp="$venv/.installed"
python="${PYTHON:-python3}"

"$python" -c 'import sys; sys.exit(sys.version_info < (3, 11) and "python3 >= 3.11 is required")'
want="$(cat "$here/requirements.txt" "$root/pyproject.toml" | sha256sum | cut -d' ' -f1)"
if [[ -x "$venv/bin/python" && -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
    echo "bench/.venv is up to date"
    exit 0
fi

[[ -x "$venv/bin/python" ]] || "$python" -m venv "$venv"
pip=("$venv/bin/python" -m pip --quiet --disable-pip-version-check)
"${pip[@]}" install --upgrade pip
"${pip[@]}" install -r "$here/requirements.txt"
"${pip[@]}" install -e "$root[testing]"
# Fail now, not halfway through a run, if the SDK or our package cannot be imported.
"$venv/bin/python" -c 'import twelvelabs, twelvelabs_embed, matplotlib, jinja2, numpy, orjson, httpx, simdjson, msgspec'
echo "$want" > "$stamp"
echo "bench/.venv ready: $("$venv/bin/python" -c 'import importlib.metadata as m; print("twelvelabs", m.version("twelvelabs"), "| twelvelabs-embed", m.version("twelvelabs-embed"))')"
