/**
 * Which config values the stack encrypts, leaf by leaf. Pulumi tells a program
 * only which top-level keys are secret (`pgplat:aws` as a whole when
 * `aws.adminHost` is `secure:`); the stack file says which leaves under them
 * are. Pure: the caller reads the files.
 */

export type Leaf = string | number | boolean;

export interface EncryptedLeaf {
  /** Full key and path, e.g. `pgplat:aws.adminHost` or `pgplat:aws.allowedCidrs[1]`. */
  readonly key: string;
  readonly value: Leaf;
  /** False when the stack file could not tell and the leaf is only assumed encrypted (its key is secret). */
  readonly certain: boolean;
}

export interface EncryptedLeavesArgs {
  /** Full config keys to the text the engine hands the program (structured values as JSON). */
  readonly config: Readonly<Record<string, string>>;
  /** The keys Pulumi marks secret. */
  readonly secretKeys: readonly string[];
  /**
   * The stack file's `config:` block as parsed YAML, when it could be read.
   * @default undefined: every leaf of a secret key counts as encrypted
   */
  readonly stackFileConfig?: Readonly<Record<string, unknown>>;
}

/**
 * The encrypted leaves. Under a secret key, the leaves the stack file marks
 * `secure:` when the file matches what the program was given (same leaves,
 * same plain values); otherwise (the config came from elsewhere, e.g. an ESC
 * environment, or the file is not the one deployed) every leaf of the key, so
 * a doubt always errs towards secret.
 */
export function encryptedLeaves(args: EncryptedLeavesArgs): EncryptedLeaf[] {
  return args.secretKeys.flatMap((fullKey): EncryptedLeaf[] => {
    const text = args.config[fullKey];
    if (text === undefined) return [];
    const value = decode(text);
    const all = leaves(value, fullKey);
    const secure = securePaths(args.stackFileConfig?.[fullKey], fullKey);
    if (secure === undefined || !sameShape(args.stackFileConfig?.[fullKey], value))
      return all.map((leaf) => ({ ...leaf, certain: false }));
    return all
      .filter((leaf) =>
        secure.some((path) => leaf.key === path || leaf.key.startsWith(`${path}.`) || leaf.key.startsWith(`${path}[`)),
      )
      .map((leaf) => ({ ...leaf, certain: true }));
  });
}

function decode(text: string): unknown {
  const trimmed = text.trim();
  if (!trimmed.startsWith("{") && !trimmed.startsWith("[")) return text;
  try {
    return JSON.parse(trimmed);
  } catch {
    return text;
  }
}

function leaves(value: unknown, at: string): Omit<EncryptedLeaf, "certain">[] {
  if (Array.isArray(value)) return value.flatMap((item, index) => leaves(item, `${at}[${index}]`));
  if (value !== null && typeof value === "object")
    return Object.entries(value).flatMap(([name, item]) => leaves(item, `${at}.${name}`));
  return typeof value === "string" || typeof value === "number" || typeof value === "boolean"
    ? [{ key: at, value }]
    : [];
}

const isSecure = (node: unknown): boolean =>
  node !== null &&
  typeof node === "object" &&
  !Array.isArray(node) &&
  Object.keys(node).length === 1 &&
  typeof (node as { secure?: unknown }).secure === "string";

/** Paths of the `secure:` values in a stack file entry; undefined when it has none. */
function securePaths(node: unknown, at: string): string[] | undefined {
  const found: string[] = [];
  const visit = (item: unknown, path: string): void => {
    if (isSecure(item)) found.push(path);
    else if (Array.isArray(item)) item.forEach((child, index) => visit(child, `${path}[${index}]`));
    else if (item !== null && typeof item === "object")
      Object.entries(item).forEach(([name, child]) => visit(child, `${path}.${name}`));
  };
  visit(node, at);
  return found.length > 0 ? found : undefined;
}

/** Whether the file entry has the same structure as the value given, with equal plain leaves (a `secure:` leaf matches anything). */
function sameShape(fileNode: unknown, value: unknown): boolean {
  if (isSecure(fileNode)) return value !== undefined;
  if (Array.isArray(fileNode))
    return (
      Array.isArray(value) &&
      value.length === fileNode.length &&
      fileNode.every((item, index) => sameShape(item, value[index]))
    );
  if (fileNode !== null && typeof fileNode === "object") {
    if (value === null || typeof value !== "object" || Array.isArray(value)) return false;
    const fileKeys = Object.keys(fileNode);
    const valueKeys = Object.keys(value);
    return (
      fileKeys.length === valueKeys.length &&
      fileKeys.every((name) =>
        sameShape((fileNode as Record<string, unknown>)[name], (value as Record<string, unknown>)[name]),
      )
    );
  }
  // The engine hands scalars over as text: `5` in the file arrives as "5".
  return fileNode === value || String(fileNode) === String(value);
}
