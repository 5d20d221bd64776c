import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { parseCliArguments, UsageError } from "../../scripts/lib/cliArgs";

const projectRoot = path.join(__dirname, "..", "..");
const options = { "--json": "switch", "--prices": "values", "--dir": "value" } as const;

describe("parseCliArguments", () => {
  it("reads switches, values (repeated or with =) and positionals", () => {
    const args = parseCliArguments(
      ["prod", "--json", "--prices", "a.json", "--prices=b.json", "--dir", "sql"],
      options,
    );
    expect(args).toEqual({
      positional: ["prod"],
      switches: new Set(["--json"]),
      values: { "--prices": ["a.json", "b.json"], "--dir": ["sql"] },
      help: false,
    });
    expect(parseCliArguments(["-h"], options).help).toBe(true);
  });

  it("refuses an unknown option, naming it and the nearest one, and a missing value", () => {
    expect(() => parseCliArguments(["prod", "--jsno"], options)).toThrow(
      new UsageError("unknown option --jsno (did you mean --json?)"),
    );
    expect(() => parseCliArguments(["--verbose"], options)).toThrow(new UsageError("unknown option --verbose"));
    expect(() => parseCliArguments(["--dir"], options)).toThrow(new UsageError("--dir needs a value"));
    expect(() => parseCliArguments(["--dir", "a", "--dir", "b"], options)).toThrow(new UsageError("--dir given twice"));
  });
});

describe("every CLI: unknown options are errors, --help exits 0", () => {
  const run = (script: string, args: readonly string[]) =>
    spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", path.join("scripts", script), ...args], {
      cwd: projectRoot,
      encoding: "utf8",
      env: { ...process.env, DATABASE_URL: "" },
    });

  it.each([
    ["plan.ts", "usage: npm run -s plan -- "],
    ["cost.ts", "usage: npm run -s cost -- "],
    ["migrate.ts", "usage: npm run -s migrate -- "],
    ["drill.ts", "usage: npm run drill "],
  ])("%s", (script, usage) => {
    const help = run(script, ["--help"]);
    expect([help.status, help.stdout.startsWith(usage), help.stderr]).toEqual([0, true, ""]);
    const unknown = run(script, script === "migrate.ts" ? ["status", "--dri", "sql"] : ["prod", "--jsn"]);
    expect(unknown.status).toBe(2);
    expect(unknown.stdout).toBe("");
    expect(unknown.stderr).toMatch(
      script === "migrate.ts"
        ? /^unknown option --dri \(did you mean --dir\?\)\nusage: /
        : /^unknown option --jsn( \(did you mean --json\?\))?\nusage: /,
    );
  });

  it("health.ts: a usage error is a report it could not make, exit 3 (its 2 means unhealthy), in text and in --json", () => {
    const help = run("health.ts", ["--help"]);
    expect([help.status, help.stdout.startsWith("usage: npm run -s health -- "), help.stderr]).toEqual([0, true, ""]);
    const unknown = run("health.ts", ["--database-url", "postgresql://m@127.0.0.1:1/db", "--bogus"]);
    expect([unknown.status, unknown.stdout]).toEqual([3, ""]);
    expect(unknown.stderr).toMatch(/^unknown option --bogus\nusage: npm run -s health -- /);
    const json = run("health.ts", ["--database-url", "postgresql://m@127.0.0.1:1/db", "--jsn", "--json"]);
    expect([json.status, json.stderr, JSON.parse(json.stdout)]).toEqual([
      3,
      "",
      { status: "unknown", error: "unknown option --jsn (did you mean --json?)", checks: [] },
    ]);
  });
});
