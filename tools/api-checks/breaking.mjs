// Breaking changes are deliberate (issue 20): GraphQL Inspector's diff of the last release's
// schema (docs/api/schema-release.graphql) against schema.graphql; every breaking change must be
// listed, word for word, in docs/api/breaking-changes.md ("- " + Inspector's message).
//
//   node breaking.mjs            (from tools/api-checks)
import { diff, CriticalityLevel } from "@graphql-inspector/core";
import { buildSchema } from "graphql";
import { readFileSync } from "node:fs";

const root = new URL("../../", import.meta.url);
const read = (p) => readFileSync(new URL(p, root), "utf8");
const before = buildSchema(read("docs/api/schema-release.graphql"));
const after = buildSchema(read("schema.graphql"));
const listed = new Set(
  read("docs/api/breaking-changes.md").split("\n").filter((l) => l.startsWith("- ")).map((l) => l.slice(2).trim()),
);
const changes = await diff(before, after);
const breaking = changes.filter((c) => c.criticality.level === CriticalityLevel.Breaking);
const dangerous = changes.filter((c) => c.criticality.level === CriticalityLevel.Dangerous);
console.log(`breaking: ${changes.length} changes since the last release: ${breaking.length} breaking, ${dangerous.length} dangerous`);
let unlisted = 0;
for (const c of breaking) {
  const ok = listed.has(c.message);
  if (!ok) unlisted++;
  console.log(`breaking: ${ok ? "listed  " : "UNLISTED"} ${c.message}`);
}
if (unlisted) {
  console.log(`breaking: ${unlisted} breaking change(s) not in docs/api/breaking-changes.md: list them (a deliberate act) or undo them`);
  process.exit(1);
}
