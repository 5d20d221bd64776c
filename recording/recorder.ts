import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import * as rpc from "@pulumi/pulumi/runtime/rpc";
import * as settings from "@pulumi/pulumi/runtime/settings";
import { runInPulumiStack } from "@pulumi/pulumi/runtime/stack";

/**
 * A recording engine: runs a Pulumi program under the SDK's mock monitor and
 * keeps every resource registration exactly as the engine would receive it
 * (inputs with their secret markers, parent, dependencies, options). Used by
 * `npm run plan` and by the graph tests, so both see the same graph.
 */

/** A value the program marked secret. Serialises as "[secret]" so it never reaches a log. */
export class SecretValue {
  constructor(readonly value: unknown) {}
  toJSON(): string {
    return "[secret]";
  }
}

export interface RecordedResource {
  readonly type: string;
  readonly name: string;
  readonly urn: string;
  /** Name of the parent resource; undefined for the stack itself. */
  readonly parent: string | undefined;
  readonly parentUrn: string | undefined;
  readonly inputs: Readonly<Record<string, unknown>>;
  /** Names of the resources in `dependsOn`. */
  readonly dependsOn: readonly string[];
  readonly deleteBeforeReplace: boolean;
  readonly protect: boolean;
  readonly retainOnDelete: boolean;
  /** Name of the explicit provider resource, if any. */
  readonly provider: string | undefined;
  readonly custom: boolean;
}

export interface RecordedGraph {
  readonly resources: readonly RecordedResource[];
  /** Stack outputs, with secret outputs as `SecretValue`. */
  readonly outputs: Readonly<Record<string, unknown>>;
}

export interface RecordOptions {
  readonly project: string;
  readonly stack: string;
  /** Full config keys (`pgplat:postgres`) to their text values, as the engine passes them. */
  readonly config: Readonly<Record<string, string>>;
  readonly secretKeys?: readonly string[];
  /** Runs the program; may return stack outputs (as a program's exports). */
  readonly program: () => Record<string, unknown> | void | Promise<Record<string, unknown> | void>;
}

interface RegisterRequest {
  getType(): string;
  getName(): string;
  getParent(): string;
  getObject(): { toJavaScript(): Record<string, unknown> };
  getDependenciesList(): string[];
  getDeletebeforereplace(): boolean;
  getProtect(): boolean;
  getRetainondelete(): boolean;
  getProvider(): string;
  getCustom(): boolean;
}

type Callback = (error: unknown, response?: { getUrn(): string }) => void;

interface PatchableMonitor {
  registerResource(request: RegisterRequest, callback: Callback): Promise<void>;
  registerResourceOutputs(
    request: { getUrn(): string; getOutputs(): { toJavaScript(): Record<string, unknown> } },
    callback: Callback,
  ): void;
}

export async function recordGraph(options: RecordOptions): Promise<RecordedGraph> {
  pulumi.runtime.setAllConfig({ ...options.config }, [...(options.secretKeys ?? [])]);
  await pulumi.runtime.setMocks(fakeCloud, options.project, options.stack, false);
  const registrations: {
    request: Omit<RecordedResource, "parent" | "dependsOn" | "provider"> & {
      parentUrn: string;
      dependencyUrns: string[];
      providerRef: string;
    };
  }[] = [];
  const stackOutputs: Record<string, unknown> = {};
  const monitor = settings.getMonitor() as unknown as PatchableMonitor;
  const registerResource = monitor.registerResource.bind(monitor);
  monitor.registerResource = (request, callback) =>
    registerResource(request, (error, response) => {
      if (!error && response) registrations.push({ request: describe(request, response.getUrn()) });
      callback(error, response);
    });
  const registerOutputs = monitor.registerResourceOutputs.bind(monitor);
  monitor.registerResourceOutputs = (request, callback) => {
    if (request.getUrn().includes("::pulumi:pulumi:Stack::"))
      Object.assign(stackOutputs, decodeObject(request.getOutputs().toJavaScript()));
    registerOutputs(request, callback);
  };
  await runInPulumiStack(async () => (await options.program()) ?? {});
  // Stack outputs are registered after the program returns; wait for that too.
  await (settings as unknown as { waitForRPCs(): Promise<void> }).waitForRPCs();
  const nameByUrn = new Map(registrations.map(({ request }) => [request.urn, request.name]));
  const resources = registrations.map(({ request: { parentUrn, dependencyUrns, providerRef, ...rest } }) => ({
    ...rest,
    parent: nameByUrn.get(parentUrn),
    parentUrn: parentUrn === "" ? undefined : parentUrn,
    dependsOn: dependencyUrns.map((urn) => nameByUrn.get(urn) ?? urn),
    provider:
      providerRef === "" ? undefined : (nameByUrn.get(providerRef.split("::").slice(0, 4).join("::")) ?? providerRef),
  }));
  return { resources, outputs: stackOutputs };
}

function describe(request: RegisterRequest, urn: string) {
  return {
    type: request.getType(),
    name: request.getName(),
    urn,
    parentUrn: request.getParent(),
    dependencyUrns: request.getDependenciesList(),
    providerRef: request.getProvider(),
    inputs: decodeObject(request.getObject().toJavaScript()),
    deleteBeforeReplace: request.getDeletebeforereplace(),
    protect: request.getProtect(),
    retainOnDelete: request.getRetainondelete(),
    custom: request.getCustom(),
  };
}

function decodeObject(value: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, decode(item)]));
}

/** Turns the wire format back into values, keeping secrets visible as `SecretValue`. */
function decode(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(decode);
  if (value === null || typeof value !== "object") return value;
  const record = value as Record<string, unknown>;
  const signature = record[rpc.specialSigKey];
  if (signature === rpc.specialSecretSig) return new SecretValue(decode(record.value));
  if (signature === rpc.specialResourceSig) return { resource: record.urn };
  return decodeObject(record);
}

function unwrapSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(unwrapSecrets);
  if (value === null || typeof value !== "object") return value;
  const record = value as Record<string, unknown>;
  if (record[rpc.specialSigKey] === rpc.specialSecretSig) return unwrapSecrets(record.value);
  return Object.fromEntries(Object.entries(record).map(([key, item]) => [key, unwrapSecrets(item)]));
}

function hasSecret(value: unknown): boolean {
  return JSON.stringify(value ?? null).includes(rpc.specialSecretSig);
}

/** Deterministic stand-ins for what providers compute, so a recorded graph is the same on every run. */
const fakeCloud: pulumi.runtime.Mocks = {
  call: (args) => {
    if (args.token === "aws:secretsmanager/getSecretVersion:getSecretVersion") {
      const digest = createHash("sha256").update(String(args.inputs.secretId)).digest("hex");
      return {
        ...args.inputs,
        secretString: JSON.stringify({ username: "master", password: `Fake${digest.slice(0, 24)}` }),
      };
    }
    if (args.token === "aws:ecr/getAuthorizationToken:getAuthorizationToken") {
      return {
        ...args.inputs,
        userName: "AWS",
        password: "FakeEcrToken",
        proxyEndpoint: `https://${String(args.inputs.registryId)}.dkr.ecr.eu-west-1.amazonaws.com`,
      };
    }
    if (args.token === "aws:index/getAvailabilityZones:getAvailabilityZones") {
      return {
        ...args.inputs,
        names: ["eu-west-1a", "eu-west-1b", "eu-west-1c"],
        zoneIds: ["euw1-az1", "euw1-az2", "euw1-az3"],
      };
    }
    if (args.token === "aws:index/getPartition:getPartition") {
      return { ...args.inputs, partition: "aws", dnsSuffix: "amazonaws.com" };
    }
    return args.inputs;
  },
  newResource: (args) => {
    // Secret inputs arrive wrapped; the stand-ins are computed from their values, the state keeps the wrappers (as the engine keeps them secret).
    const inputs = unwrapSecrets(args.inputs) as Record<string, unknown>;
    const digest = createHash("sha256").update(`${args.type}/${args.name}`).digest();
    const state: Record<string, unknown> = { ...args.inputs };
    // Providers complete a name prefix with a unique suffix.
    if (typeof inputs.namePrefix === "string" && inputs.name === undefined)
      state.name = `${inputs.namePrefix}${digest.toString("hex").slice(0, 8)}`;
    if (typeof inputs.bucketPrefix === "string" && inputs.bucket === undefined)
      state.bucket = `${inputs.bucketPrefix}${digest.toString("hex").slice(0, 8)}`;
    if (args.type.startsWith("aws:") && state.arn === undefined)
      state.arn = `arn:aws:${args.type.split(/[:/]/)[1]}::000000000000:${args.name}`;
    switch (args.type) {
      case "random:index/randomPassword:RandomPassword":
        state.result = `Fake${digest.toString("hex").slice(0, 24)}`;
        break;
      case "random:index/randomBytes:RandomBytes":
        state.base64 = digest.subarray(0, 16).toString("base64");
        state.hex = digest.subarray(0, 16).toString("hex");
        break;
      case "docker:index/remoteImage:RemoteImage":
        // Docker accepts the reference as well as the digest; the reference keeps plans readable.
        state.imageId = inputs.name;
        break;
      case "aws:rds/instance:Instance":
        state.address = `${inputs.identifier}.fake.eu-west-1.rds.amazonaws.com`;
        state.port = 5432;
        state.masterUserSecrets = [
          {
            secretArn: `arn:aws:secretsmanager:eu-west-1:000000000000:secret:rds!${inputs.identifier}`,
            secretStatus: "active",
          },
        ];
        break;
      case "aws:elasticache/replicationGroup:ReplicationGroup":
        state.primaryEndpointAddress = `master.${inputs.replicationGroupId}.fake.euw1.cache.amazonaws.com`;
        break;
      case "aws:lb/loadBalancer:LoadBalancer":
        state.dnsName = `${inputs.name}-0123456789.elb.eu-west-1.amazonaws.com`;
        state.arnSuffix = `net/${inputs.name}/0123456789`;
        break;
      case "aws:rds/proxy:Proxy":
        state.endpoint = `${inputs.name}.proxy-fake.eu-west-1.rds.amazonaws.com`;
        break;
      case "aws:lb/targetGroup:TargetGroup":
        state.arnSuffix = `targetgroup/${inputs.namePrefix}fake/0123456789`;
        break;
      case "random:index/randomId:RandomId":
        state.hex = digest.subarray(0, Number(inputs.byteLength ?? 4)).toString("hex");
        break;
      case "aws:ecr/repository:Repository":
        state.registryId = "000000000000";
        state.repositoryUrl = `000000000000.dkr.ecr.eu-west-1.amazonaws.com/${inputs.name}`;
        break;
      case "aws:kms/key:Key":
        state.arn = `arn:aws:kms:eu-west-1:000000000000:key/${digest.toString("hex").slice(0, 32)}`;
        state.keyId = digest.toString("hex").slice(0, 32);
        break;
      case "docker:index/container:Container":
        state.ports = ((inputs.ports ?? []) as { internal: number; external?: number }[]).map((port, index) => ({
          ...port,
          external: port.external ?? 49152 + (digest.readUInt16BE(index * 2) % 16000),
        }));
        break;
    }
    // The engine keeps an output secret when the input of the same name carried a secret.
    for (const key of Object.keys(args.inputs)) {
      if (key in state && hasSecret(args.inputs[key]) && !hasSecret(state[key]))
        state[key] = { [rpc.specialSigKey]: rpc.specialSecretSig, value: state[key] };
    }
    return { id: `${args.name}-id`, state };
  },
};
