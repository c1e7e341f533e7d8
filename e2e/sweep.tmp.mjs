import { chromium } from 'playwright-core';
const base = 'http://127.0.0.1:18081';
const code = process.argv[2];
const b = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
const patterns = [/\b[a-z]+@H\d\d[\w.]*/g, /\b(citizen|staff):[\w*]+/g, /\b[a-z]+(?:_[a-z0-9]+)+\b/g,
  /\b(sign|rate|online|counter|post|receive|assign|forward|approve|upload|warehouse|issued|connector)\b/g];
async function sweep(p, paths, who) {
  for (const path of paths) {
    const r = await p.goto(base + path);
    const text = await p.evaluate(() => document.querySelector('main')?.innerText ?? '');
    const hits = new Set();
    for (const re of patterns) for (const m of text.matchAll(re)) hits.add(m[0]);
    console.log(`${who} ${path} [${r.status()}]: ${[...hits].join(' | ')}`);
  }
}
async function staff(username) {
  const ctx = await b.newContext({ viewport: { width: 1280, height: 900 } });
  const p = await ctx.newPage();
  await p.goto(`${base}/staff`);
  await p.fill('#username', username); await p.fill('#password', 'demo');
  await p.click('form[action="/staff/login"] button'); await p.waitForURL(`${base}/staff`);
  return p;
}
for (const u of ['officer@H31.11341', 'specialist@H31.11341', 'leader@H31.11341', 'clerk@H31.11341']) {
  const p = await staff(u);
  await sweep(p, ['/staff', `/staff/dossiers/${code}`, `/staff/dossiers/${code}/file`], u);
}
const admin = await staff('admin@H31');
await sweep(admin, ['/staff/admin', '/staff/outbox', '/staff/connectors', '/staff/audit', '/staff/payments', '/staff/feedback', '/staff/quality', '/staff/security', '/staff/indicators?agency=H31'], 'admin');
const ctx = await b.newContext();
const p = await ctx.newPage();
await p.goto(`${base}/my`);
await p.click('button[name=pick][value="031085012345"]');
await p.waitForURL(/\/my/);
await sweep(p, ['/my', `/my/${code}`, '/my/documents', '/my/access-log', '/my/settings', `/track?code=${code}`], 'citizen');
await b.close();
