import { describe, expect, it } from "vitest";
import {
  archiveCommand,
  quoteConfString,
  redisPasswordHash,
  renderPgbouncerIni,
  renderPgHba,
  renderPostgresqlConf,
  renderRedisConf,
  renderUserlist,
  shellQuote,
  tune,
  type PgbouncerIniArgs,
} from "../../render";
import { pgbouncerFileDescriptorLimit } from "../../config";
import { scramSha256Secret } from "../../components/database/scram";

/** Parses `key = value` lines (postgresql.conf, pgbouncer.ini) into a map. */
function settingsOf(text: string): Record<string, string> {
  return Object.fromEntries(
    text
      .split("\n")
      .filter((line) => /^[a-z_.]+ = /.test(line))
      .map((line) => [line.slice(0, line.indexOf(" = ")), line.slice(line.indexOf(" = ") + 3)]),
  );
}

const tuning = tune({
  memoryMb: 1024,
  vcpus: 2,
  storageGb: 20,
  storageKind: "ssd",
  maxConnections: 100,
  workload: "web",
});

describe("renderPostgresqlConf", () => {
  const conf = renderPostgresqlConf({
    tuning,
    listenAddresses: "*",
    port: 5432,
    hbaFile: "/etc/pgplat/pg_hba.conf",
    slowStatementMs: 250,
    superuserReservedConnections: 3,
    archive: {
      scriptPath: "/usr/local/bin/pgplat-archive-wal",
      archiveDir: "/var/lib/postgresql/wal-archive",
      timeoutSeconds: 60,
    },
  });
  const settings = settingsOf(conf);

  it("sets authentication, statistics, slow-statement logging and archiving", () => {
    expect(settings).toMatchObject({
      listen_addresses: "'*'",
      port: "5432",
      hba_file: "'/etc/pgplat/pg_hba.conf'",
      unix_socket_directories: "'/var/run/postgresql'",
      password_encryption: "'scram-sha-256'",
      shared_preload_libraries: "'pg_stat_statements'",
      log_min_duration_statement: "250",
      wal_level: "replica",
      archive_mode: "on",
      archive_command: "'/usr/local/bin/pgplat-archive-wal %p %f /var/lib/postgresql/wal-archive'",
      archive_timeout: "60",
      superuser_reserved_connections: "3",
    });
  });

  it("carries every tuned setting", () => {
    expect(settings).toMatchObject({
      shared_buffers: "256MB",
      effective_cache_size: "768MB",
      work_mem: "2621kB",
      max_connections: "100",
      max_wal_size: "4GB",
    });
  });

  it("turns archiving off when no archive is given", () => {
    const withoutArchive = settingsOf(
      renderPostgresqlConf({
        tuning,
        listenAddresses: "*",
        port: 5432,
        hbaFile: "/h",
        slowStatementMs: -1,
        superuserReservedConnections: 3,
      }),
    );
    expect(withoutArchive.archive_mode).toBe("off");
    expect(withoutArchive.archive_command).toBeUndefined();
  });
});

describe("quoting", () => {
  it("doubles single quotes in configuration strings and refuses line breaks", () => {
    expect(quoteConfString("it's")).toBe("'it''s'");
    expect(() => quoteConfString("a\nb")).toThrow(/line breaks/);
  });

  it("shell-quotes archive paths and refuses %", () => {
    expect(shellQuote("/plain/path")).toBe("/plain/path");
    expect(shellQuote("/with space/it's")).toBe("'/with space/it'\\''s'");
    expect(archiveCommand("/bin/archive", "/dir with space")).toBe("/bin/archive %p %f '/dir with space'");
    expect(() => archiveCommand("/bin/archive", "/100%")).toThrow(/%/);
  });
});

describe("renderPgHba", () => {
  it("allows scram-sha-256 only, on the socket and from the allowed addresses", () => {
    expect(renderPgHba({ allowedClients: ["samenet", "10.0.0.0/16"], requireTls: false })).toBe(
      [
        "# Rendered by pgplat (render/pgHba.ts): scram-sha-256 for every connection.",
        "# TYPE  DATABASE  USER  ADDRESS  METHOD",
        "local all all scram-sha-256",
        "host all all samenet scram-sha-256",
        "host all all 10.0.0.0/16 scram-sha-256",
        "",
      ].join("\n"),
    );
  });

  it("uses hostssl when TLS is required, and never trust, md5, peer or password", () => {
    const hba = renderPgHba({ allowedClients: ["0.0.0.0/0"], requireTls: true });
    expect(hba).toContain("hostssl all all 0.0.0.0/0 scram-sha-256");
    const methods = hba
      .split("\n")
      .filter((line) => line !== "" && !line.startsWith("#"))
      .map((line) => line.trim().split(/\s+/).at(-1));
    expect(new Set(methods)).toEqual(new Set(["scram-sha-256"]));
  });

  it("refuses an empty allow list", () => {
    expect(() => renderPgHba({ allowedClients: [], requireTls: false })).toThrow(/at least one/);
  });
});

describe("scramSha256Secret", () => {
  const salt = Buffer.from("W22ZaJ0SNY7soEsUEjb6gQ==", "base64");

  it("produces PostgreSQL's verifier format, deterministically for a given salt", () => {
    const secret = scramSha256Secret({ password: "pencil", salt });
    expect(secret).toMatch(/^SCRAM-SHA-256\$4096:W22ZaJ0SNY7soEsUEjb6gQ==\$[A-Za-z0-9+/]{43}=:[A-Za-z0-9+/]{43}=$/);
    expect(scramSha256Secret({ password: "pencil", salt })).toBe(secret);
    expect(scramSha256Secret({ password: "pencil!", salt })).not.toBe(secret);
    expect(scramSha256Secret({ password: "pencil", salt, iterations: 8192 })).toMatch(/^SCRAM-SHA-256\$8192:/);
  });

  it("refuses passwords SASLprep could change, and short salts", () => {
    expect(() => scramSha256Secret({ password: "pässword", salt })).toThrow(/printable ASCII/);
    expect(() => scramSha256Secret({ password: "", salt })).toThrow(/printable ASCII/);
    expect(() => scramSha256Secret({ password: "pencil", salt: Buffer.alloc(4) })).toThrow(/salt/);
  });
});

const pgbouncerArgs: PgbouncerIniArgs = {
  listenAddr: "0.0.0.0",
  listenPort: 6432,
  database: { name: "app", host: "postgres", port: 5432, dbname: "app" },
  authFile: "/etc/pgbouncer/userlist.txt",
  poolMode: "transaction",
  defaultPoolSize: 20,
  reservePoolSize: 5,
  reservePoolTimeoutSeconds: 3,
  maxClientConn: 1000,
  maxDbConnections: 75,
  adminUsers: ["pgbouncer_admin"],
  statsUsers: ["app_monitoring"],
  queryWaitTimeoutSeconds: 60,
  serverIdleTimeoutSeconds: 600,
  idleTransactionTimeoutSeconds: 300,
  serverTlsSslmode: "disable",
};

describe("renderPgbouncerIni", () => {
  const ini = renderPgbouncerIni(pgbouncerArgs);

  it("routes the database and pools in transaction mode with SCRAM", () => {
    expect(ini).toContain("[databases]\napp = host=postgres port=5432 dbname=app\n");
    expect(settingsOf(ini)).toMatchObject({
      listen_addr: "0.0.0.0",
      listen_port: "6432",
      unix_socket_dir: "",
      auth_type: "scram-sha-256",
      auth_file: "/etc/pgbouncer/userlist.txt",
      pool_mode: "transaction",
      default_pool_size: "20",
      reserve_pool_size: "5",
      max_client_conn: "1000",
      max_db_connections: "75",
      admin_users: "pgbouncer_admin",
      stats_users: "app_monitoring",
      server_reset_query: "DISCARD ALL",
      query_wait_timeout: "60",
      idle_transaction_timeout: "300",
      server_tls_sslmode: "disable",
    });
  });

  it("refuses names that would break the file", () => {
    expect(() =>
      renderPgbouncerIni({ ...pgbouncerArgs, database: { ...pgbouncerArgs.database, host: "evil host" } }),
    ).toThrow(/not a plain name/);
  });

  it("derives the descriptor limit from clients and server connections", () => {
    expect(pgbouncerFileDescriptorLimit(pgbouncerArgs)).toBe(1000 + 75 + 64);
  });
});

describe("renderUserlist", () => {
  it("writes quoted users and SCRAM verifiers only", () => {
    expect(
      renderUserlist([
        { user: "app_user", scramSecret: "SCRAM-SHA-256$4096:c2FsdA==$a:b" },
        { user: 'we"ird', scramSecret: "SCRAM-SHA-256$4096:x$y:z" },
      ]),
    ).toBe('"app_user" "SCRAM-SHA-256$4096:c2FsdA==$a:b"\n"we""ird" "SCRAM-SHA-256$4096:x$y:z"\n');
  });

  it("refuses a plaintext password", () => {
    expect(() => renderUserlist([{ user: "app_user", scramSecret: "hunter2" }])).toThrow(/not a SCRAM verifier/);
  });
});

describe("renderRedisConf", () => {
  const hash = redisPasswordHash("s3cret");
  const conf = renderRedisConf({
    bind: "127.0.0.1",
    port: 6379,
    dir: "/data",
    appUser: "app",
    appPasswordSha256: hash,
    appPermissions: "~* &* +@all -@dangerous",
    maxmemoryBytes: 134217728,
    maxmemoryPolicy: "allkeys-lru",
    healthcheckUser: "healthcheck",
  });

  it("disables the default user, hashes the app password and denies dangerous commands", () => {
    expect(conf).toContain("user default off resetkeys resetchannels -@all\n");
    expect(conf).toContain(`user app on #${hash} ~* &* +@all -@dangerous\n`);
    expect(conf).toContain("user healthcheck on nopass resetkeys resetchannels -@all +ping\n");
    expect(conf).not.toContain("s3cret");
  });

  it("adds a statistics-only monitoring user when asked", () => {
    const args = {
      bind: "127.0.0.1",
      port: 6379,
      dir: "/d",
      appUser: "app",
      appPasswordSha256: hash,
      appPermissions: "+@all",
      maxmemoryBytes: 1,
      maxmemoryPolicy: "noeviction",
      healthcheckUser: "hc",
    };
    const monitorHash = redisPasswordHash("m0nitor");
    expect(
      renderRedisConf({ ...args, monitor: { user: "monitor", passwordSha256: monitorHash } }).split("\n"),
    ).toContain(
      `user monitor on #${monitorHash} resetkeys resetchannels -@all +ping +info +config|get +client|list +client|setname +slowlog|get +slowlog|len +latency|latest +cluster|info +select`,
    );
    expect(renderRedisConf(args)).not.toContain("user monitor");
  });

  it("sets protected mode, AOF persistence and the memory policy", () => {
    for (const line of [
      "protected-mode yes",
      "appendonly yes",
      "appendfsync everysec",
      "maxmemory 134217728",
      "maxmemory-policy allkeys-lru",
      "dir /data",
      "bind 127.0.0.1",
      "port 6379",
    ]) {
      expect(conf.split("\n")).toContain(line);
    }
  });

  it("refuses a plaintext password and rules that would inject lines", () => {
    const args = {
      bind: "127.0.0.1",
      port: 6379,
      dir: "/d",
      appUser: "app",
      appPermissions: "+@all",
      maxmemoryBytes: 1,
      maxmemoryPolicy: "noeviction",
      healthcheckUser: "hc",
    };
    expect(() => renderRedisConf({ ...args, appPasswordSha256: "s3cret" })).toThrow(/SHA-256/);
    expect(() =>
      renderRedisConf({ ...args, appPasswordSha256: hash, monitor: { user: "monitor", passwordSha256: "s3cret" } }),
    ).toThrow(/SHA-256/);
    expect(() =>
      renderRedisConf({ ...args, appPasswordSha256: hash, appPermissions: "+@all\nuser default on nopass" }),
    ).toThrow(/one line/);
  });
});
