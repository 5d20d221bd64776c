import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";

const projectRoot = path.join(__dirname, "..", "..");

function repositoryFiles(directory = projectRoot): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    if (
      entry.name === "node_modules" ||
      entry.name === ".git" ||
      // Dot directories hold state (.pulumi-state, .pgplat-local), except these two; dot files are config.
      (entry.isDirectory() && entry.name.startsWith(".") && entry.name !== ".github" && entry.name !== ".ci")
    )
      return [];
    const full = path.join(directory, entry.name);
    return entry.isDirectory() ? repositoryFiles(full) : [path.relative(projectRoot, full)];
  });
}

/** Files pgplat writes at run time, which the README describes but the repository cannot hold. */
const runtimeFiles = new Set(["manifest.json", "globals.sql"]);

describe("README", () => {
  it("names only files that are in the repository", () => {
    const readme = readFileSync(path.join(projectRoot, "README.md"), "utf8");
    // Code spans naming a source, config or doc file; templates such as `Pulumi.<stack>.yaml` are not file names.
    const named = [...readme.matchAll(/`([^`\s<>*]+\.(?:ts|mts|md|ya?ml|sh|sql|json))`/g)].map((match) => match[1]);
    const files = repositoryFiles();
    const missing = [...new Set(named)].filter(
      (name) => !runtimeFiles.has(name) && !files.some((file) => file === name || file.endsWith(`/${name}`)),
    );
    expect(named.length).toBeGreaterThan(20);
    expect(missing).toEqual([]);
  });
});
