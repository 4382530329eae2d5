// GraphQL Code Generator: types for client/operations.graphql from the running dev server's
// introspection (URL and token from the environment), checked by tsc --strict in client.mjs.
import type { CodegenConfig } from "@graphql-codegen/cli";

const config: CodegenConfig = {
  schema: [{ [process.env.GRAPHQL_URL!]: { headers: { Authorization: `Bearer ${process.env.GRAPHQL_TOKEN}` } } }],
  documents: ["client/operations.graphql"],
  generates: {
    "client/generated/graphql.ts": {
      plugins: ["typescript", "typescript-operations"],
      config: { strictScalars: true, scalars: { Date: "string", DateTime: "string", JSON: "unknown" }, enumsAsTypes: true },
    },
  },
};
export default config;
