import {
  hoursPerMonth,
  monthlyUsage,
  type BillableResource,
  type FixedUsage,
  type UsageContext,
  type UsageLine,
  type UsageRule,
  type VariableUsage,
} from "./usage";

/** What AWS meters for each resource type pgplat declares (rules below; free types in `chargeFreeAwsTypes`). */

const rdsInstanceType = "aws:rds/instance:Instance";
const taskDefinitionType = "aws:ecs/taskDefinition:TaskDefinition";

function regionOf(resource: BillableResource, context: UsageContext): string {
  return typeof resource.inputs.region === "string" ? resource.inputs.region : context.region;
}

function fixed(
  resource: BillableResource,
  context: UsageContext,
  line: Pick<FixedUsage, "meter" | "unit" | "quantity" | "what">,
): FixedUsage {
  return { kind: "fixed", resource: resource.name, region: regionOf(resource, context), ...line };
}

function variable(resource: BillableResource, context: UsageContext, what: string, drivenBy: string): VariableUsage {
  return { kind: "variable", resource: resource.name, region: regionOf(resource, context), what, drivenBy };
}

function dependencyOfType(resource: BillableResource, context: UsageContext, type: string): BillableResource {
  const found = resource.dependsOn
    .map((name) => context.byName.get(name))
    .find((candidate) => candidate?.type === type);
  if (!found) throw new Error(`${resource.name} depends on no ${type}; cannot tell what it costs`);
  return found;
}

/** vCPUs of an RDS instance class, from its size (`large` = 2, `xlarge` = 4, `Nxlarge` = 4N; burstable sizes below large have 2). */
export function rdsClassVcpus(instanceClass: string): number {
  const size = instanceClass.split(".").at(-1) ?? "";
  if (["micro", "small", "medium", "large"].includes(size)) return 2;
  const match = /^(\d*)xlarge$/.exec(size);
  if (!match) throw new Error(`unknown RDS instance size in ${instanceClass}`);
  return 4 * Number(match[1] || 1);
}

function text(resource: BillableResource, key: string): string {
  const value = resource.inputs[key];
  if (typeof value !== "string") throw new Error(`${resource.name}.${key} is ${JSON.stringify(value)}; expected text`);
  return value;
}

const rdsInstance: UsageRule = (instance, context) => {
  // A replica inherits engine and allocated storage from its source.
  const source =
    instance.inputs.replicateSourceDb === undefined ? instance : dependencyOfType(instance, context, rdsInstanceType);
  const instanceClass = text(instance, "instanceClass");
  const deployment = instance.inputs.multiAz === true ? "multi-az" : "single-az";
  const storageType = text(instance, "storageType");
  const storageGb = Number(source.inputs.allocatedStorage);
  const ceiling =
    instance.inputs.maxAllocatedStorage === undefined
      ? ""
      : `, autoscaling up to ${instance.inputs.maxAllocatedStorage} GB`;
  const retentionDays = Number(instance.inputs.performanceInsightsRetentionPeriod ?? 7);
  return [
    fixed(instance, context, {
      meter: `rds:${text(source, "engine")}:${instanceClass}:${deployment}`,
      unit: "instance-hour",
      quantity: hoursPerMonth,
      what: `${instanceClass} ${deployment === "multi-az" ? "Multi-AZ (primary and standby)" : "Single-AZ"}`,
    }),
    fixed(instance, context, {
      meter: `rds-storage:${storageType}:${deployment}`,
      unit: "GB-month",
      quantity: storageGb,
      what: `${storageType} storage, ${storageGb} GB allocated${ceiling}`,
    }),
    ...(instance.inputs.manageMasterUserPassword === true
      ? [
          fixed(instance, context, {
            meter: "secrets-manager:secret",
            unit: "secret-month",
            quantity: 1,
            what: "master password secret managed by RDS",
          }),
        ]
      : []),
    ...(instance.inputs.performanceInsightsEnabled === true && retentionDays > 7
      ? [
          fixed(instance, context, {
            meter: `rds-performance-insights:${retentionDays}d`,
            unit: "vCPU-month",
            quantity: rdsClassVcpus(instanceClass),
            what: `Performance Insights kept ${retentionDays} days (7 are free)`,
          }),
        ]
      : []),
    ...(Number(instance.inputs.backupRetentionPeriod ?? 0) > 0
      ? [
          variable(
            instance,
            context,
            "automated backups beyond the free allowance (storage equal to the allocated size)",
            `database size and change rate over ${instance.inputs.backupRetentionPeriod} days`,
          ),
        ]
      : []),
    ...(Number(instance.inputs.monitoringInterval ?? 0) > 0
      ? [
          variable(
            instance,
            context,
            "Enhanced Monitoring in CloudWatch Logs",
            `${instance.inputs.monitoringInterval}s interval and process count`,
          ),
        ]
      : []),
    ...(Array.isArray(instance.inputs.enabledCloudwatchLogsExports) &&
    instance.inputs.enabledCloudwatchLogsExports.length > 0
      ? [
          variable(
            instance,
            context,
            "PostgreSQL logs exported to CloudWatch Logs",
            "log volume (slow statements, connections, errors)",
          ),
        ]
      : []),
  ];
};

const rdsProxyTarget: UsageRule = (target, context) => {
  const instanceClass = text(dependencyOfType(target, context, rdsInstanceType), "instanceClass");
  const vcpus = rdsClassVcpus(instanceClass);
  return [
    fixed(target, context, {
      meter: "rds-proxy",
      unit: "vCPU-hour",
      quantity: vcpus * hoursPerMonth,
      what: `RDS Proxy, per vCPU of the ${instanceClass} behind it (${vcpus})`,
    }),
  ];
};

const replicationGroup: UsageRule = (group, context) => {
  const nodes = Number(group.inputs.numCacheClusters ?? 1);
  const nodeType = text(group, "nodeType");
  const engine = text(group, "engine");
  return [
    fixed(group, context, {
      meter: `elasticache:${engine}:${nodeType}`,
      unit: "node-hour",
      quantity: nodes * hoursPerMonth,
      what: `${nodes} × ${nodeType} (${engine}: primary${nodes > 1 ? ` and ${nodes - 1} replica${nodes > 2 ? "s" : ""}` : ""})`,
    }),
    ...(Number(group.inputs.snapshotRetentionLimit ?? 0) > 0
      ? [
          variable(
            group,
            context,
            "snapshot storage",
            `cache size × ${group.inputs.snapshotRetentionLimit} daily snapshots`,
          ),
        ]
      : []),
  ];
};

const fargateService: UsageRule = (service, context) => {
  const task = dependencyOfType(service, context, taskDefinitionType);
  const tasks = Number(service.inputs.desiredCount ?? 1);
  const vcpu = Number(text(task, "cpu")) / 1024;
  const memoryGb = Number(text(task, "memory")) / 1024;
  const platform = task.inputs.runtimePlatform as { cpuArchitecture?: string } | undefined;
  const architecture = platform?.cpuArchitecture === "ARM64" ? "arm64" : "x86_64";
  return [
    fixed(service, context, {
      meter: `fargate:${architecture}:vcpu`,
      unit: "vCPU-hour",
      quantity: tasks * vcpu * hoursPerMonth,
      what: `${tasks} Fargate task${tasks > 1 ? "s" : ""} × ${vcpu} vCPU (${architecture})`,
    }),
    fixed(service, context, {
      meter: `fargate:${architecture}:memory`,
      unit: "GB-hour",
      quantity: tasks * memoryGb * hoursPerMonth,
      what: `${tasks} Fargate task${tasks > 1 ? "s" : ""} × ${memoryGb} GB memory`,
    }),
  ];
};

const loadBalancer: UsageRule = (balancer, context) => {
  const kind = text(balancer, "loadBalancerType");
  return [
    fixed(balancer, context, {
      meter: `elb:${kind}`,
      unit: "LB-hour",
      quantity: hoursPerMonth,
      what: `${kind} load balancer`,
    }),
    variable(balancer, context, "load balancer capacity units (LCU)", "new and active connections, bytes processed"),
  ];
};

const perMonth =
  (meter: string, unit: string, what: string): UsageRule =>
  (resource, context) => [fixed(resource, context, { meter, unit, quantity: 1, what })];
const hourly =
  (meter: string, unit: string, what: string): UsageRule =>
  (resource, context) => [fixed(resource, context, { meter, unit, quantity: hoursPerMonth, what })];
const usageBased =
  (what: string, drivenBy: (resource: BillableResource) => string): UsageRule =>
  (resource, context) => [variable(resource, context, what, drivenBy(resource))];

export const awsUsageRules: Readonly<Record<string, UsageRule>> = {
  [rdsInstanceType]: rdsInstance,
  "aws:rds/proxyTarget:ProxyTarget": rdsProxyTarget,
  "aws:elasticache/replicationGroup:ReplicationGroup": replicationGroup,
  "aws:ecs/service:Service": fargateService,
  "aws:lb/loadBalancer:LoadBalancer": loadBalancer,
  "aws:ec2/natGateway:NatGateway": (nat, context) => [
    fixed(nat, context, { meter: "nat-gateway", unit: "gateway-hour", quantity: hoursPerMonth, what: "NAT gateway" }),
    variable(nat, context, "NAT data processing", "bytes leaving the private subnets"),
  ],
  "aws:ec2/eip:Eip": hourly("public-ipv4", "address-hour", "public IPv4 address of the NAT gateway"),
  "aws:kms/key:Key": perMonth("kms:key", "key-month", "customer managed KMS key"),
  "aws:secretsmanager/secret:Secret": perMonth("secrets-manager:secret", "secret-month", "Secrets Manager secret"),
  "aws:cloudwatch/metricAlarm:MetricAlarm": (alarm, context) => {
    const resolution = Number(alarm.inputs.period) < 60 ? "high-resolution" : "standard";
    return [
      fixed(alarm, context, {
        meter: `cloudwatch:alarm:${resolution}`,
        unit: "alarm-month",
        quantity: 1,
        what: `CloudWatch alarm, ${resolution} resolution`,
      }),
    ];
  },
  "aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication": usageBased(
    "automated backups replicated to this region (storage and cross-region transfer)",
    (replication) => `database size and change rate over ${replication.inputs.retentionPeriod} days`,
  ),
  "aws:scheduler/schedule:Schedule": usageBased(
    "Fargate time of each scheduled backup run",
    (schedule) => `run duration (${schedule.inputs.scheduleExpression})`,
  ),
  "aws:s3/bucket:Bucket": usageBased(
    "stored backup objects and their versions, requests",
    () => "backup size, retention and lifecycle",
  ),
  "aws:cloudwatch/logGroup:LogGroup": usageBased(
    "log ingestion and storage",
    (group) => `log volume, kept ${group.inputs.retentionInDays} days`,
  ),
  "aws:sns/topic:Topic": usageBased("alarm notifications", () => "notifications sent"),
  "aws:backup/vault:Vault": usageBased(
    "AWS Backup recovery point storage (copies into it also pay cross-region transfer)",
    (vault) => `database size × recovery points kept in ${vault.inputs.name}`,
  ),
  "aws:backup/restoreTestingPlan:RestoreTestingPlan": usageBased(
    "restore tests: each restore job and the restored instance until validation ends",
    (plan) => `runs of ${plan.inputs.scheduleExpression} × hours until AWS Backup deletes the restored instance`,
  ),
  "aws:ecr/repository:Repository": usageBased("container image storage", () => "backup image size × images kept"),
};

/** The stack's monthly usage lines, through the AWS rules. */
export function awsMonthlyUsage(resources: readonly BillableResource[], region: string): UsageLine[] {
  return monthlyUsage(resources, region, awsUsageRules);
}

/**
 * Types with no charge of their own, or billed through another resource (a
 * task definition through its service, a listener with its load balancer, a
 * proxy through its target, a secret version with its secret).
 */
export const chargeFreeAwsTypes: ReadonlySet<string> = new Set([
  // AWS Backup is billed through its vaults (storage) and restore-testing plans (restore jobs).
  "aws:backup/plan:Plan",
  "aws:backup/restoreTestingSelection:RestoreTestingSelection",
  "aws:backup/selection:Selection",
  "aws:backup/vaultLockConfiguration:VaultLockConfiguration",
  // AWS service events on the default bus, and their delivery to SNS, are free.
  "aws:cloudwatch/eventRule:EventRule",
  "aws:cloudwatch/eventTarget:EventTarget",
  "aws:ecr/lifecyclePolicy:LifecyclePolicy",
  "aws:sns/topicPolicy:TopicPolicy",
  "aws:ec2/internetGateway:InternetGateway",
  "aws:ec2/routeTable:RouteTable",
  "aws:ec2/routeTableAssociation:RouteTableAssociation",
  "aws:ec2/securityGroup:SecurityGroup",
  "aws:ec2/subnet:Subnet",
  "aws:ec2/vpc:Vpc",
  "aws:ecs/cluster:Cluster",
  "aws:ecs/taskDefinition:TaskDefinition",
  "aws:elasticache/parameterGroup:ParameterGroup",
  "aws:elasticache/subnetGroup:SubnetGroup",
  "aws:iam/role:Role",
  "aws:iam/rolePolicy:RolePolicy",
  "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
  "aws:kms/alias:Alias",
  "aws:lb/listener:Listener",
  "aws:lb/targetGroup:TargetGroup",
  "aws:rds/parameterGroup:ParameterGroup",
  "aws:rds/proxy:Proxy",
  "aws:rds/proxyDefaultTargetGroup:ProxyDefaultTargetGroup",
  "aws:rds/subnetGroup:SubnetGroup",
  "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
  "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
  "aws:s3/bucketPolicy:BucketPolicy",
  "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
  "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
  "aws:s3/bucketVersioning:BucketVersioning",
  "aws:secretsmanager/secretVersion:SecretVersion",
  "aws:sns/topicSubscription:TopicSubscription",
  "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
  "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
]);

/** AWS types in the graph that are neither priced by a rule nor known to be free: an estimate would silently leave them out. */
export function unclassifiedAwsTypes(resources: readonly BillableResource[]): string[] {
  const types = resources
    .map((resource) => resource.type)
    .filter((type) => type.startsWith("aws:") && !(type in awsUsageRules) && !chargeFreeAwsTypes.has(type));
  return [...new Set(types)].sort();
}
