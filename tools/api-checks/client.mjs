// Real clients against a started dev server (issue 20): graphql-js's standard introspection, a
// query and a mutation with graphql-request, a subscription with graphql-ws, and TypeScript types
// from GraphQL Code Generator that must compile under tsc --strict.
//
//   GRAPHQL_URL=http://127.0.0.1:8080/graphql HUB_TOKEN=... PARTNER_TOKEN=... node client.mjs
import { GraphQLClient } from "graphql-request";
import { createClient } from "graphql-ws";
import WebSocket from "ws";
import { buildClientSchema, getIntrospectionQuery, printSchema } from "graphql";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

const url = process.env.GRAPHQL_URL;
const hub = process.env.HUB_TOKEN;
const partner = process.env.PARTNER_TOKEN;
if (!url || !hub || !partner) throw new Error("set GRAPHQL_URL, HUB_TOKEN and PARTNER_TOKEN");
const say = (m) => console.log(`client: ${m}`);
let failures = 0;
const check = (ok, what) => {
  say(`${ok ? "ok  " : "FAIL"} ${what}`);
  if (!ok) failures++;
};

// 1. Standard introspection, every option on, as GraphiQL, codegen and Inspector send it.
const client = new GraphQLClient(url, { headers: { authorization: `Bearer ${hub}` } });
const query = getIntrospectionQuery({
  descriptions: true, specifiedByUrl: true, directiveIsRepeatable: true, schemaDescription: true, inputValueDeprecation: true,
});
const introspection = await client.request(query);
const schema = buildClientSchema(introspection);
const sdl = printSchema(schema);
check(schema.getType("Child") !== undefined, `introspection: ${Object.keys(schema.getTypeMap()).length} types, ${sdl.length} bytes of SDL`);

// 2. A query.
const me = await client.request("query Me { viewer { id roles } }");
check(Array.isArray(me.viewer.roles) && me.viewer.roles.includes("HUB_WORKER"), `query: viewer roles ${me.viewer.roles}`);

// 3. A subscription (the hub's alerts), then 4. a mutation that raises one: a concern about a
//    child no record matches alerts the hub's team.
const ws = createClient({
  url: url.replace(/^http/, "ws") + "/ws",
  webSocketImpl: WebSocket,
  connectionParams: { Authorization: `Bearer ${hub}` },
});
const alert = new Promise((resolve, reject) => {
  const timer = setTimeout(() => reject(new Error("no alert within 10 s")), 10000);
  ws.subscribe(
    { query: "subscription Alerts { alertRaised { id kind } }" },
    { next: (v) => { clearTimeout(timer); resolve(v); }, error: reject, complete: () => {} },
  );
});
await new Promise((r) => setTimeout(r, 500));
const partnerClient = new GraphQLClient(url, { headers: { authorization: `Bearer ${partner}` } });
const shared = await partnerClient.request(
  `mutation ShareUpdate($input: SubmitPartnerUpdateInput!) {
     submitPartnerUpdate(input: $input) { partnerUpdate { id reference } userErrors { field code message } }
   }`,
  {
    input: {
      childGivenName: "Quill", childFamilyName: "Nobodyknown", childDateOfBirth: "2016-05-04",
      kind: "UNSUCCESSFUL_CONTACT", unsuccessfulReason: "NOT_BROUGHT_TO_APPOINTMENT",
      occurredAt: new Date(Date.now() - 3600_000).toISOString(), details: "Not brought to the school nurse appointment.",
      concern: true, needsImmediateSafeguardingResponse: false,
    },
  },
);
check(shared.submitPartnerUpdate.userErrors.length === 0 && shared.submitPartnerUpdate.partnerUpdate?.reference,
  `mutation: reference ${shared.submitPartnerUpdate.partnerUpdate?.reference}`);
const got = await alert;
check(got.data?.alertRaised?.kind === "UNMATCHED_CONCERN", `subscription: ${JSON.stringify(got.data)}`);
await ws.dispose();

// 5. Types from the live schema, compiled strictly.
const env = { ...process.env, GRAPHQL_URL: url, GRAPHQL_TOKEN: hub };
execFileSync("npx", ["graphql-codegen", "--config", "client/codegen.ts"], { env, stdio: "inherit" });
const generated = readFileSync("client/generated/graphql.ts", "utf8");
check(generated.includes("export type MeQuery"), `codegen: ${generated.length} bytes of TypeScript`);
try {
  execFileSync("npx", ["tsc", "-p", "client/tsconfig.json"], { stdio: "inherit" });
  check(true, "tsc --strict: the generated types and their use compile");
} catch {
  check(false, "tsc --strict");
}

if (failures) {
  say(`${failures} check(s) failed`);
  process.exit(1);
}
say("all checks passed");
