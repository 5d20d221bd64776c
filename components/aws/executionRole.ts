import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { assumeRolePolicy, managedPolicyArn, secretsReadPolicy } from "./policies";

/**
 * The ECS execution role of a Fargate task that receives secrets: the AWS
 * managed execution policy, plus reading exactly its secrets and decrypting
 * them with the platform key (ECS cannot inject a CMK-encrypted secret otherwise).
 */
export function secretReadingExecutionRole(
  name: string,
  parent: pulumi.Resource,
  args: {
    readonly namePrefix: string;
    readonly secretArns: pulumi.Input<string>[];
    readonly kmsKeyArn: pulumi.Input<string>;
  },
): aws.iam.Role {
  const role = new aws.iam.Role(
    name,
    { namePrefix: args.namePrefix, assumeRolePolicy: JSON.stringify(assumeRolePolicy("ecs-tasks.amazonaws.com")) },
    { parent },
  );
  new aws.iam.RolePolicyAttachment(
    `${name}-managed`,
    {
      role: role.name,
      policyArn: aws
        .getPartitionOutput({}, { parent })
        .partition.apply((partition) => managedPolicyArn(partition, "service-role/AmazonECSTaskExecutionRolePolicy")),
    },
    { parent },
  );
  new aws.iam.RolePolicy(
    `${name}-secrets`,
    {
      role: role.name,
      policy: pulumi
        .all([pulumi.all(args.secretArns), args.kmsKeyArn])
        .apply(([secretArns, keyArn]) => JSON.stringify(secretsReadPolicy(secretArns, keyArn))),
    },
    { parent },
  );
  return role;
}
