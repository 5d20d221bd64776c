import { existsSync } from "node:fs";
import * as path from "node:path";

/** The OS package that provides each server program the local platform runs. */
export const osPackages = { pgbouncer: "pgbouncer", "redis-server": "redis-server" } as const;

/** Where `name` is installed (PATH, then the sbin directories PATH may lack); throws saying what to install. */
export function osBinary(name: keyof typeof osPackages): string {
  const directories = [
    ...(process.env.PATH ?? "").split(":").filter(Boolean),
    "/usr/sbin",
    "/usr/bin",
    "/usr/local/sbin",
    "/usr/local/bin",
  ];
  const found = directories.map((directory) => path.join(directory, name)).find((candidate) => existsSync(candidate));
  if (!found)
    throw new Error(
      `${name} is not installed: install it (Debian/Ubuntu: sudo apt-get install ${osPackages[name]}); npm start installs it itself when run as root`,
    );
  return found;
}
