// Browser test of the oversight export (docs/oversight.md): makes the demo
// ledger, exports it with `lumbung export oversight`, opens the page from
// file:// in Debian's Chromium (through playwright-core, no browser
// download) with the network off, and checks what a citizen would see
// against what the CLI says: every programme's totals, a real receipt
// verified in under 2 s, an unknown code not found, a mistyped code
// invalid, and copies of the export with an altered entry, an altered code
// list and forged checkpoints all reported as altered.
//
//   node tests/browser/oversight.test.mjs LUMBUNG_BINARY WORK_DIR
//
// WORK_DIR is emptied first; it keeps the ledger, the exports, the
// screenshots (verified-receipt.png, phone.png) and the browser profile.
// LUMBUNG_CHROMIUM overrides the browser (default /usr/bin/chromium).

import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const VERDICT_BUDGET_MS = 2000;
const CHROMIUM = process.env.LUMBUNG_CHROMIUM || '/usr/bin/chromium';

function die(message) {
  console.error('browser_oversight: ' + message);
  console.log('0 passed, 1 failed');
  process.exit(1);
}

const [lumbung, workArg] = process.argv.slice(2);
if (!lumbung || !workArg) die('usage: node oversight.test.mjs LUMBUNG_BINARY WORK_DIR');
if (!fs.existsSync(path.join(HERE, 'node_modules', 'playwright-core', 'package.json'))) {
  die('tests/browser/node_modules is missing: run scripts/setup ' +
      '(or `npm ci --prefix tests/browser --no-audit --no-fund`) to install playwright-core');
}
if (!fs.existsSync(CHROMIUM)) die(CHROMIUM + ' is missing: run scripts/setup (Debian package chromium)');
const { chromium } = await import('playwright-core');

// --- results ---

let passed = 0;
let failed = 0;
function check(ok, what, detail) {
  if (ok) {
    passed += 1;
  } else {
    failed += 1;
    console.error('FAIL: ' + what + (detail !== undefined ? ' — ' + detail : ''));
  }
  return ok;
}
function checkEqual(got, want, what) {
  return check(got === want, what, `got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
}

// --- the CLI ---

const work = path.resolve(workArg);
fs.rmSync(work, { recursive: true, force: true });
fs.mkdirSync(work, { recursive: true });
const data = path.join(work, 'ledger');
const exportDir = path.join(work, 'export');

function cli(...args) {
  return execFileSync(lumbung, [...args, '--data', data], {
    encoding: 'utf8', maxBuffer: 1 << 30, stdio: ['ignore', 'pipe', 'pipe'],
  });
}
function cliJson(...args) { return JSON.parse(cli(...args)); }

console.log('making the demo ledger');
cli('demo');
console.log('exporting it');
let t = Date.now();
cli('export', 'oversight', '--out', exportDir);
const exportSeconds = (Date.now() - t) / 1000;

// The checkpoint the export must be taken at: the newest signed one.
const note = cli('checkpoint');
const [origin, sizeLine, rootB64] = note.split('\n');
const treeSize = Number(sizeLine);
const signer = /^\u2014 (\S+) /m.exec(note)[1];

// Every entry up to the checkpoint, in pages.
const log = [];
for (let from = 0; from < treeSize;) {
  const limit = Math.min(100000, treeSize - from);
  const page = cli('log', '--from', String(from), '--limit', String(limit)).trim().split('\n').map((l) => JSON.parse(l));
  if (page.length === 0) break;
  log.push(...page);
  from += page.length;
}
checkEqual(log.length, treeSize, 'the log holds the checkpoint\'s entries');

const programIds = log.filter((e) => e.event.type === 'ProgramOpened').map((e) => e.event.program_id);
check(programIds.length > 0, 'the demo has programmes');

// Receipt codes (ledger/include/lumbung/ledger/receipt.h), to find a code
// that is in no entry; checked below against the CLI's own codes.
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
function luhn32(digits) {
  let factor = 2;
  let sum = 0;
  for (let i = digits.length - 1; i >= 0; --i) {
    let addend = factor * digits[i];
    factor = factor === 2 ? 1 : 2;
    sum += Math.floor(addend / 32) + (addend % 32);
  }
  return (32 - (sum % 32)) % 32;
}
function codeOfDigits(d) {
  const s = d.map((x) => ALPHABET[x]).join('') + ALPHABET[luhn32(d)];
  return s.slice(0, 5) + '-' + s.slice(5, 10) + '-' + s.slice(10);
}
function codeOfLeaf(hex) {
  const bits = BigInt('0x' + hex.slice(0, 16));
  const d = [];
  for (let i = 0; i < 10; ++i) d.push(Number((bits >> BigInt(64 - 5 * (i + 1))) & 31n));
  return codeOfDigits(d);
}
const allCodes = new Set(log.map((e) => codeOfLeaf(e.leaf_hash)));

// A plain disbursement and a correction whose replacement is one, with
// what the beneficiary's statement (CLI) says about them.
function statementEntry(programId, beneficiaryId, seq) {
  const st = cliJson('beneficiary', programId, beneficiaryId);
  const entry = st.entries.find((e) => e.seq === seq);
  if (!entry) die(`the CLI statement of ${programId}/${beneficiaryId} has no seq ${seq}`);
  return { ...entry, active: st.active_payments.some((p) => p.seq === seq) };
}
const paid = log.find((e) => e.event.type === 'AidDisbursed' &&
  statementEntry(e.event.program_id, e.event.beneficiary_id, e.seq).active);
const corrected = log.find((e) => e.event.type === 'EventCorrected' && e.event.replacement &&
  e.event.replacement.type === 'AidDisbursed');
if (!paid || !corrected) die('the demo ledger has no paid disbursement or no corrected one');
const paidSt = statementEntry(paid.event.program_id, paid.event.beneficiary_id, paid.seq);
const corrSt = statementEntry(corrected.event.replacement.program_id, corrected.event.replacement.beneficiary_id,
  corrected.seq);
checkEqual(codeOfLeaf(paid.leaf_hash), paidSt.receipt, 'the receipt code of the leaf hash is the CLI\'s');
checkEqual(codeOfLeaf(corrected.leaf_hash), corrSt.receipt, 'the receipt code of a correction is the CLI\'s');

// A well-formed code of no entry, and the paid code with one character
// changed (the check digit catches every single substitution).
let unknownCode;
for (let seed = 1; !unknownCode || allCodes.has(unknownCode); ++seed) {
  const h = crypto.createHash('sha256').update('unknown ' + seed).digest();
  unknownCode = codeOfDigits(Array.from(h.subarray(0, 10), (b) => b % 32));
}
const mistyped = (() => {
  const c = paidSt.receipt;
  const i = 1;
  const other = ALPHABET[(ALPHABET.indexOf(c[i]) + 7) % 32];
  return c.slice(0, i) + other + c.slice(i + 1);
})();

// --- the export on disk ---

function walk(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const p = path.join(dir, d.name);
    return d.isDirectory() ? walk(p) : [p];
  });
}
const files = walk(exportDir);
const exportBytes = files.reduce((n, f) => n + fs.statSync(f).size, 0);
for (const f of ['index.html', 'app.js', 'style.css', 'checkpoint.txt', 'verifier.key', 'data/summary.js']) {
  check(fs.existsSync(path.join(exportDir, f)), 'the export has ' + f);
}
const webDir = path.join(HERE, '..', '..', 'export', 'web');
for (const f of fs.readdirSync(webDir)) {
  check(fs.readFileSync(path.join(webDir, f)).equals(fs.readFileSync(path.join(exportDir, f))),
    `the export's ${f} is export/web/${f} verbatim`);
}
// The page may load nothing from elsewhere: no URL with a scheme or //host.
for (const f of ['index.html', 'app.js', 'style.css']) {
  const text = fs.readFileSync(path.join(exportDir, f), 'utf8');
  const external = text.match(/(?:src|href)\s*=\s*["'](?:[a-z]+:)?\/\/[^"']*|url\(\s*["']?(?:[a-z]+:)?\/\/[^)]*|@import/gi);
  check(!external, f + ' loads no external asset', external && external.join(', '));
}

function readSummary(dir) {
  const text = fs.readFileSync(path.join(dir, 'data', 'summary.js'), 'utf8');
  const m = /^\s*window\.LUMBUNG_SUMMARY\s*=\s*([\s\S]*?);?\s*$/.exec(text);
  if (!m) die('data/summary.js is not "window.LUMBUNG_SUMMARY = {…};"');
  return JSON.parse(m[1]);
}
function writeSummary(dir, summary) {
  fs.writeFileSync(path.join(dir, 'data', 'summary.js'), 'window.LUMBUNG_SUMMARY = ' + JSON.stringify(summary) + ';\n');
  fs.writeFileSync(path.join(dir, 'data', 'summary.json'), JSON.stringify(summary));
}
const summary = readSummary(exportDir);
checkEqual(summary.tree_size, treeSize, 'the export is taken at the CLI\'s checkpoint size');
checkEqual(summary.origin, origin, 'the export\'s origin is the checkpoint\'s');
checkEqual(summary.checkpoint, note, 'the export ships the CLI\'s signed checkpoint');
checkEqual(Buffer.from(summary.root, 'hex').toString('base64'), rootB64, 'the export\'s root is the checkpoint\'s');

function copyExport(name) {
  const dir = path.join(work, name);
  fs.cpSync(exportDir, dir, { recursive: true });
  return dir;
}

// --- the browser ---

const profile = path.join(work, 'profile');
const context = await chromium.launchPersistentContext(profile, {
  executablePath: CHROMIUM,
  headless: true,
  offline: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
    '--disable-extensions', '--disable-default-apps'],
  viewport: { width: 1280, height: 900 },
});
const netRequests = [];
await context.setOffline(true);
await context.route((url) => url.protocol !== 'file:', (route) => {
  netRequests.push(route.request().url());
  return route.abort();
});

const pageErrors = [];
const page = context.pages()[0] || await context.newPage();
page.on('pageerror', (e) => pageErrors.push(e.message));
page.on('request', (r) => { if (!r.url().startsWith('file:') && !r.url().startsWith('data:')) netRequests.push(r.url()); });

function pageUrl(dir, hash) {
  return pathToFileURL(path.join(dir, 'index.html')).href + (hash ? '#' + hash : '');
}

async function waitVerdict() {
  await page.waitForFunction(() => {
    const v = document.getElementById('receipt-verdict');
    const s = v && v.getAttribute('data-status');
    return s && s !== 'checking';
  }, null, { timeout: 20000 });
  return page.evaluate(() => {
    const v = document.getElementById('receipt-verdict');
    const fields = {};
    for (const dd of v.querySelectorAll('[data-field]')) fields[dd.getAttribute('data-field')] = dd.getAttribute('data-value');
    return {
      status: v.getAttribute('data-status'),
      check: v.getAttribute('data-check'),
      code: v.getAttribute('data-code'),
      size: v.getAttribute('data-size'),
      signer: v.getAttribute('data-signer'),
      elapsed: Number(v.getAttribute('data-elapsed-ms')),
      text: v.innerText,
      fields,
    };
  });
}

async function typeCode(text) {
  await page.fill('#receipt-input', '');
  await page.type('#receipt-input', text);
  await page.click('#receipt-check');
  return waitVerdict();
}

try {
  // Warm the browser (a citizen's browser is already running), then time
  // opening the page with the code in its address to the verdict.
  await page.goto('about:blank');
  t = Date.now();
  await page.goto(pageUrl(exportDir, 'r=' + paidSt.receipt));
  let v = await waitVerdict();
  const verdictMs = Date.now() - t;
  checkEqual(v.status, 'verified', 'a real receipt code is verified');
  check(verdictMs <= VERDICT_BUDGET_MS, `verdict within ${VERDICT_BUDGET_MS} ms of opening the page`, verdictMs + ' ms');
  console.log(`time from opening the page to the verdict: ${verdictMs} ms (page's own clock: ${v.elapsed} ms)`);

  // Totals of every programme against `lumbung program` (the programmes
  // are drawn once the checks started at load are done).
  await page.waitForSelector('#content[data-ready]', { state: 'attached', timeout: 20000 });
  const shown = await page.evaluate(() => Array.from(document.querySelectorAll('[data-program][data-field]'),
    (n) => ({ program: n.getAttribute('data-program'), field: n.getAttribute('data-field'), value: n.getAttribute('data-value'), text: n.textContent })));
  const shownPrograms = new Set(shown.map((s) => s.program));
  checkEqual([...shownPrograms].sort().join(','), [...programIds].sort().join(','), 'the page shows every programme');
  const required = ['allocated', 'disbursed', 'funds_returned', 'disbursements_returned', 'remaining', 'recipients', 'enrolled'];
  const perUnit = new Map();
  for (const id of programIds) {
    const totals = cliJson('program', id).totals;
    const unit = totals.disbursed.unit;
    const u = perUnit.get(unit) || { disbursed: 0, recipients: 0 };
    u.disbursed += totals.disbursed.value;
    u.recipients += totals.recipients.value;
    perUnit.set(unit, u);
    for (const field of required) {
      check(shown.some((s) => s.program === id && s.field === field), `${id}: the page shows ${field}`);
    }
    for (const s of shown.filter((x) => x.program === id)) {
      const want = totals[s.field];
      if (!check(want !== undefined, `${id}.${s.field} is a total of the CLI`)) continue;
      checkEqual(s.value, String(want.value), `${id}.${s.field} on the page equals the CLI's`);
      checkEqual(s.text.replace(/[^0-9]/g, '').replace(/^0+(?=\d)/, ''), String(Math.abs(want.value)),
        `${id}.${s.field}: the shown number is the value`);
    }
  }

  // The overview: per unit, the sums of the programmes' totals.
  const overview = await page.evaluate(() => Array.from(document.querySelectorAll('#overview [data-unit]'),
    (n) => ({ unit: n.getAttribute('data-unit'), disbursed: Number(n.getAttribute('data-value')),
      recipients: Number(n.getAttribute('data-recipients')) })));
  checkEqual(overview.map((o) => o.unit).sort().join(','), [...perUnit.keys()].sort().join(','),
    'the overview has one line per unit');
  for (const o of overview) {
    const want = perUnit.get(o.unit) || {};
    checkEqual(o.disbursed, want.disbursed, `overview: disbursed in ${o.unit} is the programmes' sum`);
    checkEqual(o.recipients, want.recipients, `overview: recipients in ${o.unit} are the programmes' sum`);
  }

  // Areas as the page lists them (kelurahan, RW, RT and the hidden
  // aggregates) against the CLI's unsuppressed region totals: every listed
  // area has at least k recipients and the CLI's figures, and every hidden
  // aggregate is its parent less its listed children.
  for (const id of programIds) {
    const regions = cliJson('program', id).regions;
    const cliArea = new Map();
    for (const level of ['kelurahan', 'rw', 'rt']) for (const a of regions[level] || []) cliArea.set(a.code, a);
    cliArea.set('', regions.total);
    const details = page.locator(`details.areas[data-program="${id}"]`);
    if (await details.count() === 0) {
      // Only a programme that paid no one (capital to groups) has none.
      check(regions.total.recipients === 0, `${id}: the page has an area table`);
      continue;
    }
    await details.locator('summary').click();
    const rows = await details.evaluate((d) => Array.from(d.querySelectorAll('tr[data-parent]'), (r) => ({
      area: r.getAttribute('data-area'), hidden: r.hasAttribute('data-hidden'), parent: r.getAttribute('data-parent'),
      recipients: Number(r.getAttribute('data-recipients')), paid_count: Number(r.getAttribute('data-paid-count')),
      paid_amount: Number(r.getAttribute('data-paid-amount')), text: r.textContent })));
    const listed = rows.filter((r) => !r.hidden);
    let bad = 0;
    for (const r of listed) {
      const want = cliArea.get(r.area);
      if (!want || r.recipients < summary.k || want.recipients !== r.recipients || want.paid_count !== r.paid_count ||
          want.paid_amount !== r.paid_amount) {
        if (bad++ < 5) check(false, `${id}: area ${r.area} as listed`, JSON.stringify({ page: r, cli: want }));
      }
    }
    check(bad === 0, `${id}: ${listed.length} listed areas have k or more recipients and the CLI's figures`);
    bad = 0;
    for (const h of rows.filter((r) => r.hidden)) {
      const parent = cliArea.get(h.parent);
      const kids = listed.filter((r) => r.parent === h.parent);
      const sum = (f) => parent[f] - kids.reduce((n, r) => n + r[f], 0);
      const ok = parent && sum('recipients') === h.recipients && sum('paid_count') === h.paid_count &&
        sum('paid_amount') === h.paid_amount && (h.parent === '' || h.recipients >= summary.k) &&
        h.text.includes("wilayah lain (disembunyikan)");
      if (!ok && bad++ < 5) check(false, `${id}: hidden areas under "${h.parent}"`, JSON.stringify({ page: h, cli: parent }));
    }
    check(bad === 0, `${id}: every hidden aggregate is its parent less its listed areas`);
  }

  // The checkpoint section and the small-cell rule.
  const cp = await page.evaluate(() => ({
    status: document.getElementById('checkpoint-status').getAttribute('data-status'),
    signer: document.getElementById('checkpoint-signer').textContent,
    root: document.getElementById('checkpoint-root').textContent,
    key: document.getElementById('verifier-key').textContent,
    k: document.getElementById('k-value').getAttribute('data-value'),
    rule: document.getElementById('small-cell-rule').textContent,
  }));
  checkEqual(cp.status, 'verified', 'the page verifies the checkpoint on load');
  checkEqual(cp.signer, signer, 'the page names the checkpoint\'s signer');
  checkEqual(Buffer.from(cp.root, 'hex').toString('base64'), rootB64, 'the page shows the checkpoint\'s root');
  checkEqual(cp.key, log[0].event.verifier_key, 'the page shows the verifier key of entry 0');
  checkEqual(cp.k, String(summary.k), 'the page states k');
  check(cp.rule.includes(String(summary.k)), 'the small-cell rule names k');

  // The receipt as typed by a person: lower case, spaces, no hyphens; what
  // it says against the CLI's statement.
  await page.goto(pageUrl(exportDir));
  const typed = paidSt.receipt.replace(/-/g, '').toLowerCase().replace(/^(.{5})/, '$1 ');
  v = await typeCode(typed);
  checkEqual(v.status, 'verified', 'a typed receipt (lower case, no hyphens) is verified');
  checkEqual(v.code, paidSt.receipt, 'the page reads the typed code as the CLI\'s code');
  checkEqual(v.size, String(treeSize), 'verified against the checkpoint\'s size');
  checkEqual(v.signer, signer, 'verified against the checkpoint\'s signer');
  check(v.text.includes(signer), 'the verdict names the signer');
  checkEqual(v.fields.seq, String(paid.seq), 'the verdict\'s entry');
  checkEqual(v.fields.program_id, paid.event.program_id, 'the verdict\'s programme');
  checkEqual(v.fields.cycle, paidSt.details.cycle, 'the verdict\'s cycle');
  checkEqual(v.fields.effective_date, paidSt.date, 'the verdict\'s date');
  checkEqual(v.fields.amount, String(paidSt.details.amount), 'the verdict\'s amount');
  checkEqual(v.fields.channel, paidSt.details.channel, 'the verdict\'s channel');
  checkEqual(v.fields.status, 'paid', 'an active payment is shown as paid');
  await page.screenshot({ path: path.join(work, 'verified-receipt.png'), fullPage: false });

  // English, and back.
  await page.click('#lang-switch');
  const en = await page.evaluate(() => [document.documentElement.lang, document.getElementById('receipt-verdict').innerText]);
  checkEqual(en[0], 'en', 'the switch turns the page to English');
  check(en[1] !== v.text && en[1].includes(signer), 'the verdict is rewritten in English');
  await page.click('#lang-switch');
  checkEqual(await page.evaluate(() => document.documentElement.lang), 'id', 'and back to Indonesian');

  // A correction whose replacement is a disbursement.
  v = await typeCode(corrSt.receipt);
  checkEqual(v.status, 'verified', 'a correction\'s receipt is verified');
  checkEqual(v.fields.amount, String(corrected.event.replacement.amount), 'it says the replacement\'s amount');
  checkEqual(v.fields.effective_date, corrSt.date, 'it says the correction\'s date');

  v = await typeCode(unknownCode);
  checkEqual(v.status, 'not-found', 'a well-formed code of no entry is not found');
  v = await typeCode(mistyped);
  checkEqual(v.status, 'invalid', 'a mistyped code is invalid');

  // A phone: nothing wider than the screen.
  await page.setViewportSize({ width: 390, height: 844 });
  v = await typeCode(paidSt.receipt);
  checkEqual(v.status, 'verified', 'verified on a phone-sized screen');
  const widths = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
  check(widths[0] <= widths[1], 'no sideways scrolling on a phone', `${widths[0]} > ${widths[1]}`);
  await page.screenshot({ path: path.join(work, 'phone.png'), fullPage: true });
  await page.setViewportSize({ width: 1280, height: 900 });

  // --- altered copies ---
  const blockOf = (seq) => Math.floor(seq / summary.block_size);
  function editBlock(dir, seq, edit) {
    const file = path.join(dir, 'data', 'blocks', blockOf(seq) + '.js');
    const text = fs.readFileSync(file, 'utf8');
    const m = /^\s*lumbungBlock\(\s*(\d+)\s*,\s*([\s\S]*)\)\s*;?\s*$/.exec(text);
    if (!m) die(file + ' is not "lumbungBlock(B, {…});"');
    const block = JSON.parse(m[2]);
    edit(block);
    fs.writeFileSync(file, `lumbungBlock(${m[1]}, ${JSON.stringify(block)});\n`);
  }
  async function expectAltered(dir, code, wantCheck, what) {
    await page.goto(pageUrl(dir, 'r=' + code));
    const got = await waitVerdict();
    checkEqual(got.status, 'altered', what + ': the page says the export was altered');
    checkEqual(got.check, wantCheck, what + ': the failed check is named');
    return got;
  }

  // One byte of a shipped entry.
  let dir = copyExport('altered-entry');
  editBlock(dir, paid.seq, (block) => {
    const bytes = Buffer.from(block.entries[String(paid.seq)], 'base64');
    bytes[bytes.length >> 1] ^= 0x01;
    block.entries[String(paid.seq)] = bytes.toString('base64');
  });
  await expectAltered(dir, paidSt.receipt, 'leaf_hash', 'one flipped byte of an entry');

  // Another leaf hash in the entry's block.
  dir = copyExport('altered-leaves');
  editBlock(dir, paid.seq, (block) => {
    const leaves = Buffer.from(block.leaves, 'base64');
    const i = ((paid.seq + 1) % summary.block_size) * 32;  // a neighbour's leaf
    leaves[i] ^= 0x80;
    block.leaves = leaves.toString('base64');
  });
  await expectAltered(dir, paidSt.receipt, 'block_proof', 'a changed leaf in the block');

  // What the code list says (the amount), not the entry.
  dir = copyExport('altered-codes');
  {
    const prefix = paidSt.receipt.slice(0, 2);
    const file = path.join(dir, 'data', 'codes', prefix + '.js');
    const text = fs.readFileSync(file, 'utf8');
    const m = /^\s*lumbungCodes\(\s*("[^"]*")\s*,\s*([\s\S]*)\)\s*;?\s*$/.exec(text);
    if (!m) die(file + ' is not "lumbungCodes(XY, {…});"');
    const codes = JSON.parse(m[2]);
    codes[paidSt.receipt].amount *= 10;
    fs.writeFileSync(file, `lumbungCodes(${m[1]}, ${JSON.stringify(codes)});\n`);
  }
  await expectAltered(dir, paidSt.receipt, 'entry_content', 'an amount changed in the code list');

  // A checkpoint whose root was changed (its signature no longer holds).
  const forgedRoot = crypto.createHash('sha256').update('forged').digest();
  const forgedBody = `${origin}\n${treeSize}\n${forgedRoot.toString('base64')}\n`;
  dir = copyExport('forged-root');
  {
    const s = readSummary(dir);
    s.checkpoint = forgedBody + note.slice(note.indexOf('\n\n') + 1);
    s.root = forgedRoot.toString('hex');
    writeSummary(dir, s);
    fs.writeFileSync(path.join(dir, 'checkpoint.txt'), s.checkpoint);
  }
  await expectAltered(dir, paidSt.receipt, 'checkpoint_signature', 'a checkpoint with another root');

  // Checkpoints signed by another Ed25519 key under the same name: first
  // with the ledger's verifier key left in place, then with it replaced.
  const { publicKey, privateKey } = crypto.generateKeyPairSync('ed25519');
  const rawPub = publicKey.export({ format: 'jwk' }).x;
  const material = Buffer.concat([Buffer.from([1]), Buffer.from(rawPub, 'base64url')]);
  const keyId = crypto.createHash('sha256').update(Buffer.concat([Buffer.from(signer + '\n'), material])).digest().subarray(0, 4);
  const forgedKey = `${signer}+${keyId.toString('hex')}+${material.toString('base64')}`;
  const realBody = note.slice(0, note.indexOf('\n\n') + 1);
  const forgedNote = (body) => {
    const sig = crypto.sign(null, Buffer.from(body), privateKey);
    return `${body}\n\u2014 ${signer} ${Buffer.concat([keyId, sig]).toString('base64')}\n`;
  };
  dir = copyExport('forged-signer');
  {
    const s = readSummary(dir);
    s.checkpoint = forgedNote(realBody);
    writeSummary(dir, s);
    fs.writeFileSync(path.join(dir, 'checkpoint.txt'), s.checkpoint);
  }
  await expectAltered(dir, paidSt.receipt, 'checkpoint_signature', 'a checkpoint signed by another key');
  dir = copyExport('forged-key');
  {
    const s = readSummary(dir);
    s.checkpoint = forgedNote(realBody);
    s.verifier_key = forgedKey;
    writeSummary(dir, s);
    fs.writeFileSync(path.join(dir, 'checkpoint.txt'), s.checkpoint);
    fs.writeFileSync(path.join(dir, 'verifier.key'), forgedKey + '\n');
  }
  const forged = await expectAltered(dir, paidSt.receipt, 'verifier_key', 'another key and a checkpoint it signed');
  check(forged.text.length > 0, 'the altered verdict explains itself');
  checkEqual(await page.evaluate(() => document.getElementById('checkpoint-status').getAttribute('data-status')),
    'altered', 'the checkpoint section says it is not valid');
} finally {
  await context.close();
}

check(pageErrors.length === 0, 'no script error on the page', pageErrors.join('; '));
check(netRequests.length === 0, 'the page asked for nothing over the network', netRequests.join(', '));

const perReceipt = ['index.html', 'app.js', 'style.css', 'data/summary.js'].reduce(
  (n, f) => n + fs.statSync(path.join(exportDir, f)).size, 0);
console.log(`export: ${(exportBytes / 1e6).toFixed(1)} MB in ${files.length} files, written in ${exportSeconds.toFixed(1)} s; ` +
  `the page and summary: ${(perReceipt / 1e3).toFixed(0)} kB`);
console.log('screenshots: ' + path.join(work, 'verified-receipt.png') + ', ' + path.join(work, 'phone.png'));
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
