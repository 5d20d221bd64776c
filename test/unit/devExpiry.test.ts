import { describe, expect, it } from "vitest";
import {
  createdAtTag,
  expiresAtTag,
  formatDuration,
  formatStackTable,
  isEphemeralStack,
  lifecycleTags,
  parseTtl,
  reapVerdict,
} from "../../scripts/devExpiry";

const now = new Date("2026-11-30T12:00:00.000Z");
const expired = { [expiresAtTag]: "2026-11-30T11:59:00.000Z" };

describe("parseTtl", () => {
  it("reads minutes, hours and days", () => {
    expect(parseTtl("90m")).toBe(1.5);
    expect(parseTtl("36h")).toBe(36);
    expect(parseTtl("7d")).toBe(168);
  });

  it("rejects anything else, zero and more than a year", () => {
    for (const text of ["", "7", "1w", "-1h", "0h", "366d", "1.5h"])
      expect(() => parseTtl(text), text).toThrow(/give a duration such as 90m, 36h or 7d/);
  });
});

describe("lifecycleTags", () => {
  it("records creation once and renews the expiry of ephemeral stacks only", () => {
    expect(lifecycleTags("dev-alice", {}, now, 72)).toEqual({
      [createdAtTag]: "2026-11-30T12:00:00.000Z",
      [expiresAtTag]: "2026-12-03T12:00:00.000Z",
    });
    expect(lifecycleTags("dev-alice", { [createdAtTag]: "2026-11-01T00:00:00.000Z" }, now, 1.5)).toEqual({
      [expiresAtTag]: "2026-11-30T13:30:00.000Z",
    });
    expect(lifecycleTags("dev", {}, now, 72)).toEqual({ [createdAtTag]: "2026-11-30T12:00:00.000Z" });
  });
});

describe("reapVerdict", () => {
  it("reaps only dev-<name> stacks whose expiry has passed", () => {
    expect(reapVerdict({ name: "dev-old", tags: expired }, now)).toEqual({ reap: true });
    expect(reapVerdict({ name: "acme/pgplat/dev-pr-7", tags: expired }, now)).toEqual({ reap: true });
    expect(reapVerdict({ name: "dev-fresh", tags: { [expiresAtTag]: "2026-11-30T14:30:00.000Z" } }, now)).toEqual({
      reap: false,
      reason: "expires in 2h 30m",
    });
    expect(reapVerdict({ name: "dev-untagged", tags: {} }, now)).toEqual({
      reap: false,
      reason: `no ${expiresAtTag} tag`,
    });
    expect(reapVerdict({ name: "dev-garbled", tags: { [expiresAtTag]: "soon" } }, now)).toEqual({
      reap: false,
      reason: `no ${expiresAtTag} tag`,
    });
  });

  it("never reaps dev, production or non-Docker stacks, whatever their tags say", () => {
    for (const name of ["dev", "prod", "staging", "acme/pgplat/dev", "dev-"])
      expect(reapVerdict({ name, tags: expired }, now), name).toEqual({
        reap: false,
        reason: "not an ephemeral dev-<name> stack",
      });
    expect(
      reapVerdict({ name: "dev-x", tags: expired }, now, { target: "docker", environment: "production" }),
    ).toMatchObject({ reap: false, reason: expect.stringContaining("protected") });
    expect(
      reapVerdict({ name: "dev-x", tags: expired }, now, { target: "aws", environment: "non-production" }),
    ).toMatchObject({ reap: false, reason: expect.stringContaining("target aws") });
    expect(
      reapVerdict({ name: "dev-x", tags: expired }, now, { target: "docker", environment: "non-production" }),
    ).toEqual({ reap: true });
  });

  it("names stacks the way pulumi stack ls prints them", () => {
    expect(isEphemeralStack("dev-pr-12")).toBe(true);
    expect(isEphemeralStack("org/pgplat/dev-pr-12")).toBe(true);
    expect(isEphemeralStack("devx")).toBe(false);
  });
});

describe("formatStackTable", () => {
  it("shows every stack with age, expiry and resource count", () => {
    const table = formatStackTable(
      [
        {
          name: "dev",
          resourceCount: 21,
          lastUpdate: "2026-11-29T10:00:00.000Z",
          tags: { [createdAtTag]: "2026-11-20T12:00:00.000Z" },
        },
        {
          name: "dev-alice",
          resourceCount: 17,
          tags: { [createdAtTag]: "2026-11-30T09:15:00.000Z", [expiresAtTag]: "2026-12-01T12:00:00.000Z" },
        },
        { name: "dev-bob", tags: { [createdAtTag]: "2026-11-25T12:00:00.000Z", ...expired } },
        { name: "dev-carol", tags: {} },
        { name: "prod", resourceCount: 90, tags: {} },
      ],
      now,
    );
    expect(table.split("\n")).toEqual([
      "STACK      AGE      EXPIRES         RESOURCES  LAST UPDATE",
      "dev        10d 0h   never           21         2026-11-29T10:00:00.000Z",
      "dev-alice  2h 45m   in 1d 0h        17         never",
      "dev-bob    5d 0h    expired 1m ago  0          never",
      "dev-carol  unknown  not recorded    0          never",
      "prod       unknown  never           90         never",
    ]);
  });

  it("formats durations", () => {
    expect(formatDuration(30_000)).toBe("<1m");
    expect(formatDuration(61 * 60_000)).toBe("1h 1m");
  });
});
