import { readFileSync } from "node:fs";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { backupImageBuild, backupImageProblems, dockerfileFacts } from "../../components/aws/backupImage";
import { SecretValue, type RecordedGraph } from "../../scripts/plan/recorder";
import { recordStack, resource } from "../support/graph";

/** The prod stack's backups: the dump task's image, AWS Backup, restore tests and backup alarms. */
let graph: RecordedGraph;
const tags = { "pgplat:stack": "pgplat-prod" };
const projectRoot = path.join(__dirname, "..", "..");
const keyArn = () => expect.stringMatching(/^arn:aws:kms:eu-west-1:/);

beforeAll(() => {
  ({ graph } = recordStack("prod"));
});

describe("prod stack graph: the backup task's image", () => {
  const repositoryUrl = "000000000000.dkr.ecr.eu-west-1.amazonaws.com/pgplat-prod/backup";

  it("pushes to a private ECR repository with immutable tags, scan on push and the platform key", () => {
    expect(resource(graph, "pgplat-aws-backup-image-repository").inputs).toEqual({
      name: "pgplat-prod/backup",
      imageTagMutability: "IMMUTABLE",
      imageScanningConfiguration: { scanOnPush: true },
      encryptionConfigurations: [{ encryptionType: "KMS", kmsKey: keyArn() }],
      forceDelete: false,
      tags,
    });
    expect(resource(graph, "pgplat-aws-backup-image-lifecycle").inputs).toEqual({
      repository: "pgplat-prod/backup",
      policy: JSON.stringify({ rules: [{ rulePriority: 1, description: "keep the last 10 images", selection: { tagStatus: "any", countType: "imageCountMoreThan", countNumber: 10 }, action: { type: "expire" } }] }),
    });
  });

  it("builds the repository's Dockerfile for ARM64 with the engine's version, tagged by content, with the registry password secret", () => {
    const image = resource(graph, "pgplat-aws-backup-image-image");
    expect(image.inputs).toEqual({
      imageName: `${repositoryUrl}:${backupImageBuild("16.10").tag}`,
      build: { context: "scripts/container", dockerfile: "scripts/container/backup.Dockerfile", platform: "linux/arm64", args: { POSTGRES_VERSION: "16.10" }, builderVersion: "BuilderBuildKit" },
      registry: { server: repositoryUrl, username: "AWS", password: expect.any(SecretValue) },
      buildOnPreview: false,
      skipPush: false,
    });
  });

  it("runs a command the task's image installs, with a pg_dump of the engine's major version", () => {
    // Follow the graph: the task's image → the image resource that builds it → its Dockerfile.
    const [container] = JSON.parse(resource(graph, "pgplat-aws-backup-task-task").inputs.containerDefinitions as string) as { image: string; command: string[] }[];
    const built = graph.resources.filter((entry) => entry.type === "docker:index/image:Image" && entry.inputs.imageName === container.image);
    expect(built.map((entry) => entry.name)).toEqual(["pgplat-aws-backup-image-image"]);
    const build = built[0].inputs.build as { dockerfile: string; args: Record<string, string> };
    const facts = dockerfileFacts(readFileSync(path.join(projectRoot, build.dockerfile), "utf8"), build.args);
    expect(container.command).toEqual(["pgplat-backup"]);
    expect(facts.commands).toContain(container.command[0]);
    const engineVersion = resource(graph, "pgplat-aws-rds-instance").inputs.engineVersion as string;
    expect(facts.from).toBe(`postgres:${engineVersion}-bookworm`);
    expect(facts.from.split(":")[1].split(".")[0]).toBe(engineVersion.split(".")[0]);
    expect(backupImageProblems(facts, container.command[0], engineVersion)).toEqual([]);
  });
});
