# Sourced by the entry scripts: installs the locked npm packages when they are missing or stale.
ensure_node_modules() {
  if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    npm ci --no-audit --no-fund || { echo "npm ci failed" >&2; exit 1; }
  fi
}
