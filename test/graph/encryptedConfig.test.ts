import { writeFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { SecretValue } from "../../recording/recorder";
import { readStackFile } from "../../config/stackFile";
import { recordStack } from "../support/graph";
import { scratchDir } from "../support/scratch";

const cipher = "v1:ZW5jcnlwdGVkLWJ5LXB1bHVtaQ==";

function stackFile(lines: readonly string[]): string {
  const file = path.join(scratchDir("encrypted"), "Pulumi.encrypted.yaml");
  writeFileSync(file, `${lines.join("\n")}\n`);
  return file;
}

describe("values the stack encrypts", () => {
  it("can be planned when they must have a shape (an e-mail), and stay secret in provider inputs", () => {
    const file = stackFile([
      "config:",
      "  aws:region: eu-west-1",
      "  pgplat:target: aws",
      "  pgplat:aws:",
      "    region: eu-west-1",
      "    alarmEmail:",
      `      secure: ${cipher}`,
      "    adminHost:",
      `      secure: ${cipher}`,
    ]);
    const { graph } = recordStack(file, "encrypted");
    const subscription = graph.resources.filter(
      (entry) => entry.type === "aws:sns/topicSubscription:TopicSubscription",
    );
    expect(subscription.map((entry) => entry.inputs.endpoint)).toEqual([expect.any(SecretValue)]);
    const postgresProviders = graph.resources.filter((entry) => entry.type === "pulumi:providers:postgresql");
    expect(postgresProviders.length).toBeGreaterThan(0);
    for (const provider of postgresProviders) expect(provider.inputs.host).toBeInstanceOf(SecretValue);
    expect(JSON.stringify(graph)).not.toContain(cipher);
  });

  it("a YAML syntax error names the file and line but never quotes the line holding a secure: value", () => {
    const file = stackFile([
      "config:",
      "  pgplat:target: aws",
      "  pgplat:aws:",
      "    alarmEmail:",
      `      secure: ${cipher}: oops`,
    ]);
    expect(() => readStackFile(file)).toThrow(
      new RegExp(
        `^${file.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}:5:\\d+: not valid YAML: Nested mappings are not allowed in compact mappings$`,
      ),
    );
    try {
      readStackFile(file);
    } catch (error) {
      expect(String(error)).not.toContain("ZW5jcnlwdGVk");
    }
  });
});
