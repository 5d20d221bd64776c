# Sourced by the entry scripts: installs the locked npm packages when they are missing or stale.
# Stale means "installed from a different package-lock.json", judged by content: file times
# change with every checkout or copy, and an npm ci started by mistake while other commands
# run from the same node_modules pulls it away under them.
ensure_node_modules() {
  local marker=node_modules/.pgplat-package-lock.sha256 wanted
  wanted=$(sha256sum package-lock.json | cut -d' ' -f1)
  if [ ! -f "$marker" ] || [ "$(cat "$marker")" != "$wanted" ]; then
    npm ci --no-audit --no-fund || { echo "npm ci failed" >&2; exit 1; }
    echo "$wanted" > "$marker"
  fi
}
