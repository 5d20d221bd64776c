"use strict";
/**
 * node -r ./scripts/transpile.js script.ts: runs the project's TypeScript
 * by stripping the types with esbuild, file by file, as CommonJS (each file
 * keeps its own __dirname). Types are checked by `tsc -p .` in the test
 * command, not on every run: ts-node loads the TypeScript compiler and maps
 * every stack trace, which took more time than the commands themselves.
 *
 * Each compiled file is kept in node_modules/.cache/pgplat-ts under a name
 * derived from its path, stamped with a hash of its source and the options, so a second run
 * starts without esbuild and the cache holds one entry per source file.
 * Set PGPLAT_DEBUG for stack traces that point into the TypeScript sources.
 */
const { createHash } = require("node:crypto");
const fs = require("node:fs");
const path = require("node:path");

const cacheDir = path.join(__dirname, "..", "node_modules", ".cache", "pgplat-ts");
const esbuildOptions = {
  loader: "ts",
  format: "cjs",
  target: "node20",
  sourcemap: "inline",
  sourcesContent: false,
  // As tsc with target ES2022 compiles class fields.
  tsconfigRaw: { compilerOptions: { useDefineForClassFields: true } },
};

if (process.env.PGPLAT_DEBUG) process.setSourceMapsEnabled(true);

require.extensions[".ts"] = (module, filename) => {
  const source = fs.readFileSync(filename, "utf8");
  // Last line, so the inline source map's line numbers stay right.
  const stamp = `\n//${createHash("sha256").update(JSON.stringify(esbuildOptions)).update(source).digest("hex")}`;
  const cached = path.join(cacheDir, `${createHash("sha256").update(filename).digest("hex")}.js`);
  let code = readIfPresent(cached);
  if (!code?.endsWith(stamp)) {
    code = require("esbuild").transformSync(source, { ...esbuildOptions, sourcefile: filename }).code + stamp;
    fs.mkdirSync(cacheDir, { recursive: true });
    // Written aside and renamed, so a concurrent run reads the old entry or the new one, never half of one.
    const partial = `${cached}.${process.pid}`;
    fs.writeFileSync(partial, code);
    fs.renameSync(partial, cached);
  }
  module._compile(code, filename);
};

function readIfPresent(file) {
  try {
    return fs.readFileSync(file, "utf8");
  } catch (error) {
    if (error.code === "ENOENT") return undefined;
    throw error;
  }
}
