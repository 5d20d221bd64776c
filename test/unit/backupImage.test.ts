import { readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import {
  backupCommand,
  backupDockerfile,
  backupImageBuild,
  backupImageProblems,
  dockerfileFacts,
} from "../../components/aws/backupImageFacts";

const dockerfile = readFileSync(path.join(__dirname, "..", "..", backupDockerfile), "utf8");

describe("dockerfileFacts", () => {
  it("reads the backup Dockerfile: the engine's exact postgres image, pgplat-backup on the PATH", () => {
    expect(dockerfileFacts(dockerfile, { POSTGRES_VERSION: "16.10" })).toEqual({
      from: "postgres:16.10-bookworm",
      commands: ["pgplat-backup"],
    });
  });

  it("follows continuation lines and ignores COPY flags and files outside /usr/local/bin", () => {
    const text =
      "FROM postgres:$V\nCOPY --chmod=0755 \\\n  a.sh /usr/local/bin/a\nCOPY b.conf /etc/b.conf\nADD c /usr/local/bin/c\n";
    expect(dockerfileFacts(text, { V: "15" })).toEqual({ from: "postgres:15", commands: ["a", "c"] });
  });

  it("refuses a FROM whose build argument is not given", () => {
    expect(() => dockerfileFacts(dockerfile, {})).toThrow(
      "the Dockerfile's FROM needs build argument POSTGRES_VERSION",
    );
  });
});

describe("backupImageProblems", () => {
  it("accepts the repository's Dockerfile for every PostgreSQL 16 engine", () => {
    for (const version of ["16.3", "16.10"])
      expect(backupImageProblems(backupImageBuild(version).facts, backupCommand, version)).toEqual([]);
  });

  it("names a command the image does not install, a client of another major and an unknown base", () => {
    expect(
      backupImageProblems({ from: "postgres:16.10-bookworm", commands: ["other"] }, "pgplat-backup", "16.10"),
    ).toEqual(["the task runs pgplat-backup, which the image does not install (it installs other in /usr/local/bin)"]);
    expect(
      backupImageProblems({ from: "postgres:15.8-bookworm", commands: ["pgplat-backup"] }, "pgplat-backup", "16.10"),
    ).toEqual([
      "the image's pg_dump is PostgreSQL 15 but the engine is 16.10: pg_dump needs the engine's major version",
    ]);
    expect(backupImageProblems({ from: "debian:bookworm", commands: [] }, "pgplat-backup", "16.10")).toEqual([
      "the task runs pgplat-backup, which the image does not install (it installs nothing in /usr/local/bin)",
      "the image is built FROM debian:bookworm, not an official postgres:<version> image, so its pg_dump version is unknown",
    ]);
  });

  it("tags by content: another engine version is another tag", () => {
    expect(backupImageBuild("16.10").tag).toMatch(/^pg16\.10-[0-9a-f]{12}$/);
    expect(backupImageBuild("16.10").tag).not.toBe(backupImageBuild("16.9").tag);
  });
});
