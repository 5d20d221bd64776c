import { readFileSync } from "node:fs";
import * as path from "node:path";

/** Scripts that run inside the containers, shipped from scripts/container/. */
export function containerScript(fileName: string): string {
  return readFileSync(path.join(__dirname, "..", "..", "scripts", "container", fileName), "utf8");
}
