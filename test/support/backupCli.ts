import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import * as path from "node:path";

const root = path.join(__dirname, "..", "..");
const entry = path.join(root, "scripts", "backup.ts");
const register = path.join(root, "node_modules", "ts-node", "register", "transpile-only");

export interface CliResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the backup tool as `npm run -s backup -- …` does (`restore` is its subcommand). */
export function backupCli(args: readonly string[], env: NodeJS.ProcessEnv = {}): CliResult {
  const result = spawnSync(process.execPath, ["-r", register, entry, ...args], {
    encoding: "utf8",
    env: { ...process.env, ...env },
    timeout: 180_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

export function startBackupCli(args: readonly string[]): ChildProcess {
  return spawn(process.execPath, ["-r", register, entry, ...args], { stdio: ["ignore", "pipe", "pipe"] });
}
