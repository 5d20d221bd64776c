// Vitest setup file: runs in every test file.
import { afterAll } from "vitest";
import { removeScratchDirs } from "./scratch";

afterAll(removeScratchDirs);
