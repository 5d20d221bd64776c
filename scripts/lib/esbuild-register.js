// Loads the project's TypeScript with esbuild's transform (type-only removal,
// no type check: `npx tsc -p .` does that). A cold `npm start` spends most of
// its time compiling; ts-node's compiler takes seconds, esbuild milliseconds.
"use strict";
const { readFileSync } = require("node:fs");
const { transformSync } = require("esbuild");

require.extensions[".ts"] = (module, filename) => {
  const { code } = transformSync(readFileSync(filename, "utf8"), { loader: "ts", format: "cjs", target: "node20", sourcefile: filename });
  module._compile(code, filename);
};
