import * as path from "node:path";
import type { StackConfig } from "../config";
import { postgresUri } from "../components/endpoints";
import { localHost, postgresSuperuser } from "./postgres";
import { launchDetached, type ServerProcess } from "./processes";
import type { LocalSecrets } from "./secrets";
import type { StateDir } from "./stateDir";

const projectRoot = path.join(__dirname, "..");

export interface LocalBackupsArgs {
  readonly config: StackConfig;
  readonly state: StateDir;
  readonly postgresPort: number;
  readonly secrets: LocalSecrets;
}

/**
 * The backup tool's `schedule` (what the Docker stack's backup container
 * runs): a base backup of the data directory into the state directory's
 * backups/ when none is newer than `backups.baseBackupEveryHours`, then a
 * prune to `backups.retentionDays`, with the WAL archive beside it, so the
 * restore commands and the drill work on a local stack. It runs as the
 * invoking user, who can read the project's code even from a private checkout.
 * Launched once the platform is healthy and not waited for: its first backup
 * then never competes with a start, and a failure shows in its log (and ends
 * a foreground run, which watches it).
 */
export function startLocalBackups(args: LocalBackupsArgs): Promise<ServerProcess> {
  const { config, state } = args;
  const logFile = path.join(state.logDir, "backups.log");
  return launchDetached({
    command: process.execPath,
    argv: [
      "-r",
      path.join(projectRoot, "scripts", "transpile.js"),
      path.join(projectRoot, "scripts", "backup.ts"),
      "schedule",
      "--pgdata",
      state.dataDir,
      "--repo",
      state.backupsDir,
      "--wal-archive",
      state.walArchiveDir,
      "--every-hours",
      String(config.backups.baseBackupEveryHours),
      "--retention-days",
      String(config.backups.retentionDays),
    ],
    user: { name: "self", uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 },
    // The URL in the environment, not the process list.
    env: {
      DATABASE_URL: postgresUri(postgresSuperuser, args.secrets.superuser, localHost, args.postgresPort, "postgres"),
    },
    logFile,
    cwd: projectRoot,
    program: "node",
  });
}
