/** npm run docs:config — regenerates the configuration reference in README.md from config/schema.ts. */
import { readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { withConfigReference } from "../config/reference";

const readmePath = path.join(__dirname, "..", "README.md");
writeFileSync(readmePath, withConfigReference(readFileSync(readmePath, "utf8")));
console.log("README.md: configuration reference regenerated");
