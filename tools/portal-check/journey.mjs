// The partner portal's journey in a real browser (Debian's chromium, driven by playwright-core;
// nothing downloads a browser): sign in as the demo school practitioner, make a request for
// support through every page, see the reference; the hub decides it through the API; back in the
// portal see the outcome and the notification; share an update. axe-core runs on every page
// visited (no serious or critical violation allowed), and each page is saved as a screenshot.
//
//   node journey.mjs http://127.0.0.1:8080 SCREENSHOT_DIR
import { chromium } from 'playwright-core'
import { createRequire } from 'node:module'
import fs from 'node:fs'
import path from 'node:path'

const require = createRequire(import.meta.url)
const AXE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8')
const base = process.argv[2] ?? 'http://127.0.0.1:8080'
const shots = process.argv[3] ?? 'portal-screenshots'
fs.mkdirSync(shots, { recursive: true })

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
})
// The pages run under their own Content-Security-Policy (axe goes in through the DevTools
// protocol, which it does not govern); any CSP error the console reports fails the journey.
const context = await browser.newContext({ viewport: { width: 1100, height: 900 } })
const page = await context.newPage()
const violations = []
const cspErrors = []
page.on('console', (m) => { if (m.type() === 'error' && /Content Security Policy/.test(m.text())) cspErrors.push(m.text()) })
let n = 0
const visited = []

async function check(name) {
  n += 1
  const file = `${String(n).padStart(2, '0')}-${name}.png`
  await page.screenshot({ path: path.join(shots, file), fullPage: true })
  await page.evaluate(AXE)
  const result = await page.evaluate(async () => await window.axe.run(document, { runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] }))
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
  for (const v of bad) violations.push(`${name}: ${v.id} (${v.impact}) ${v.nodes.map((x) => x.target.join(' ')).join(', ')}`)
  const minor = result.violations.length - bad.length
  visited.push(`${file}  ${await page.title()}  axe: ${bad.length} serious/critical, ${minor} minor`)
}

async function expectText(text) {
  const body = await page.textContent('body')
  if (!body.includes(text)) {
    await page.screenshot({ path: path.join(shots, 'failure.png'), fullPage: true })
    throw new Error(`expected "${text}" on ${page.url()} (see failure.png)`)
  }
}

const cont = () => page.click('button:has-text("Continue")')

// Sign in
await page.goto(`${base}/portal/`)
await expectText('Sign in as a demo person')
await check('sign-in')
await page.check('label:has-text("Teacher Example")')
await page.click('button:has-text("Sign in")')
await expectText('Request support for a child, or share an update')
await expectText('01253 477299')
await check('start')

await page.click('a:has-text("Levels of need: which one fits the child")')
await expectText('Levels of need')
await check('levels-of-need')

// The request, one question per page
await page.goto(`${base}/portal/request/risk`)
await check('request-risk')
await cont()
await expectText('There is a problem')
await check('request-risk-error')
await page.check('#immediate_risk-2') // No
await cont()

await expectText('About the child')
await check('request-child')
await page.fill('#child_given', 'Sam')
await page.fill('#child_family', 'Journeyexample')
await page.fill('#child_dob-day', '12')
await page.fill('#child_dob-month', '3')
await page.fill('#child_dob-year', '2018')
await page.check('#child_sex-2') // Male
await page.fill('#child_school', 'Example Primary School')
await cont()

await expectText('Children you are asking about')
await check('request-children')
await page.check('#another_child-2') // No
await cont()

await expectText("The child's parent or carer")
await page.fill('#carer_given', 'Alex')
await page.fill('#carer_family', 'Journeyexample')
await page.check('label:has-text("Mother")')
await page.check('#carer_pr')
await page.check('#carer_lives')
await check('request-household')
await cont()

await page.fill('#concerns', 'Sam has come to school hungry most days this term and is often tired.\nHe says there is not much food at home.')
await check('request-concerns')
await cont()
await page.check('label:has-text("Emotional abuse")')
await page.check('label:has-text("Mental health parent")')
await check('request-categories')
await cont()
await page.fill('#child_views', 'Sam says he likes school and wants his mum to be happier.')
await check('request-views')
await cont()
await page.fill('#support_in_place', 'Breakfast club every day since September.')
await check('request-support')
await cont()
await page.check('label:has-text("Yes, consent was given")')
await check('request-consent')
await cont()
await page.check('label:has-text("A parent or carer")')
const today = new Date()
await page.fill('#consent_date-day', String(today.getDate()))
await page.fill('#consent_date-month', String(today.getMonth() + 1))
await page.fill('#consent_date-year', String(today.getFullYear()))
await check('request-consent-given')
await cont()
await page.check('#parents_aware')
await check('request-parents')
await cont()
await page.check('#lead_discussed')
await check('request-lead')
await cont()
await page.fill('#lead_name', 'Safeguarding Lead Example School')
await page.fill('#lead_date-day', String(today.getDate()))
await page.fill('#lead_date-month', String(today.getMonth() + 1))
await page.fill('#lead_date-year', String(today.getFullYear()))
await check('request-lead-details')
await cont()
await expectText('Which level of need do you see?')
await page.check('label:has-text("Level 2")')
await check('request-level')
await cont()

await expectText('Check your answers before sending')
await expectText('Sam Journeyexample')
await check('request-check')
await page.click('button:has-text("Send")')
await expectText('Request for support sent')
const reference = (await page.textContent('.govuk-panel__body strong')).trim()
if (!/^RFS-\d{4}-\d{6}$/.test(reference)) throw new Error(`no reference in the panel: ${reference}`)
await check('request-sent')
console.log(`request sent: ${reference}`)

// The hub decides it, through the API
const hub = await (await fetch(`${base}/dev/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ handle: 'hub.worker' }) })).json()
async function gql(query, variables) {
  const r = await fetch(`${base}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${hub.token}` }, body: JSON.stringify({ query, variables }) })
  const j = await r.json()
  if (j.errors) throw new Error(JSON.stringify(j.errors))
  return j.data
}
let mine, after = null
do { // the hub's queue, a page at a time
  const q = await gql('query($after: String) { requestsForSupport(first: 100, after: $after, filter: { status: RECEIVED }) { nodes { id reference version } pageInfo { hasNextPage endCursor } } }', { after })
  mine = q.requestsForSupport.nodes.find((r) => r.reference === reference)
  after = q.requestsForSupport.pageInfo.hasNextPage ? q.requestsForSupport.pageInfo.endCursor : null
} while (!mine && after)
if (!mine) throw new Error(`the hub cannot see ${reference}`)
const decided = await gql(`mutation($i: RecordHubDecisionInput!) { recordHubDecision(input: $i) { userErrors { field code message } } }`,
  { i: { requestId: mine.id, outcome: 'ADVICE_INFORMATION', decidedLevel: 'UNIVERSAL_PLUS', rationale: 'Needs can be met by the school with advice.', feedback: 'Thank you. The school nurse and the breakfast club are the right support; call the advice line if things change.', expectedVersion: mine.version } })
if (decided.recordHubDecision.userErrors.length) throw new Error(JSON.stringify(decided.recordHubDecision.userErrors))
console.log(`the hub decided ${reference}`)

// Back in the portal: the notification and the outcome
await page.click('a:has-text("Notifications")')
await expectText('The hub decided your request')
await expectText(reference)
await check('notifications')
await page.click('button:has-text("Mark as read")')
await page.click('a:has-text("Your requests")')
await expectText(reference)
await expectText('Advice information')
await check('your-requests')
await page.click(`a:has-text("${reference}")`)
await expectText('Feedback from the hub')
await expectText('breakfast club are the right support')
await check('request-outcome')

// Share an update
await page.click('a:has-text("Share an update")')
await check('update-guard')
await page.check('#immediate-2')
await cont()
await page.fill('#u_given', 'Sam')
await page.fill('#u_family', 'Journeyexample')
await page.fill('#u_dob-day', '12')
await page.fill('#u_dob-month', '3')
await page.fill('#u_dob-year', '2018')
await check('update-child')
await cont()
await page.check('label:has-text("Contact with the child")')
await check('update-kind')
await cont()
await page.check('label:has-text("Face to face")')
await check('update-contact')
await cont()
await page.fill('#occurred-day', String(today.getDate()))
await page.fill('#occurred-month', String(today.getMonth() + 1))
await page.fill('#occurred-year', String(today.getFullYear()))
await page.fill('#occurred_time', '00:05')
await check('update-when')
await cont()
await page.fill('#details', 'Saw Sam at breakfast club; he ate well and was cheerful.')
await page.check('#concern-2')
await check('update-details')
await cont()
await expectText('Check your answers before sending')
await check('update-check')
await page.click('button:has-text("Send")')
await expectText('Update sent')
const updateRef = (await page.textContent('.govuk-panel__body strong')).trim()
await check('update-sent')
console.log(`update sent: ${updateRef}`)

await browser.close()
console.log(visited.join('\n'))
if (cspErrors.length) { console.log(`Content-Security-Policy errors:\n${cspErrors.join('\n')}`); process.exit(1) }
if (violations.length) { console.log(`axe-core: serious or critical violations:\n${violations.join('\n')}`); process.exit(1) }
console.log(`portal journey: ${n} pages, axe-core found no serious or critical violations`)
