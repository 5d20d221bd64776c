/**
 * Imported first by scripts/plan.ts, before anything loads @pulumi/pulumi.
 *
 * The SDK's runtime loads its function serializer (which loads the 9 MB
 * TypeScript compiler) and its code-path finder (npm's arborist and its
 * dependencies) up front: more than half of a plan's start-up. A plan needs
 * neither: it never shows a dynamic provider's serialized code (see
 * recording/format.ts), and the program builds no function archives. So in the plan
 * process only, both modules are replaced by stand-ins: a dynamic provider
 * gets a placeholder text, anything else that asks for them fails loudly.
 * The graph tests record without this, so the real serializer stays covered.
 */
import Module from "node:module";
import * as path from "node:path";

interface ModuleLoader {
  _load(request: string, parent: NodeModule | undefined, isMain: boolean): unknown;
}

function unavailable(name: string): () => never {
  return () => {
    throw new Error(`npm run plan does not load @pulumi/pulumi's ${name}`);
  };
}

const standIns = new Map<string, object>([
  [
    require.resolve("@pulumi/pulumi/runtime/closure/serializeClosure"),
    {
      // Settles a turn of the event loop later, not at once: a resource registers when its inputs
      // settle, and this keeps the migrations resource where the real serializer puts it in the
      // registration order, which --json shows (test/graph/planMatchesRecording.test.ts).
      serializeFunction: () =>
        new Promise((resolve) =>
          setImmediate(() =>
            resolve({ text: "(not serialized by npm run plan)", exportName: "handler", containsSecrets: false }),
          ),
        ),
      serializeFunctionAsync: unavailable("serializeFunctionAsync"),
    },
  ],
  [require.resolve("@pulumi/pulumi/runtime/closure/codePaths"), { computeCodePaths: unavailable("computeCodePaths") }],
]);

const loader = Module as unknown as ModuleLoader;
const load = loader._load;
loader._load = function (request, parent, isMain) {
  if (parent && /(serializeClosure|codePaths)$/.test(request)) {
    const standIn = standIns.get(require.resolve(request, { paths: [path.dirname(parent.filename)] }));
    if (standIn) return standIn;
  }
  return load.call(this, request, parent, isMain);
};
