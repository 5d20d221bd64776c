import { readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { configReferenceRows, withConfigReference } from "../../scripts/docs/configReference";

describe("configuration reference", () => {
  it("README.md carries the reference generated from the schema (run npm run docs:config after changing config/schema.ts)", () => {
    const readme = readFileSync(path.join(__dirname, "..", "..", "README.md"), "utf8");
    expect(readme).toBe(withConfigReference(readme));
  });

  it("lists every leaf key with its type and default", () => {
    const rows = configReferenceRows();
    expect(rows.find((row) => row.key === "pgplat:target")).toEqual({
      key: "pgplat:target",
      type: "`docker` \\| `aws`",
      defaultValue: "**required**",
      description: "Where the platform runs: docker (dev and ephemeral stacks) or aws (prod).",
    });
    expect(rows.find((row) => row.key === "pgplat:pgbouncer.defaultPoolSize")).toMatchObject({
      type: "integer 1–10000",
      defaultValue: "`20`",
    });
    expect(rows.find((row) => row.key === "pgplat:postgres.maxConnections")).toMatchObject({
      defaultValue: "size profile",
    });
    expect(rows.find((row) => row.key === "pgplat:roles.extra[].kind")).toMatchObject({
      type: "`readwrite` \\| `readonly` \\| `monitor`",
    });
    expect(rows.find((row) => row.key === "pgplat:aws.region")).toMatchObject({ defaultValue: "**required**" });
    expect(rows.find((row) => row.key === "pgplat:postgres.port")).toMatchObject({ defaultValue: "see meaning" });
    expect(rows.find((row) => row.key === "pgplat:aws.sslRootCert")).toMatchObject({ defaultValue: "—" });
    expect(rows).toHaveLength(new Set(rows.map((row) => row.key)).size);
  });
});
