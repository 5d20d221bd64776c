import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import * as docker from "@pulumi/docker";

/** The backup image's build context (relative to the project, where Pulumi runs): the Dockerfile and the script it installs. */
export const backupImageContext = "scripts/container";
export const backupDockerfile = `${backupImageContext}/backup.Dockerfile`;
const projectRoot = path.join(__dirname, "..", "..");
/** The command the backup task runs; the Dockerfile installs it on the PATH. */
export const backupCommand = "pgplat-backup";
/** Images kept in the repository; older ones expire (tags are immutable, so every change is a new image). */
const keptImages = 10;

/** What a Dockerfile provides, as far as the backup task cares. */
export interface DockerfileFacts {
  /** The FROM reference, build arguments substituted. */
  readonly from: string;
  /** Executables it copies onto the PATH (/usr/local/bin). */
  readonly commands: readonly string[];
}

/** Reads FROM and the commands COPY/ADD put in /usr/local/bin, substituting `args` into FROM. */
export function dockerfileFacts(text: string, args: Readonly<Record<string, string>>): DockerfileFacts {
  const lines = text.replace(/\\\n/g, " ").split("\n").map((line) => line.trim());
  const fromLine = lines.find((line) => /^FROM\s/i.test(line));
  if (!fromLine) throw new Error("the Dockerfile has no FROM line");
  const from = fromLine.split(/\s+/)[1].replace(/\$\{(\w+)\}|\$(\w+)/g, (_, braced: string | undefined, bare: string | undefined) => {
    const name = braced ?? bare ?? "";
    if (args[name] === undefined) throw new Error(`the Dockerfile's FROM needs build argument ${name}`);
    return args[name];
  });
  const commands = lines
    .filter((line) => /^(COPY|ADD)\s/i.test(line))
    .map((line) => line.split(/\s+/).filter((word) => !word.startsWith("--")).at(-1) ?? "")
    .filter((destination) => path.posix.dirname(destination) === "/usr/local/bin")
    .map((destination) => path.posix.basename(destination));
  return { from, commands };
}

/**
 * Why an image built from `facts` cannot run the backup task against
 * `engineVersion`; empty when it can. pg_dump refuses servers newer than
 * itself, and the official image's client is the server version of its tag.
 */
export function backupImageProblems(facts: DockerfileFacts, command: string, engineVersion: string | undefined): string[] {
  const problems: string[] = [];
  if (!facts.commands.includes(command)) problems.push(`the task runs ${command}, which the image does not install (it installs ${facts.commands.join(", ") || "nothing"} in /usr/local/bin)`);
  const client = /^postgres:(\d+)(\.\d+)?(-[\w.]+)?$/.exec(facts.from);
  // An engine version still unknown (at preview) leaves only the command to check.
  if (engineVersion === undefined) return problems;
  const engineMajor = engineVersion.split(".")[0];
  if (!client) problems.push(`the image is built FROM ${facts.from}, not an official postgres:<version> image, so its pg_dump version is unknown`);
  else if (client[1] !== engineMajor) problems.push(`the image's pg_dump is PostgreSQL ${client[1]} but the engine is ${engineVersion}: pg_dump needs the engine's major version`);
  return problems;
}

/** The build arguments and the content tag of the backup image for an engine version. */
export function backupImageBuild(engineVersion: string): { readonly args: Readonly<Record<string, string>>; readonly tag: string; readonly facts: DockerfileFacts } {
  const args = { POSTGRES_VERSION: engineVersion };
  const dockerfile = readFileSync(path.join(projectRoot, backupDockerfile), "utf8");
  const digest = createHash("sha256").update(dockerfile).update(readFileSync(path.join(projectRoot, backupImageContext, "pgplat-backup.sh"))).update(JSON.stringify(args)).digest("hex");
  return { args, tag: `pg${engineVersion}-${digest.slice(0, 12)}`, facts: dockerfileFacts(dockerfile, args) };
}

export interface BackupImageArgs {
  readonly namePrefix: string;
  /** RDS engine version; the image's PostgreSQL (and so pg_dump) is this exact version. */
  readonly engineVersion: string;
  readonly kmsKeyArn: pulumi.Input<string>;
  /** Unprotected (throwaway) stacks delete the repository with its images. */
  readonly protect: boolean;
}

/**
 * The backup task's image: built from scripts/container/backup.Dockerfile
 * (for the Fargate task's ARM64 platform) and pushed to a private ECR
 * repository with immutable tags, scan on push and KMS encryption. The tag is
 * the content's hash, so a changed script is a new image and a new task
 * definition revision. `pulumi up` needs a Docker daemon for the build.
 */
export class BackupImage extends pulumi.ComponentResource {
  readonly repository: aws.ecr.Repository;
  /** The pushed image reference (repository URL and content tag). */
  readonly imageName: pulumi.Output<string>;

  constructor(name: string, args: BackupImageArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pgplat:aws:BackupImage", name, {}, opts);
    const child = { parent: this };
    const build = backupImageBuild(args.engineVersion);
    const problems = backupImageProblems(build.facts, backupCommand, args.engineVersion);
    if (problems.length > 0) throw new Error(`backup image: ${problems.join("; ")}`);
    this.repository = new aws.ecr.Repository(
      `${name}-repository`,
      {
        name: `${args.namePrefix}/backup`,
        imageTagMutability: "IMMUTABLE",
        imageScanningConfiguration: { scanOnPush: true },
        encryptionConfigurations: [{ encryptionType: "KMS", kmsKey: args.kmsKeyArn }],
        forceDelete: !args.protect,
        tags: { "pgplat:stack": args.namePrefix },
      },
      child,
    );
    new aws.ecr.LifecyclePolicy(
      `${name}-lifecycle`,
      {
        repository: this.repository.name,
        policy: JSON.stringify({ rules: [{ rulePriority: 1, description: `keep the last ${keptImages} images`, selection: { tagStatus: "any", countType: "imageCountMoreThan", countNumber: keptImages }, action: { type: "expire" } }] }),
      },
      child,
    );
    const token = aws.ecr.getAuthorizationTokenOutput({ registryId: this.repository.registryId }, child);
    const image = new docker.Image(
      `${name}-image`,
      {
        imageName: pulumi.interpolate`${this.repository.repositoryUrl}:${build.tag}`,
        build: { context: backupImageContext, dockerfile: backupDockerfile, platform: "linux/arm64", args: { ...build.args }, builderVersion: "BuilderBuildKit" },
        registry: { server: this.repository.repositoryUrl, username: token.userName, password: pulumi.secret(token.password) },
      },
      child,
    );
    this.imageName = image.imageName;
    this.registerOutputs({ imageName: this.imageName });
  }
}
