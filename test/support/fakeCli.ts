import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";

/**
 * Stand-ins for the `pulumi` and `docker` CLIs, put first on PATH. Each call
 * is recorded (arguments, backend, whether a passphrase was set). The fake
 * `pulumi` keeps a small stack store (stacks.json) so that `stack ls`,
 * `stack tag`, `select --create`, `up`, `destroy` and `stack rm` answer the
 * way the real CLI does for the commands the dev scripts use. A call whose
 * argument line starts with FAKE_PULUMI_FAIL exits 1; `pulumi version`
 * prints FAKE_PULUMI_VERSION when set.
 */
export interface FakeStack {
  tags: Record<string, string>;
  resourceCount: number;
  lastUpdate?: string;
  /** The passphrase salt the real CLI keeps in the stack's file and state. */
  salt: string;
}

export interface FakeCli {
  readonly bin: string;
  /** Recorded calls, one line each: `pulumi stack ls --json | backend=… passphrase=set`. */
  calls(): string[];
  /** Recorded pulumi calls, arguments only. */
  pulumiCalls(): string[];
  clearCalls(): void;
  stacks(): Record<string, FakeStack>;
  seed(stacks: Record<string, Partial<FakeStack>>): void;
  /** Environment for running a script against the fakes: no CI, no backend or passphrase of the caller. */
  env(extra?: NodeJS.ProcessEnv): NodeJS.ProcessEnv;
  cleanup(): void;
}

const fakePulumi = String.raw`#!/usr/bin/env node
const fs = require("fs");
const path = require("path");
const dir = __dirname;
const args = process.argv.slice(2);
const line = args.join(" ");
fs.appendFileSync(path.join(dir, "calls.log"), "pulumi " + line + " | backend=" + (process.env.PULUMI_BACKEND_URL || "") + " passphrase=" + (process.env.PULUMI_CONFIG_PASSPHRASE ? "set" : "") + "\n");
if (process.env.FAKE_PULUMI_FAIL && line.startsWith(process.env.FAKE_PULUMI_FAIL)) { console.error("fake pulumi: failing " + line); process.exit(1); }
const storePath = path.join(dir, "stacks.json");
const store = fs.existsSync(storePath) ? JSON.parse(fs.readFileSync(storePath, "utf8")) : {};
const save = () => fs.writeFileSync(storePath, JSON.stringify(store, null, 2));
const flag = (name) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : undefined; };
const rest = args.filter((arg, i) => !arg.startsWith("-") && !(i > 0 && args[i - 1] === "--stack"));
const need = (stack) => { if (!store[stack]) { console.error("error: no stack named '" + stack + "' found"); process.exit(1); } return store[stack]; };
const stackFile = (stack) => path.join(process.cwd(), "Pulumi." + stack + ".yaml");
const cmd = rest.slice(0, 2).join(" ");
if (line === "version") { console.log(process.env.FAKE_PULUMI_VERSION || "v3.999.0"); process.exit(0); }
if (cmd === "stack ls") {
  console.log(JSON.stringify(Object.entries(store).map(([name, s]) => ({ name, current: false, updateInProgress: false, resourceCount: s.resourceCount, lastUpdate: s.lastUpdate }))));
} else if (cmd === "stack select") {
  const stack = rest[2];
  if (!store[stack]) {
    if (!args.includes("--create")) need(stack);
    store[stack] = { tags: {}, resourceCount: 0, salt: "v1:fake-salt-" + stack };
    const file = stackFile(stack);
    fs.writeFileSync(file, "encryptionsalt: " + store[stack].salt + "\n" + (fs.existsSync(file) ? fs.readFileSync(file, "utf8") : ""));
  }
} else if (cmd === "stack tag") {
  const s = need(flag("--stack"));
  if (rest[2] === "ls") console.log(JSON.stringify(s.tags));
  else if (rest[2] === "set") s.tags[rest[3]] = rest[4];
} else if (cmd === "stack rm") {
  need(rest[2]);
  if (store[rest[2]].resourceCount > 0) { console.error("error: stack still has resources"); process.exit(1); }
  delete store[rest[2]];
  if (!args.includes("--preserve-config")) fs.rmSync(stackFile(rest[2]), { force: true });
} else if (cmd === "config refresh") {
  const stack = flag("--stack");
  fs.writeFileSync(stackFile(stack), "encryptionsalt: " + need(stack).salt + "\nconfig:\n  pgplat:target: docker\n  pgplat:size: from-last-deployment\n");
} else if (rest[0] === "up") {
  const s = need(flag("--stack"));
  s.resourceCount = 17;
  s.lastUpdate = new Date().toISOString();
} else if (rest[0] === "destroy") {
  const s = need(flag("--stack"));
  s.resourceCount = 0;
  s.lastUpdate = new Date().toISOString();
} else if (rest[0] === "preview") {
  need(flag("--stack"));
} else { console.error("fake pulumi: unexpected call " + line); process.exit(2); }
save();
`;

const fakeDocker = `#!/bin/sh
echo "docker $* | backend=$PULUMI_BACKEND_URL passphrase=\${PULUMI_CONFIG_PASSPHRASE:+set}" >> "$(dirname "$0")/calls.log"
`;

export function createFakeCli(): FakeCli {
  const bin = mkdtempSync(path.join(tmpdir(), "pgplat-fake-cli-"));
  const log = path.join(bin, "calls.log");
  const store = path.join(bin, "stacks.json");
  for (const [name, script] of [
    ["pulumi", fakePulumi],
    ["docker", fakeDocker],
  ]) {
    writeFileSync(path.join(bin, name), script);
    chmodSync(path.join(bin, name), 0o755);
  }
  writeFileSync(log, "");
  const calls = () => readFileSync(log, "utf8").split("\n").filter(Boolean);
  const stacks = (): Record<string, FakeStack> => (existsSync(store) ? JSON.parse(readFileSync(store, "utf8")) : {});
  return {
    bin,
    calls,
    pulumiCalls: () =>
      calls()
        .filter((call) => call.startsWith("pulumi "))
        .map((call) => call.slice("pulumi ".length, call.indexOf(" | "))),
    clearCalls: () => writeFileSync(log, ""),
    stacks,
    seed: (seeded) => {
      const all = stacks();
      for (const [name, stack] of Object.entries(seeded))
        all[name] = { tags: {}, resourceCount: 0, salt: `v1:fake-salt-${name}`, ...stack };
      writeFileSync(store, JSON.stringify(all, null, 2));
    },
    env: (extra = {}) => {
      const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${bin}:${process.env.PATH}` };
      for (const key of [
        "CI",
        "GITHUB_ACTIONS",
        "PULUMI_CONFIG_PASSPHRASE",
        "PULUMI_CONFIG_PASSPHRASE_FILE",
        "PULUMI_BACKEND_URL",
        "FAKE_PULUMI_FAIL",
        "FAKE_PULUMI_VERSION",
        "npm_config_dry_run",
        "npm_config_yes",
      ])
        delete env[key];
      return { ...env, ...extra };
    },
    cleanup: () => rmSync(bin, { recursive: true, force: true }),
  };
}
