import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import * as docker from "@pulumi/docker";
import {
  backupCommand,
  backupDockerfile,
  backupImageBuild,
  backupImageContext,
  backupImageProblems,
} from "./backupImageFacts";

/** Images kept in the repository; older ones expire (tags are immutable, so every change is a new image). */
const keptImages = 10;

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
        policy: JSON.stringify({
          rules: [
            {
              rulePriority: 1,
              description: `keep the last ${keptImages} images`,
              selection: { tagStatus: "any", countType: "imageCountMoreThan", countNumber: keptImages },
              action: { type: "expire" },
            },
          ],
        }),
      },
      child,
    );
    const token = aws.ecr.getAuthorizationTokenOutput({ registryId: this.repository.registryId }, child);
    const image = new docker.Image(
      `${name}-image`,
      {
        imageName: pulumi.interpolate`${this.repository.repositoryUrl}:${build.tag}`,
        build: {
          context: backupImageContext,
          dockerfile: backupDockerfile,
          platform: "linux/arm64",
          args: { ...build.args },
          builderVersion: "BuilderBuildKit",
        },
        registry: {
          server: this.repository.repositoryUrl,
          username: token.userName,
          password: pulumi.secret(token.password),
        },
      },
      child,
    );
    this.imageName = image.imageName;
    this.registerOutputs({ imageName: this.imageName });
  }
}
