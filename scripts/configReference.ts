/** npm run docs:config — regenerates the configuration reference in README.md and the config block of Pulumi.yaml from config/schema.ts. */
import { readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { withConfigReference } from "./docs/configReference";
import { withProjectConfig } from "./docs/projectConfig";

const readmePath = path.join(__dirname, "..", "README.md");
writeFileSync(readmePath, withConfigReference(readFileSync(readmePath, "utf8")));
console.log("README.md: configuration reference regenerated");

const projectPath = path.join(__dirname, "..", "Pulumi.yaml");
writeFileSync(projectPath, withProjectConfig(readFileSync(projectPath, "utf8")));
console.log("Pulumi.yaml: config block regenerated");
