import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import * as path from "node:path";

/**
 * What the backup image holds, read from its Dockerfile: pure functions (no
 * Pulumi), shared by the BackupImage component, the stack guardrails and the
 * tests.
 */

/** The backup image's build context (relative to the project, where Pulumi runs): the Dockerfile and the script it installs. */
export const backupImageContext = "scripts/container";
export const backupDockerfile = `${backupImageContext}/backup.Dockerfile`;
const projectRoot = path.join(__dirname, "..", "..");
/** The command the backup task runs; the Dockerfile installs it on the PATH. */
export const backupCommand = "pgplat-backup";

/** What a Dockerfile provides, as far as the backup task cares. */
export interface DockerfileFacts {
  /** The FROM reference, build arguments substituted. */
  readonly from: string;
  /** Executables it copies onto the PATH (/usr/local/bin). */
  readonly commands: readonly string[];
}

/** Reads FROM and the commands COPY/ADD put in /usr/local/bin, substituting `args` into FROM. */
export function dockerfileFacts(text: string, args: Readonly<Record<string, string>>): DockerfileFacts {
  const lines = text
    .replace(/\\\n/g, " ")
    .split("\n")
    .map((line) => line.trim());
  const fromLine = lines.find((line) => /^FROM\s/i.test(line));
  if (!fromLine) throw new Error("the Dockerfile has no FROM line");
  const from = fromLine
    .split(/\s+/)[1]
    .replace(/\$\{(\w+)\}|\$(\w+)/g, (_, braced: string | undefined, bare: string | undefined) => {
      const name = braced ?? bare ?? "";
      if (args[name] === undefined) throw new Error(`the Dockerfile's FROM needs build argument ${name}`);
      return args[name];
    });
  const commands = lines
    .filter((line) => /^(COPY|ADD)\s/i.test(line))
    .map(
      (line) =>
        line
          .split(/\s+/)
          .filter((word) => !word.startsWith("--"))
          .at(-1) ?? "",
    )
    .filter((destination) => path.posix.dirname(destination) === "/usr/local/bin")
    .map((destination) => path.posix.basename(destination));
  return { from, commands };
}

/**
 * Why an image built from `facts` cannot run the backup task against
 * `engineVersion`; empty when it can. pg_dump refuses servers newer than
 * itself, and the official image's client is the server version of its tag.
 */
export function backupImageProblems(
  facts: DockerfileFacts,
  command: string,
  engineVersion: string | undefined,
): string[] {
  const problems: string[] = [];
  if (!facts.commands.includes(command))
    problems.push(
      `the task runs ${command}, which the image does not install (it installs ${facts.commands.join(", ") || "nothing"} in /usr/local/bin)`,
    );
  const client = /^postgres:(\d+)(\.\d+)?(-[\w.]+)?$/.exec(facts.from);
  // An engine version still unknown (at preview) leaves only the command to check.
  if (engineVersion === undefined) return problems;
  const engineMajor = engineVersion.split(".")[0];
  if (!client)
    problems.push(
      `the image is built FROM ${facts.from}, not an official postgres:<version> image, so its pg_dump version is unknown`,
    );
  else if (client[1] !== engineMajor)
    problems.push(
      `the image's pg_dump is PostgreSQL ${client[1]} but the engine is ${engineVersion}: pg_dump needs the engine's major version`,
    );
  return problems;
}

/** The build arguments and the content tag of the backup image for an engine version. */
export function backupImageBuild(engineVersion: string): {
  readonly args: Readonly<Record<string, string>>;
  readonly tag: string;
  readonly facts: DockerfileFacts;
} {
  const args = { POSTGRES_VERSION: engineVersion };
  const dockerfile = readFileSync(path.join(projectRoot, backupDockerfile), "utf8");
  const digest = createHash("sha256")
    .update(dockerfile)
    .update(readFileSync(path.join(projectRoot, backupImageContext, "pgplat-backup.sh")))
    .update(JSON.stringify(args))
    .digest("hex");
  return { args, tag: `pg${engineVersion}-${digest.slice(0, 12)}`, facts: dockerfileFacts(dockerfile, args) };
}
