import { readFileSync } from "node:fs";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { backupImageSourceHash } from "../../components/docker/backups";
import { builtInLogins, groupRoles, type StackConfig } from "../../config";
import { pgbouncerContainerLayout } from "../../components/docker/pgbouncer";
import { postgresContainerLayout } from "../../components/docker/postgres";
import { redisContainerLayout } from "../../components/docker/redis";
import { containerScript } from "../../components/docker/containerFiles";
import { pgbouncerFiles, postgresFiles, redisFiles } from "../../render/platformFiles";
import { redisPasswordHash } from "../../render/redisConf";
import { SecretValue, type RecordedGraph } from "../../recording/recorder";
import { recordStack, resource, secretText } from "../support/graph";

let graph: RecordedGraph;
let config: StackConfig;

beforeAll(async () => {
  ({ graph, config } = recordStack("dev"));
});

const labels = [{ label: "pgplat.stack", value: "pgplat-dev" }];
const secret = expect.any(SecretValue);

describe("dev stack graph: storage", () => {
  it("creates a per-stack network and named volumes", () => {
    expect(resource(graph, "pgplat-docker-storage-network").inputs).toEqual({
      name: "pgplat-dev-net",
      driver: "bridge",
      labels,
    });
    for (const volume of ["pgdata", "wal-archive", "backups", "redis-data"]) {
      expect(resource(graph, `pgplat-docker-storage-${volume}`).inputs).toEqual({
        name: `pgplat-dev-${volume}`,
        labels,
      });
    }
  });
});

describe("dev stack graph: PostgreSQL container", () => {
  it("pulls the pinned image", () => {
    expect(resource(graph, "pgplat-docker-postgres-image").inputs).toEqual({
      name: "postgres:16.14-bookworm",
      keepLocally: true,
    });
  });

  it("has exactly the expected inputs: rendered configs, archive script, healthcheck, volumes and loopback port", () => {
    const container = resource(graph, "pgplat-docker-postgres-container");
    const files = postgresFiles(config, postgresContainerLayout);
    expect(container.inputs).toEqual({
      name: "pgplat-dev-postgres",
      image: "postgres:16.14-bookworm",
      entrypoints: ["/usr/local/bin/pgplat-entrypoint", "docker-entrypoint.sh"],
      command: ["postgres", "-c", "config_file=/etc/pgplat/postgresql.conf"],
      envs: [
        "POSTGRES_USER=postgres",
        "POSTGRES_PASSWORD_FILE=/run/pgplat/postgres-password",
        "POSTGRES_INITDB_ARGS=--auth-local=scram-sha-256 --auth-host=scram-sha-256 --data-checksums",
        "PGPLAT_SERVER_DIRS=/var/lib/postgresql/wal-archive /var/lib/postgresql/backups",
      ],
      uploads: [
        { file: "/etc/pgplat/postgresql.conf", content: files.postgresqlConf },
        { file: "/etc/pgplat/pg_hba.conf", content: files.pgHbaConf },
        { file: "/usr/local/bin/pgplat-archive-wal", content: containerScript("archive-wal.sh"), executable: true },
        {
          file: "/usr/local/bin/pgplat-entrypoint",
          content: containerScript("postgres-entrypoint.sh"),
          executable: true,
        },
        { file: "/run/pgplat/postgres-password", content: secret, owner: "999", group: "999", permissions: "0400" },
      ],
      volumes: [
        { volumeName: "pgplat-dev-pgdata", containerPath: "/var/lib/postgresql/data" },
        { volumeName: "pgplat-dev-wal-archive", containerPath: "/var/lib/postgresql/wal-archive" },
        { volumeName: "pgplat-dev-backups", containerPath: "/var/lib/postgresql/backups" },
      ],
      networksAdvanced: [{ name: "pgplat-dev-net", aliases: ["postgres"] }],
      ports: [{ internal: 5432, ip: "127.0.0.1" }],
      healthcheck: {
        tests: ["CMD", "pg_isready", "--host=127.0.0.1", "--port=5432", "--dbname=postgres", "--username=postgres"],
        interval: "5s",
        timeout: "3s",
        retries: 12,
        startPeriod: "30s",
      },
      memory: 1024,
      shmSize: 256,
      stopSignal: "SIGINT",
      stopTimeout: 60,
      restart: "unless-stopped",
      wait: true,
      waitTimeout: 180,
    });
    expect(container.deleteBeforeReplace).toBe(true);
  });

  it("wires postgresql.conf to what the container has: the archive script is an uploaded executable, the archive dir is the WAL volume, the hba file is uploaded", () => {
    const container = resource(graph, "pgplat-docker-postgres-container");
    const uploads = container.inputs.uploads as { file: string; content: unknown; executable?: boolean }[];
    const volumes = container.inputs.volumes as { volumeName: string; containerPath: string }[];
    const conf = uploads.find((upload) => upload.file === "/etc/pgplat/postgresql.conf")!.content as string;
    const [, script, archiveDir] = /^archive_command = '(\S+) %p %f (\S+)'$/m.exec(conf)!;
    expect(uploads.find((upload) => upload.file === script)).toMatchObject({
      executable: true,
      content: containerScript("archive-wal.sh"),
    });
    expect(volumes.find((volume) => volume.containerPath === archiveDir)?.volumeName).toBe("pgplat-dev-wal-archive");
    const hbaFile = /^hba_file = '(\S+)'$/m.exec(conf)![1];
    expect(uploads.find((upload) => upload.file === hbaFile)?.content).toContain("local all all scram-sha-256");
    expect(/^archive_timeout = (\d+)$/m.exec(conf)![1]).toBe(String(config.postgres.archiveTimeoutSeconds));
  });
});

describe("dev stack graph: roles", () => {
  it("connects the provider as the superuser over loopback, after PostgreSQL is healthy", () => {
    const provider = resource(graph, "pgplat-docker-database-provider");
    expect(provider.inputs).toEqual({
      host: "127.0.0.1",
      port: expect.stringMatching(/^\d+$/),
      username: "postgres",
      password: secret,
      database: "postgres",
      sslmode: "disable",
      superuser: "true",
      expectedVersion: "16",
      connectTimeout: "30",
    });
    expect(provider.dependsOn).toContain("pgplat-docker-postgres-container");
  });

  it("creates the group roles, then every login in its group with a SCRAM verifier as password, one at a time", () => {
    const roleNames = [...groupRoles.map((group) => group.name), ...builtInLogins.map((login) => login.name)];
    const roles = roleNames.map((name) => resource(graph, `pgplat-docker-database-roles-${name}`));
    expect(roles.map((role) => role.inputs)).toEqual([
      { name: "app_owner", login: false, inherit: true, roles: [] },
      { name: "app_readwrite", login: false, inherit: true, roles: [] },
      { name: "app_readonly", login: false, inherit: true, roles: [] },
      { name: "app_monitor", login: false, inherit: true, roles: ["pg_monitor"] },
      { name: "app_migrator", login: true, inherit: true, roles: ["app_owner"], password: secret },
      {
        name: "app_user",
        login: true,
        inherit: true,
        roles: ["app_readwrite"],
        password: secret,
        statementTimeout: 30000,
        idleInTransactionSessionTimeout: 60000,
      },
      { name: "app_reporting", login: true, inherit: true, roles: ["app_readonly"], password: secret },
      { name: "app_monitoring", login: true, inherit: true, roles: ["app_monitor"], password: secret },
    ]);
    for (const role of roles.slice(4))
      expect(secretText(role.inputs.password)).toMatch(/^SCRAM-SHA-256\$4096:[^$]+\$[^:]+:.+$/);
    roles.forEach((role, index) => {
      expect(role.provider).toBe("pgplat-docker-database-provider");
      if (index > 0) expect(role.dependsOn).toContain(roles[index - 1].name);
    });
  });
});

describe("dev stack graph: application database and migrations", () => {
  it("creates the application database owned by the owner role, after the roles, and pg_stat_statements in it", () => {
    const database = resource(graph, "pgplat-docker-database-database");
    expect(database.inputs).toEqual({
      name: "app",
      owner: "app_owner",
      encoding: "UTF8",
      template: "template0",
      allowConnections: true,
    });
    expect(database.dependsOn).toContain("pgplat-docker-database-roles-app_monitoring");
    expect(resource(graph, "pgplat-docker-database-pg-stat-statements").inputs).toEqual({
      name: "pg_stat_statements",
      database: "app",
    });
  });

  it("applies sql/ as the migrator acting as the owner role, with the connection secret", () => {
    const migrations = resource(graph, "pgplat-docker-database-migrations");
    expect(migrations.type).toBe("pulumi-nodejs:dynamic/pgplat:Migrations");
    expect(migrations.dependsOn).toEqual(
      expect.arrayContaining(["pgplat-docker-database-database", "pgplat-docker-database-pg-stat-statements"]),
    );
    const connection = (migrations.inputs.connection as SecretValue).value as Record<string, unknown>;
    expect(migrations.inputs.connection).toBeInstanceOf(SecretValue);
    expect(connection).toEqual({
      host: "127.0.0.1",
      port: expect.any(Number),
      user: "app_migrator",
      password: expect.stringMatching(/^[A-Za-z0-9]{20,}$/),
      database: "app",
      sslmode: "disable",
    });
    expect(migrations.inputs.options).toEqual({
      lockTimeoutMs: 5000,
      statementTimeoutMs: 0,
      lockRetries: 3,
      lockWaitMs: 60000,
      outOfOrder: false,
      role: "app_owner",
    });
    const files = migrations.inputs.migrations as { file: string; checksum: string; sql: string }[];
    expect(files.map((file) => file.file)).toEqual([
      "V0001__baseline.sql",
      "V0002__example_orders.sql",
      "R__health_checks.sql",
      "R__monitoring_views.sql",
    ]);
    expect(files.every((file) => /^[0-9a-f]{64}$/.test(file.checksum) && file.sql.length > 0)).toBe(true);
  });
});

describe("dev stack graph: PgBouncer container", () => {
  it("pulls the pinned image", () => {
    expect(resource(graph, "pgplat-docker-pgbouncer-image").inputs).toEqual({
      name: "edoburu/pgbouncer:v1.25.2-p0",
      keepLocally: true,
    });
  });

  it("has exactly the expected inputs", () => {
    const container = resource(graph, "pgplat-docker-pgbouncer-container");
    const files = pgbouncerFiles(config, { ...pgbouncerContainerLayout, postgresHost: "postgres", postgresPort: 5432 });
    expect(container.inputs).toEqual({
      name: "pgplat-dev-pgbouncer",
      image: "edoburu/pgbouncer:v1.25.2-p0",
      entrypoints: ["/usr/bin/pgbouncer"],
      command: ["/etc/pgbouncer/pgbouncer.ini"],
      uploads: [
        { file: "/etc/pgbouncer/pgbouncer.ini", content: files.pgbouncerIni },
        { file: "/etc/pgbouncer/userlist.txt", content: secret, owner: "70", group: "70", permissions: "0400" },
      ],
      ulimits: [{ name: "nofile", soft: 1139, hard: 1139 }],
      networksAdvanced: [{ name: "pgplat-dev-net", aliases: ["pgbouncer"] }],
      ports: [{ internal: 6432, ip: "127.0.0.1" }],
      healthcheck: {
        tests: ["CMD", "pg_isready", "--host=127.0.0.1", "--port=6432"],
        interval: "5s",
        timeout: "3s",
        retries: 6,
        startPeriod: "5s",
      },
      restart: "unless-stopped",
      wait: true,
      waitTimeout: 60,
    });
    expect(files.pgbouncerIni).toContain("app = host=postgres port=5432 dbname=app");
    expect(files.pgbouncerIni).toContain("max_db_connections = 75");
    expect(container.deleteBeforeReplace).toBe(true);
    expect(container.dependsOn).toContain("pgplat-docker-postgres-container");
  });

  it("puts in the userlist the very verifiers the roles get, and no plaintext password", () => {
    const uploads = resource(graph, "pgplat-docker-pgbouncer-container").inputs.uploads as {
      file: string;
      content: unknown;
    }[];
    const userlist = secretText(uploads[1].content);
    const entries = userlist
      .trimEnd()
      .split("\n")
      .map((line) => line.match(/^"([^"]+)" "([^"]+)"$/)!.slice(1));
    expect(entries.map(([user]) => user)).toEqual(["app_user", "app_reporting", "app_monitoring", "pgbouncer_admin"]);
    for (const [user, verifier] of entries) {
      if (user === "pgbouncer_admin") continue;
      expect(verifier).toBe(secretText(resource(graph, `pgplat-docker-database-roles-${user}`).inputs.password));
    }
    const uris = Object.values((graph.outputs.connectionUris as SecretValue).value as Record<string, string>);
    expect(uris).toHaveLength(builtInLogins.length);
    for (const uri of uris) expect(userlist).not.toContain(new URL(uri).password);
  });
});

describe("dev stack graph: Redis container", () => {
  it("has exactly the expected inputs, with the rendered redis.conf for the generated password", () => {
    const container = resource(graph, "pgplat-docker-redis-container");
    const redisUri = (graph.outputs.redisUri as SecretValue).value as string;
    const password = decodeURIComponent(new URL(redisUri).password);
    const monitorUri = new URL((graph.outputs.redisMonitorUri as SecretValue).value as string);
    const monitorPassword = decodeURIComponent(monitorUri.password);
    expect([monitorUri.protocol, monitorUri.username, monitorUri.hostname, Number(monitorUri.port)]).toEqual([
      "redis:",
      "monitor",
      "127.0.0.1",
      (graph.outputs.redis as { port: number }).port,
    ]);
    expect(monitorPassword).not.toBe(password);
    expect(container.inputs).toEqual({
      name: "pgplat-dev-redis",
      image: "redis:7.4.6-bookworm",
      command: ["redis-server", "/usr/local/etc/redis/redis.conf"],
      uploads: [
        {
          file: "/usr/local/etc/redis/redis.conf",
          content: new SecretValue(
            redisFiles(config, redisContainerLayout, redisPasswordHash(password), redisPasswordHash(monitorPassword))
              .redisConf,
          ),
        },
      ],
      volumes: [{ volumeName: "pgplat-dev-redis-data", containerPath: "/data" }],
      networksAdvanced: [{ name: "pgplat-dev-net", aliases: ["redis"] }],
      ports: [{ internal: 6379, ip: "127.0.0.1" }],
      healthcheck: {
        tests: ["CMD-SHELL", "redis-cli --user healthcheck --pass unused --no-auth-warning ping | grep -q PONG"],
        interval: "5s",
        timeout: "3s",
        retries: 6,
        startPeriod: "5s",
      },
      memory: 320,
      restart: "unless-stopped",
      wait: true,
      waitTimeout: 60,
    });
    expect(secretText((container.inputs.uploads as { content: unknown }[])[0].content)).not.toContain(password);
    expect(secretText((container.inputs.uploads as { content: unknown }[])[0].content)).not.toContain(monitorPassword);
    expect(container.deleteBeforeReplace).toBe(true);
  });
});

describe("dev stack graph: outputs", () => {
  it("exports endpoints in plain text and every credential as a secret", () => {
    const outputs = graph.outputs;
    expect(outputs.target).toBe("docker");
    expect(outputs.postgres).toEqual({ host: "127.0.0.1", port: expect.any(Number) });
    expect(outputs.pooler).toEqual({ kind: "pgbouncer", host: "127.0.0.1", port: expect.any(Number) });
    // The older name stays as an alias of the same endpoint.
    expect(outputs.pgbouncer).toEqual({ host: "127.0.0.1", port: (outputs.pooler as { port: number }).port });
    expect(outputs.redis).toEqual({ host: "127.0.0.1", port: expect.any(Number) });
    expect(outputs.volumes).toEqual({
      postgresData: "pgplat-dev-pgdata",
      walArchive: "pgplat-dev-wal-archive",
      backups: "pgplat-dev-backups",
      redisData: "pgplat-dev-redis-data",
    });
    expect(outputs.images).toEqual({
      postgres: "postgres:16.14-bookworm",
      pgbouncer: "edoburu/pgbouncer:v1.25.2-p0",
      redis: "redis:7.4.6-bookworm",
    });
    expect(outputs.connectionUris).toBeInstanceOf(SecretValue);
    expect(outputs.redisUri).toBeInstanceOf(SecretValue);
    expect(outputs.redisMonitorUri).toBeInstanceOf(SecretValue);
  });

  it("gives one URI per login: pooled logins through PgBouncer, the migrator direct", () => {
    const uris = (graph.outputs.connectionUris as SecretValue).value as Record<string, string>;
    const { pgbouncer, postgres } = graph.outputs as Record<string, { port: number }>;
    expect(Object.keys(uris).sort()).toEqual(builtInLogins.map((login) => login.name).sort());
    for (const login of builtInLogins) {
      const uri = new URL(uris[login.name]);
      expect([uri.protocol, uri.username, uri.hostname, Number(uri.port), uri.pathname]).toEqual([
        "postgresql:",
        login.name,
        "127.0.0.1",
        login.pooled ? pgbouncer.port : postgres.port,
        "/app",
      ]);
      expect(uri.password).toMatch(/^[A-Za-z0-9]{20,}$/);
    }
  });

  it("never puts a password into a plain input or output", () => {
    const uris = (graph.outputs.connectionUris as SecretValue).value as Record<string, string>;
    const passwords = Object.values(uris).map((uri) => decodeURIComponent(new URL(uri).password));
    // Secret values serialise as "[secret]", so this is everything a log or plain output could show.
    const plain = JSON.stringify({ resources: graph.resources.map((r) => r.inputs), outputs: graph.outputs });
    expect(passwords).toHaveLength(builtInLogins.length);
    for (const password of passwords) expect(plain).not.toContain(password);
  });
});

describe("stacks side by side", () => {
  it("names every Docker object after its stack, so a dev-<name> stack never collides with dev", async () => {
    const { graph: other } = recordStack("dev", "dev-alice");
    const dockerNames = (recorded: RecordedGraph) =>
      recorded.resources
        .filter((r) => r.type.startsWith("docker:") && r.type !== "docker:index/remoteImage:RemoteImage")
        .map((r) => (r.inputs.name ?? r.inputs.imageName) as string);
    expect(dockerNames(other).every((name) => name.startsWith("pgplat-dev-alice-"))).toBe(true);
    expect(dockerNames(other)).toHaveLength(14);
    expect(dockerNames(other).filter((name) => dockerNames(graph).includes(name))).toEqual([]);
  });
});

describe("dev stack graph: scheduled base backups", () => {
  it("builds the backup image from the stack's PostgreSQL image, tagged by its sources", () => {
    expect(resource(graph, "pgplat-docker-backup-image").inputs).toEqual({
      imageName: `pgplat-dev-basebackup:${backupImageSourceHash()}`,
      build: {
        context: ".",
        dockerfile: "scripts/container/basebackup.Dockerfile",
        args: { POSTGRES_IMAGE: "postgres:16.14-bookworm" },
      },
      skipPush: true,
      buildOnPreview: false,
    });
    // The command the container names is what the Dockerfile installs, running the bundle the tests run.
    const dockerfile = readFileSync(
      path.join(__dirname, "..", "..", "scripts", "container", "basebackup.Dockerfile"),
      "utf8",
    );
    expect(dockerfile).toMatch(/^FROM \$\{POSTGRES_IMAGE\}$/m);
    expect(dockerfile).toMatch(
      /^COPY scripts\/container\/pgplat-basebackup\.sh \/usr\/local\/bin\/pgplat-basebackup$/m,
    );
    expect(dockerfile).toMatch(/^RUN bash scripts\/container\/bundle-basebackup\.sh \/out\/pgplat-basebackup\.js$/m);
    expect(containerScript("pgplat-basebackup.sh")).toMatch(
      /^exec node \/usr\/local\/lib\/pgplat\/pgplat-basebackup\.js "\$@"$/m,
    );
  });

  it("creates the backup login after the platform's roles, granted only the backup functions and, in the app database, recording a backup", () => {
    const login = resource(graph, "pgplat-docker-backups-login");
    expect(login.inputs).toEqual({ name: "pgplat_backup", login: true, password: secret });
    expect(login.dependsOn).toContain("pgplat-docker-database-roles-app_monitoring");
    expect(login.provider).toBe("pgplat-docker-database-provider");
    expect(resource(graph, "pgplat-docker-backups-functions").inputs).toEqual({
      role: "pgplat_backup",
      database: "postgres",
      schema: "pg_catalog",
      objectType: "function",
      objects: ["pg_backup_start", "pg_backup_stop"],
      privileges: ["EXECUTE"],
    });
    const recording = ["database", "schema", "function"].map((kind) =>
      resource(graph, `pgplat-docker-backups-record-${kind}`),
    );
    expect(recording.map((grant) => grant.inputs)).toEqual([
      { role: "pgplat_backup", database: "app", objectType: "database", privileges: ["CONNECT"] },
      { role: "pgplat_backup", database: "app", objectType: "schema", schema: "monitoring", privileges: ["USAGE"] },
      {
        role: "pgplat_backup",
        database: "app",
        objectType: "function",
        schema: "monitoring",
        objects: ["record_base_backup"],
        privileges: ["EXECUTE"],
      },
    ]);
    // The recording function comes with the migrations.
    for (const grant of recording)
      expect(grant.dependsOn).toEqual(
        expect.arrayContaining(["pgplat-docker-backups-login", "pgplat-docker-database-migrations"]),
      );
  });

  it("runs the schedule from config with the data volume read-only and the password in a pgpass file", () => {
    const container = resource(graph, "pgplat-docker-backups-container");
    const login = resource(graph, "pgplat-docker-backups-login");
    expect(container.inputs).toEqual({
      name: "pgplat-dev-backup",
      image: `pgplat-dev-basebackup:${backupImageSourceHash()}`,
      user: "999:999",
      command: [
        "pgplat-basebackup",
        "schedule",
        "--database-url",
        "postgresql://pgplat_backup@postgres:5432/postgres",
        "--pgdata",
        "/var/lib/postgresql/data",
        "--repo",
        "/var/lib/postgresql/backups",
        "--wal-archive",
        "/var/lib/postgresql/wal-archive",
        "--every-hours",
        String(config.backups.baseBackupEveryHours),
        "--retention-days",
        "7",
        "--record-url",
        "postgresql://pgplat_backup@postgres:5432/app",
      ],
      envs: ["PGPASSFILE=/run/pgplat/pgpass"],
      uploads: [{ file: "/run/pgplat/pgpass", content: secret, owner: "999", group: "999", permissions: "0600" }],
      volumes: [
        { volumeName: "pgplat-dev-pgdata", containerPath: "/var/lib/postgresql/data", readOnly: true },
        { volumeName: "pgplat-dev-wal-archive", containerPath: "/var/lib/postgresql/wal-archive" },
        { volumeName: "pgplat-dev-backups", containerPath: "/var/lib/postgresql/backups" },
      ],
      networksAdvanced: [{ name: "pgplat-dev-net" }],
      healthcheck: {
        tests: [
          "CMD",
          "pgplat-basebackup",
          "check",
          "--repo",
          "/var/lib/postgresql/backups",
          "--max-age-minutes",
          "1500",
        ],
        interval: "60s",
        timeout: "30s",
        retries: 3,
        startPeriod: "60m",
      },
      stopTimeout: 30,
      restart: "unless-stopped",
    });
    expect(secretText((container.inputs.uploads as { content: unknown }[])[0].content)).toBe(
      `postgres:5432:postgres:pgplat_backup:${secretText(login.inputs.password)}\npostgres:5432:app:pgplat_backup:${secretText(login.inputs.password)}\n`,
    );
    expect(container.dependsOn).toEqual(
      expect.arrayContaining(["pgplat-docker-backups-functions", "pgplat-docker-backups-record-function"]),
    );
  });
});
