import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { recordGraph, SecretValue } from "../../recording/recorder";
import { secretWhereCarried, traceIntoResources } from "../../secrets/keepSecret";
import { needlesOf } from "../../secrets/traceRule";

const { needles } = needlesOf([{ key: "pgplat:aws.adminHost", value: "db.corp.example", certain: true }]);

class Thing extends pulumi.CustomResource {
  constructor(name: string, props: pulumi.Inputs, opts?: pulumi.CustomResourceOptions) {
    super("test:index:Thing", name, props, opts);
  }
}

class Box extends pulumi.ComponentResource {
  constructor(name: string, host: pulumi.Input<string>) {
    super("test:index:Box", name);
    new Thing(
      `${name}-thing`,
      { url: pulumi.interpolate`postgres://${host}:5432/app`, plain: "nothing here", list: ["a", host] },
      { parent: this },
    );
    this.registerOutputs({ host });
  }
}

describe("the stack transformation under the SDK's mocks", () => {
  it("makes inputs built from an encrypted value secret, in outputs and plain lists alike, and leaves the rest as it is", async () => {
    const secretOutputs: unknown[] = [];
    const graph = await recordGraph({
      project: "p",
      stack: "s",
      config: {},
      program: () => {
        traceIntoResources(needles);
        new Box("box", pulumi.output("db.corp.example"));
        const wrapped = secretWhereCarried({ host: pulumi.output("db.corp.example"), port: 5432 }, needles) as {
          host: pulumi.Output<string>;
          port: number;
        };
        secretOutputs.push(wrapped.port);
        return { host: wrapped.host, other: pulumi.output("elsewhere") };
      },
    });
    const thing = graph.resources.find((entry) => entry.name === "box-thing");
    expect(thing?.inputs).toEqual({
      url: new SecretValue("postgres://db.corp.example:5432/app"),
      plain: "nothing here",
      list: ["a", new SecretValue("db.corp.example")],
    });
    expect(graph.outputs).toEqual({ host: new SecretValue("db.corp.example"), other: "elsewhere" });
    expect(secretOutputs).toEqual([5432]);
  });

  it("refuses a resource named after an encrypted value, naming the key and not the value", async () => {
    const refusals: string[] = [];
    await recordGraph({
      project: "p",
      stack: "s",
      config: {},
      program: () => {
        traceIntoResources(needles);
        try {
          new Thing("rule-from-db_corp_example", {});
        } catch (error) {
          refusals.push((error as Error).message);
        }
      },
    });
    expect(refusals).toEqual([
      "A test:index:Thing would be named after the encrypted value of pgplat:aws.adminHost, and Pulumi cannot keep resource names secret; leave that value unencrypted or report this as a pgplat bug.",
    ]);
  });
});
