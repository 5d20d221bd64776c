import { describe, expect, it } from "vitest";
import { missingAccess, type FileModeOwner } from "../../scripts/lib/pathAccess";
import { spawnFailure } from "../../scripts/lib/serverUser";

const postgres = { uid: 999, gid: 999 };
const tree = (entries: Record<string, FileModeOwner>) => (p: string) => {
  const found = entries[p];
  if (!found) throw new Error(`no stat for ${p}`);
  return found;
};
const rootDir = (mode: number): FileModeOwner => ({ mode, uid: 0, gid: 0 });

describe("missingAccess", () => {
  it("names the mode-700 ancestor a server user cannot search", () => {
    const stat = tree({
      "/": rootDir(0o755),
      "/tmp": rootDir(0o1777),
      "/tmp/tmp.abc": rootDir(0o700),
      "/tmp/tmp.abc/p": rootDir(0o755),
      "/tmp/tmp.abc/p/initdb": rootDir(0o755),
    });
    expect(missingAccess("/tmp/tmp.abc/p/initdb", postgres, "execute", stat)).toEqual({
      path: "/tmp/tmp.abc",
      permission: "search (x)",
      message: "uid 999 (gid 999) lacks search (x) permission on /tmp/tmp.abc on the way to /tmp/tmp.abc/p/initdb",
    });
  });

  it("uses the owner, group or other bits the kernel would pick", () => {
    const dirs = { "/": rootDir(0o755), "/srv": rootDir(0o755) };
    // Owner bits win even when other bits would allow it.
    expect(
      missingAccess("/srv/bin", postgres, "execute", tree({ ...dirs, "/srv/bin": { mode: 0o075, uid: 999, gid: 0 } }))
        ?.permission,
    ).toBe("execute (x)");
    expect(
      missingAccess("/srv/bin", postgres, "execute", tree({ ...dirs, "/srv/bin": { mode: 0o710, uid: 0, gid: 999 } })),
    ).toBeUndefined();
    expect(
      missingAccess("/srv/bin", postgres, "execute", tree({ ...dirs, "/srv/bin": { mode: 0o700, uid: 0, gid: 999 } }))
        ?.message,
    ).toBe("uid 999 (gid 999) lacks execute (x) permission on /srv/bin");
    expect(
      missingAccess("/srv/conf", postgres, "read", tree({ ...dirs, "/srv/conf": { mode: 0o640, uid: 0, gid: 0 } }))
        ?.permission,
    ).toBe("read (r)");
    expect(
      missingAccess(
        "/srv/conf",
        { uid: 0, gid: 0 },
        "read",
        tree({ ...dirs, "/srv/conf": { mode: 0o600, uid: 5, gid: 5 } }),
      ),
    ).toBeUndefined();
  });
});

describe("spawnFailure", () => {
  it("says why a process never started instead of printing nulls", () => {
    const error = Object.assign(new Error("spawnSync /x/initdb EACCES"), { code: "EACCES" });
    expect(
      spawnFailure({
        error,
        status: null,
        signal: null,
        stdout: null as unknown as string,
        stderr: null as unknown as string,
      }),
    ).toBe("could not run: spawnSync /x/initdb EACCES");
    expect(spawnFailure({ status: 1, signal: null, stdout: "", stderr: "initdb: error: directory exists\n" })).toBe(
      "exit status 1: initdb: error: directory exists",
    );
    expect(spawnFailure({ status: null, signal: "SIGKILL", stdout: "", stderr: "" })).toBe("killed by SIGKILL");
  });
});
