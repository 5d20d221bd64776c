import { describe, expect, it } from "vitest";
import { encryptedLeaves } from "../../secrets/encryptedLeaves";
import { carries, nameCarries, needlesOf, scalarCarries } from "../../secrets/traceRule";
import { fitPlaceholders, securePlaceholder } from "../../config/securePlaceholders";

const sealed = { secure: "v1:c2VhbGVk" };

describe("which config leaves the stack encrypts", () => {
  const config = {
    "pgplat:aws": JSON.stringify({
      region: "eu-west-1",
      adminHost: "db.corp.example",
      allowedCidrs: ["10.0.0.0/16", "0.0.0.0/0"],
    }),
    "pgplat:target": "aws",
  };

  it("takes the leaves the stack file marks secure:, not the whole key Pulumi marks secret", () => {
    const stackFileConfig = {
      "pgplat:target": "aws",
      "pgplat:aws": { region: "eu-west-1", adminHost: sealed, allowedCidrs: ["10.0.0.0/16", sealed] },
    };
    expect(encryptedLeaves({ config, secretKeys: ["pgplat:aws"], stackFileConfig })).toEqual([
      { key: "pgplat:aws.adminHost", value: "db.corp.example", certain: true },
      { key: "pgplat:aws.allowedCidrs[1]", value: "0.0.0.0/0", certain: true },
    ]);
  });

  it("a value encrypted whole (pulumi config set --secret with a JSON object) is encrypted in every leaf", () => {
    expect(
      encryptedLeaves({ config, secretKeys: ["pgplat:aws"], stackFileConfig: { "pgplat:aws": sealed } }).map(
        (leaf) => leaf.key,
      ),
    ).toEqual([
      "pgplat:aws.region",
      "pgplat:aws.adminHost",
      "pgplat:aws.allowedCidrs[0]",
      "pgplat:aws.allowedCidrs[1]",
    ]);
  });

  it("errs towards secret when the file cannot tell: no file, no marker, or a file that is not the one deployed", () => {
    const all = [
      "pgplat:aws.region",
      "pgplat:aws.adminHost",
      "pgplat:aws.allowedCidrs[0]",
      "pgplat:aws.allowedCidrs[1]",
    ];
    const keys = (stackFileConfig?: Record<string, unknown>) =>
      encryptedLeaves({ config, secretKeys: ["pgplat:aws"], stackFileConfig }).map((leaf) => leaf.key);
    expect(keys(undefined)).toEqual(all);
    // Only assumed: a resource name may still carry them (one of them may be plain), their inputs are secret all the same.
    expect(encryptedLeaves({ config, secretKeys: ["pgplat:aws"] }).every((leaf) => !leaf.certain)).toBe(true);
    expect(keys({ "pgplat:aws": { region: "eu-west-1" } })).toEqual(all);
    // Another stack's file: a plain value differs, or the secure leaf sits elsewhere.
    expect(
      keys({ "pgplat:aws": { region: "us-east-1", adminHost: sealed, allowedCidrs: ["10.0.0.0/16", sealed] } }),
    ).toEqual(all);
    expect(
      keys({
        "pgplat:aws": {
          region: "eu-west-1",
          adminHost: sealed,
          allowedCidrs: ["10.0.0.0/16", "0.0.0.0/0"],
          vpcId: sealed,
        },
      }),
    ).toEqual(all);
  });

  it("reads scalars as the engine hands them (text), and keys Pulumi does not mark secret not at all", () => {
    expect(
      encryptedLeaves({ config: { "pgplat:size": "medium", "pgplat:x": "{not json" }, secretKeys: ["pgplat:x"] }),
    ).toEqual([{ key: "pgplat:x", value: "{not json", certain: false }]);
    expect(encryptedLeaves({ config, secretKeys: [] })).toEqual([]);
  });
});

describe("the tracing rule", () => {
  const { needles, untraced } = needlesOf([
    { key: "pgplat:aws.adminHost", value: "db.corp.example", certain: true },
    { key: "pgplat:aws.adminPort", value: 6544, certain: true },
    { key: "pgplat:docker.port", value: "15433", certain: true },
    { key: "pgplat:backups.retentionDays", value: 9, certain: true },
    { key: "pgplat:postgres.database", value: "app", certain: true },
    { key: "pgplat:aws.multiAz", value: true, certain: true },
  ]);

  it("does not trace values under 4 characters or switches: pgplat writes those itself everywhere", () => {
    expect(untraced).toEqual(["pgplat:backups.retentionDays", "pgplat:postgres.database", "pgplat:aws.multiAz"]);
    expect(scalarCarries(9, needles)).toBe(false);
    expect(scalarCarries("app_user", needles)).toBe(false);
    expect(scalarCarries(true, needles)).toBe(false);
  });

  it("finds a string inside any text that embeds it", () => {
    expect(scalarCarries("postgresql://u@db.corp.example:5432/app", needles)).toBe(true);
    expect(scalarCarries("db.corp.example", needles)).toBe(true);
    expect(scalarCarries("db.corp.exampl", needles)).toBe(false);
  });

  it("finds a number as an equal number, as its text, or as a whole number inside text; not as part of a longer number", () => {
    expect(scalarCarries(6544, needles)).toBe(true);
    expect(scalarCarries("6544", needles)).toBe(true);
    expect(scalarCarries(15433, needles)).toBe(true);
    expect(scalarCarries("host=127.0.0.1 port=6544 dbname=app", needles)).toBe(true);
    expect(scalarCarries("127.0.0.1:15433", needles)).toBe(true);
    for (const other of [65440, "165440", "subnet-0fedcba9876544210", "6544.5", "1.6544", 5432])
      expect([other, scalarCarries(other, needles)]).toEqual([other, false]);
  });

  it("looks through plain arrays and objects, not into other objects", () => {
    expect(carries({ a: [{ b: "x" }, { c: "at db.corp.example" }] }, needles)).toBe(true);
    expect(carries({ a: [1, 2, "3"] }, needles)).toBe(false);
    expect(
      carries(
        new (class Opaque {
          field = "db.corp.example";
        })(),
        needles,
      ),
    ).toBe(false);
  });

  it("finds a value in a resource name whatever punctuation replaced its own", () => {
    const cidr = needlesOf([{ key: "pgplat:aws.allowedCidrs[0]", value: "10.77.0.0/16", certain: true }]).needles;
    expect(nameCarries("pgplat-aws-cache-from-10.77.0.0_16", cidr)?.keys).toEqual(["pgplat:aws.allowedCidrs[0]"]);
    expect(nameCarries("pgplat-aws-cache-from-encrypted-cidr-0", cidr)).toBeUndefined();
  });
});

describe("plan stand-ins for encrypted values", () => {
  it("take the shape the key needs, so an encrypted value can be planned whatever its key", () => {
    const fitted = fitPlaceholders(
      {
        target: securePlaceholder,
        aws: {
          region: "eu-west-1",
          allowedCidrs: [securePlaceholder],
          adminPort: securePlaceholder,
          alarmEmail: securePlaceholder,
          poolerCertificateArn: securePlaceholder,
          multiAz: securePlaceholder,
          readReplicas: securePlaceholder,
        },
        docker: { bindAddress: securePlaceholder },
        backups: { retentionDays: securePlaceholder },
      },
      [
        ["target"],
        ["aws", "allowedCidrs", 0],
        ["aws", "adminPort"],
        ["aws", "alarmEmail"],
        ["aws", "poolerCertificateArn"],
        ["aws", "multiAz"],
        ["aws", "readReplicas"],
        ["docker", "bindAddress"],
        ["backups", "retentionDays"],
      ],
    );
    expect(fitted).toEqual({
      target: "docker",
      aws: {
        region: "eu-west-1",
        allowedCidrs: ["192.0.2.0/24"],
        adminPort: 6543,
        alarmEmail: securePlaceholder,
        poolerCertificateArn: "arn:aws:acm:eu-west-1:000000000000:certificate/secure-placeholder",
        multiAz: true,
        readReplicas: 5,
      },
      docker: { bindAddress: "192.0.2.1" },
      backups: { retentionDays: 3650 },
    });
  });
});
