// graphql-http's server audits against a running casegraph (docs/security.md §4.1).
// node audit.mjs http://127.0.0.1:PORT/graphql [--json] [--strict]
// Exit 1 if any MUST fails (--strict: also on SHOULD). AUDIT_AUTH="Bearer ..." adds a header.
import { serverAudits } from 'graphql-http';
const url = process.argv[2];
if (!url || !/^http:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?\//.test(url)) {
  console.error('usage: node audit.mjs http://127.0.0.1:PORT/graphql  (loopback only)'); process.exit(2); }
const json = process.argv.includes('--json'), strict = process.argv.includes('--strict');
const extra = process.env.AUDIT_AUTH ? { authorization: process.env.AUDIT_AUTH } : null;
const fetchFn = extra ? (u, init = {}) => fetch(u, { ...init, headers: { ...(init.headers || {}), ...extra } }) : undefined;
const results = [];
for (const a of serverAudits({ url, fetchFn })) {
  const r = await a.fn();
  const row = { id: r.id, status: r.status, name: r.name };
  if (r.status !== 'ok') { row.reason = r.reason;
    try { row.httpStatus = r.response.status; row.contentType = r.response.headers.get('content-type');
          row.body = (await r.response.text()).slice(0, 200); } catch {} }
  results.push(row);
}
const n = s => results.filter(r => r.status === s).length;
if (json) console.log(JSON.stringify(results, null, 2));
else for (const r of results) console.log(`${r.status.padEnd(6)} ${r.id} ${r.name}${r.reason ? `\n         -> ${r.reason}` : ''}`);
(json ? console.error : console.log)(`\nsummary: ${n('ok')} ok, ${n('error')} error (MUST), ${n('warn')} warn (SHOULD), ${n('notice')} notice (MAY) of ${results.length}`);
process.exit(n('error') || (strict && n('warn')) ? 1 : 0);
