# Sourced by scripts/test and scripts/demo: make .venv and install the project into it.
# Re-installs only when pyproject.toml changed since the last install.
venv="${ARCHIVIST_VENV:-.venv}"
python_bin="$(command -v python3.11 || command -v python3 || true)"
if [ -z "$python_bin" ]; then
    echo "archivist needs Python 3.11 or newer (python3.11 or python3 on PATH)" >&2
    exit 1
fi
if ! "$python_bin" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
    echo "archivist needs Python 3.11 or newer; $python_bin is $("$python_bin" -V 2>&1)" >&2
    exit 1
fi
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import sys' 2>/dev/null; then
    echo "Creating $venv ..." >&2
    rm -rf "$venv"
    "$python_bin" -m venv "$venv"
fi
stamp="$venv/.archivist-installed"
want="$(sha256sum pyproject.toml | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    echo "Installing archivist and its test tools into $venv ..." >&2
    log="$venv/install.log"
    if ! { "$venv/bin/python" -m pip install --disable-pip-version-check --upgrade pip &&
           "$venv/bin/python" -m pip install --disable-pip-version-check -e ".[test]"; } >"$log" 2>&1; then
        cat "$log" >&2
        echo "Installing into $venv failed (log above, kept in $log)" >&2
        exit 1
    fi
    echo "$want" > "$stamp"
fi
