// Usage: node e2e/oidc-provider.mjs [motcua binary, default target/debug/motcua] [screenshot dir]
//   (after `cd e2e && npm ci` and `cargo build -p motcua-server`; Chromium from /usr/bin/chromium or $CHROMIUM)
//
// Citizen login against a real, certified OpenID provider (npm oidc-provider) instead of motcua's built-in
// simulator, in Debian Chromium (playwright-core) on a 390×844 phone:
//   (a) a normal login: /my → the provider → back on /my signed in, the name read from UserInfo;
//   (b) the callback URL opened in another browser: no session, a clear HTML error page;
//   (c) a login below the required assurance level (loa1 while motcua requires loa2): refused, clearly;
//   (d) RP-initiated logout: signing out of motcua ends the provider session too, so /my asks again.
// The provider runs in this process on 127.0.0.1:<free port> and signs ID tokens with PS256; it puts the
// identity claims only in UserInfo, and its `sub` is an opaque identifier, not the citizen ID. axe-core
// checks motcua's error pages. Prints a report; exits non-zero on any failure. Both servers are stopped.
import { chromium } from 'playwright-core';
import Provider from 'oidc-provider';
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import {
  constants as cryptoConstants, createHash, createHmac, createPublicKey, generateKeyPairSync, randomBytes,
  verify as cryptoVerify,
} from 'node:crypto';
import { createWriteStream, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const bin = resolve(process.argv[2] ?? fileURLToPath(new URL('../target/debug/motcua', import.meta.url)));
const shots = process.argv[3];
if (shots) mkdirSync(shots, { recursive: true });

const CITIZEN = '031085012345';
const CITIZEN_NAME = 'Nguyễn Văn An';
const CLIENT_ID = 'motcua';
const CLIENT_SECRET = randomBytes(24).toString('base64url');
const TIMEOUT = 20_000;

// ---------------------------------------------------------------------------------------------------
// Report: every check is recorded; a journey stops at its first hard failure, the others still run.
const results = [];
function record(name, ok, detail = '') {
  results.push({ name, ok, detail });
  console.log(`${ok === null ? 'SKIP' : ok ? 'ok  ' : 'FAIL'} ${name}${detail ? ` — ${detail}` : ''}`);
}
function fail(msg) { throw new Error(msg); }
async function journey(name, fn) {
  try {
    await fn();
    record(name, true);
    return true;
  } catch (e) {
    record(name, false, e.message.split('\n')[0]);
    return false;
  }
}
/** A check that does not stop its journey. */
function soft(name, ok, detail) { record(name, !!ok, detail); }

// ---------------------------------------------------------------------------------------------------
// Free ports and processes.
function listen(server, port = 0) {
  return new Promise((res, rej) => {
    server.once('error', rej);
    server.listen(port, '127.0.0.1', () => { server.off('error', rej); res(server.address().port); });
  });
}
async function freePort() {
  const s = createServer();
  const port = await listen(s);
  await new Promise(r => s.close(r));
  return port;
}
const html = s => String(s).replace(/[&<>"']/g, c => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
function readBody(req) {
  return new Promise((res, rej) => {
    let size = 0; const chunks = [];
    req.on('data', c => { size += c.length; if (size > 65536) { rej(new Error('body too large')); req.destroy(); } else chunks.push(c); });
    req.on('end', () => res(Buffer.concat(chunks).toString('utf8')));
    req.on('error', rej);
  });
}
function decodeJwt(jwt) {
  const [h, p] = jwt.split('.');
  return { header: JSON.parse(Buffer.from(h, 'base64url')), payload: JSON.parse(Buffer.from(p, 'base64url')) };
}

// ---------------------------------------------------------------------------------------------------
// The OpenID provider.
const page = (title, body) => `<!doctype html>
<html lang="vi"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${html(title)} — Cổng định danh (thử nghiệm)</title>
<style>body{font-family:sans-serif;max-width:30rem;margin:1rem auto;padding:0 1rem;line-height:1.5}
label,legend{display:block;font-weight:bold;margin-top:1rem}input[type=text]{font-size:1.2rem;width:100%;box-sizing:border-box}
fieldset{border:0;padding:0;margin:0}fieldset label{font-weight:normal}button{font-size:1.1rem;margin-top:1rem;padding:.5rem 1rem}
.error{color:#a00}</style></head>
<body><main><h1>${html(title)}</h1>${body}</main></body></html>`;

function loginForm(uid, requestedAcr, { citizenId = '', error = '' } = {}) {
  const acr = requestedAcr === 'loa1' ? 'loa1' : 'loa2';
  return page('Đăng nhập bằng tài khoản định danh điện tử', `
${error ? `<p class="error" role="alert">${html(error)}</p>` : ''}
<form method="post" action="/interaction/${html(uid)}/login">
<label for="citizen_id">Số định danh cá nhân (12 chữ số)</label>
<input type="text" id="citizen_id" name="citizen_id" inputmode="numeric" pattern="[0-9]{12}" maxlength="12"
  autocomplete="off" required value="${html(citizenId)}">
<fieldset><legend>Mức độ định danh của lần đăng nhập này</legend>
<label><input type="radio" name="acr" value="loa1"${acr === 'loa1' ? ' checked' : ''}> Mức 1 (loa1)</label>
<label><input type="radio" name="acr" value="loa2"${acr === 'loa2' ? ' checked' : ''}> Mức 2 (loa2)</label>
</fieldset>
<button type="submit">Đăng nhập</button>
</form>`);
}

// The identity register of this test provider. `sub` is opaque (a keyed hash of the citizen ID), as a
// national IdP's pairwise or internal identifier would be: the relying party must not take it for the ID.
const subKey = randomBytes(32);
const accounts = new Map(); // sub → citizen ID
function subjectFor(citizenId) {
  const sub = 'u' + createHmac('sha256', subKey).update(citizenId).digest('base64url').slice(0, 26);
  accounts.set(sub, citizenId);
  return sub;
}
function citizenClaims(citizenId) {
  if (citizenId === CITIZEN) {
    return {
      citizen_id: CITIZEN, name: CITIZEN_NAME, birthdate: '1985-03-12', gender: 'male', phone_number: '0912345678',
      address: { street_address: 'Số 15 Lạch Tray', commune_code: '11341' },
    };
  }
  return { citizen_id: citizenId, name: `Công dân ${citizenId}`, birthdate: '1990-01-01', gender: 'female',
    address: { street_address: 'Số 1 Điện Biên Phủ', commune_code: '11341' } };
}

function keyPair(alg) {
  const { privateKey } = alg === 'PS256'
    ? generateKeyPairSync('rsa', { modulusLength: 2048 })
    : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { ...privateKey.export({ format: 'jwk' }), alg, use: 'sig', kid: `${alg.toLowerCase()}-${randomBytes(4).toString('hex')}` };
}

// What the provider saw, for the report and the checks.
const seen = { authorize: [], token: 0, userinfo: 0, endSession: 0, idTokens: [], errors: [] };

const opServer = createServer();
const opPort = await listen(opServer);
const issuer = `http://127.0.0.1:${opPort}`;
const motcuaPort = await freePort();
const motcua = `http://127.0.0.1:${motcuaPort}`;

const provider = new Provider(issuer, {
  clients: [{
    client_id: CLIENT_ID,
    client_secret: CLIENT_SECRET,
    redirect_uris: [`${motcua}/auth/callback`],
    post_logout_redirect_uris: [`${motcua}/`],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
    id_token_signed_response_alg: 'PS256',
  }],
  jwks: { keys: [keyPair('PS256'), keyPair('ES256')] },
  cookies: { keys: [randomBytes(32).toString('hex')] },
  // oidc-provider 9 requires PKCE only for public clients by default; a national IdP requires it of all.
  pkce: { required: () => true },
  acrValues: ['loa1', 'loa2'],
  ttl: { AccessToken: 600, AuthorizationCode: 60, IdToken: 600, Interaction: 600, Session: 3600, Grant: 3600 },
  claims: {
    openid: ['sub'],
    profile: ['name', 'birthdate', 'gender', 'citizen_id', 'address', 'phone_number'],
  },
  // Identity claims go to UserInfo only; the ID token (code flow) carries sub, acr and the protocol claims.
  conformIdTokenClaims: true,
  async findAccount(ctx, sub) {
    const citizenId = accounts.get(sub);
    if (!citizenId) return undefined;
    return { accountId: sub, async claims() { return { sub, ...citizenClaims(citizenId) }; } };
  },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  features: {
    devInteractions: { enabled: false },
    rpInitiatedLogout: {
      enabled: true,
      async logoutSource(ctx, form) {
        ctx.body = page('Đăng xuất khỏi cổng định danh', `${form}
<p>Bạn có muốn đăng xuất khỏi cổng định danh không?</p>
<button type="submit" form="op.logoutForm" name="logout" value="yes">Đăng xuất</button>
<button type="submit" form="op.logoutForm">Không, giữ đăng nhập</button>`);
      },
      async postLogoutSuccessSource(ctx) {
        ctx.body = page('Đã đăng xuất', '<p>Bạn đã đăng xuất khỏi cổng định danh.</p>');
      },
    },
  },
  async renderError(ctx, out) {
    ctx.type = 'html';
    ctx.body = page('Lỗi', `<p class="error">${html(out.error)}: ${html(out.error_description ?? '')}</p>`);
  },
});
for (const ev of ['server_error', 'authorization.error', 'grant.error', 'userinfo.error', 'end_session.error', 'jwks.error', 'discovery.error']) {
  provider.on(ev, (...args) => {
    const err = args.find(a => a instanceof Error);
    seen.errors.push(`${ev}: ${err ? `${err.name} ${err.message}${err.error_description ? ` (${err.error_description})` : ''}` : ''}`);
  });
}
const opCallback = provider.callback();

async function interaction(req, res, uid, action) {
  const send = (status, body) => {
    res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end(body);
  };
  let details;
  try {
    details = await provider.interactionDetails(req, res);
  } catch (e) {
    return send(400, page('Phiên đăng nhập không hợp lệ', `<p class="error">${html(e.message)}</p>`));
  }
  if (details.uid !== uid) return send(400, page('Phiên đăng nhập không hợp lệ', ''));
  const { prompt, params } = details;
  if (req.method === 'GET' && !action) {
    if (prompt.name === 'login') return send(200, loginForm(uid, params.acr_values?.split(' ')[0]));
    if (prompt.name === 'consent') {
      // First-party relying party: grant what it asked for, without a consent screen.
      const grant = details.grantId
        ? await provider.Grant.find(details.grantId)
        : new provider.Grant({ accountId: details.session.accountId, clientId: params.client_id });
      if (prompt.details.missingOIDCScope) grant.addOIDCScope(prompt.details.missingOIDCScope.join(' '));
      if (prompt.details.missingOIDCClaims) grant.addOIDCClaims(prompt.details.missingOIDCClaims);
      for (const [indicator, scopes] of Object.entries(prompt.details.missingResourceScopes ?? {})) {
        grant.addResourceScope(indicator, scopes.join(' '));
      }
      const grantId = await grant.save();
      return provider.interactionFinished(req, res, { consent: details.grantId ? {} : { grantId } }, { mergeWithLastSubmission: true });
    }
    return send(400, page('Yêu cầu không được hỗ trợ', `<p>${html(prompt.name)}</p>`));
  }
  if (req.method === 'POST' && action === 'login' && prompt.name === 'login') {
    const form = new URLSearchParams(await readBody(req));
    const citizenId = (form.get('citizen_id') ?? '').trim();
    const acr = form.get('acr');
    if (!/^[0-9]{12}$/.test(citizenId) || !['loa1', 'loa2'].includes(acr)) {
      return send(400, loginForm(uid, acr, { citizenId, error: 'Số định danh cá nhân gồm đúng 12 chữ số.' }));
    }
    return provider.interactionFinished(req, res, { login: { accountId: subjectFor(citizenId), acr } }, { mergeWithLastSubmission: false });
  }
  return send(405, page('Yêu cầu không hợp lệ', ''));
}

let paths = { authorize: '/auth', token: '/token', userinfo: '/me', endSession: '/session/end' };
opServer.on('request', async (req, res) => {
  const url = new URL(req.url, issuer);
  const m = url.pathname.match(/^\/interaction\/([A-Za-z0-9_-]+)(?:\/(login))?$/);
  try {
    if (m) return await interaction(req, res, m[1], m[2]);
    if (url.pathname === paths.authorize) seen.authorize.push(Object.fromEntries(url.searchParams));
    if (url.pathname === paths.userinfo) seen.userinfo++;
    if (url.pathname.startsWith(paths.endSession)) seen.endSession++;
    if (url.pathname === paths.token) {
      seen.token++;
      // Keep the header and claim names of each ID token issued, to check what motcua was given.
      const end = res.end.bind(res);
      res.end = (chunk, ...rest) => {
        try {
          const body = JSON.parse(Buffer.isBuffer(chunk) ? chunk.toString('utf8') : String(chunk));
          if (body.id_token) seen.idTokens.push(decodeJwt(body.id_token));
        } catch { /* not JSON */ }
        return end(chunk, ...rest);
      };
    }
    return opCallback(req, res);
  } catch (e) {
    seen.errors.push(`handler: ${e.stack ?? e}`);
    if (!res.headersSent) { res.writeHead(500, { 'content-type': 'text/plain' }); }
    res.end('internal error');
  }
});

// ---------------------------------------------------------------------------------------------------
// motcua.
const dataDir = mkdtempSync(join(tmpdir(), 'motcua-oidc-'));
const logPath = join(dataDir, 'serve.log');
let child;
let childExit = null;
function startMotcua() {
  const env = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith('MOTCUA_') || k === 'DATABASE_URL') delete env[k];
  Object.assign(env, {
    MOTCUA_OIDC_ISSUER: issuer,
    MOTCUA_OIDC_CLIENT_ID: CLIENT_ID,
    MOTCUA_OIDC_CLIENT_SECRET: CLIENT_SECRET,
    MOTCUA_PUBLIC_URL: motcua,
    MOTCUA_OIDC_ACR_VALUES: 'loa2',
  });
  const log = createWriteStream(logPath);
  child = spawn(bin, ['--data-dir', dataDir, 'serve', '--listen', `127.0.0.1:${motcuaPort}`], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.pipe(log); child.stderr.pipe(log);
  child.on('exit', (code, signal) => { childExit = signal ?? code; });
  child.on('error', e => { childExit = e.message; });
}
async function waitReady() {
  const deadline = Date.now() + 180_000;
  while (Date.now() < deadline) {
    if (childExit !== null) fail(`motcua exited (${childExit}) before it was ready; log ${logPath}`);
    try { if ((await fetch(`${motcua}/ready`)).ok) return; } catch { /* not yet */ }
    await new Promise(r => setTimeout(r, 500));
  }
  fail('motcua was not ready within 180 s');
}
async function stopAll() {
  if (child && childExit === null) {
    child.kill('SIGTERM');
    const t = setTimeout(() => child.kill('SIGKILL'), 5000);
    await new Promise(r => { if (childExit !== null) r(); else child.once('exit', r); });
    clearTimeout(t);
  }
  opServer.closeAllConnections?.();
  await new Promise(r => opServer.close(r));
}
process.on('exit', () => { if (child && childExit === null) child.kill('SIGKILL'); });
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(130));

// ---------------------------------------------------------------------------------------------------
// Browser helpers.
let browser;
async function newContext() {
  // bypassCSP only so that axe-core can be injected; the pages themselves run under their CSP.
  return browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, bypassCSP: true, locale: 'vi-VN' });
}
async function shot(p, name) { if (shots) await p.screenshot({ path: `${shots}/oidc-${name}.png`, fullPage: false }); }
async function axe(p, name) {
  await p.addScriptTag({ content: axeSource });
  const result = await p.evaluate(async () =>
    await window.axe.run(document, { runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] }));
  const bad = result.violations.filter(v => v.impact === 'serious' || v.impact === 'critical');
  if (bad.length) fail(`${name}: axe ${bad.map(v => `${v.id}: ${v.nodes.map(n => n.target).join(' ')}`).join('; ')}`);
  return result.violations.map(v => `${v.id} (${v.impact})`);
}
const atProviderLogin = u => u.origin === issuer && u.pathname.startsWith('/interaction/');
async function signInAtProvider(p, citizenId, acr, shotName) {
  await p.waitForURL(atProviderLogin, { timeout: TIMEOUT });
  await p.locator('#citizen_id').waitFor({ timeout: TIMEOUT });
  await p.fill('#citizen_id', citizenId);
  await p.check(`input[name=acr][value=${acr}]`);
  if (shotName) await shot(p, shotName);
  await p.click('form[action$="/login"] button[type=submit]');
}
async function sessionCookie(ctx) {
  return (await ctx.cookies(motcua)).find(c => c.name === 'motcua_session');
}
async function excerpt(p) {
  return (await p.locator('body').innerText().catch(() => '')).replace(/\s+/g, ' ').trim().slice(0, 300);
}
/** Runs `action` and returns motcua's response to /auth/callback (before any redirect it answers with). */
async function callbackResponse(p, action) {
  const waiting = p.waitForResponse(r => r.url().startsWith(`${motcua}/auth/callback`), { timeout: TIMEOUT });
  await action();
  const resp = await waiting;
  await p.waitForLoadState('load');
  return resp;
}
/** motcua's page for a refused login: HTML, 4xx, Vietnamese, the stable error code, no session, axe-clean. */
async function expectLoginRefused(p, ctx, resp, name, sentence, code) {
  const status = resp.status();
  const type = resp.headers()['content-type'] ?? '';
  const body = await excerpt(p);
  const cookie = (await sessionCookie(ctx)) ? 'motcua_session SET' : 'no motcua_session';
  const where = `HTTP ${status} ${type || '(no content-type)'}, ${cookie}, now at ${p.url()}: «${body.slice(0, 200)}»`;
  if (status < 400 || status > 499) fail(`expected a 4xx page, got ${where}`);
  if (!type.startsWith('text/html')) fail(`expected an HTML page, got ${where}`);
  if (await sessionCookie(ctx)) fail(`a motcua_session cookie was set; ${where}`);
  const text = await p.locator('body').innerText();
  if (!text.includes('Đăng nhập không thành công')) fail(`no «Đăng nhập không thành công»; ${where}`);
  if (!sentence.test(text)) fail(`no sentence matching ${sentence}; ${where}`);
  const codeEl = p.locator('.error-code');
  if (await codeEl.count() === 0) fail(`no .error-code element; ${where}`);
  const shown = (await codeEl.first().innerText()).trim();
  if (!shown) fail('.error-code is empty');
  if (code && !shown.includes(code)) fail(`.error-code says «${shown}», expected ${code}`);
  await shot(p, name);
  const minor = await axe(p, name);
  return `HTTP ${status}, error code «${shown}»${minor.length ? `, axe (minor): ${minor.join(', ')}` : ''}`;
}

// ---------------------------------------------------------------------------------------------------
let signedIn = null; // { ctx, page } after (a)
try {
  // The provider on its own.
  let disc, jwks;
  const providerOk = await journey('provider: discovery, keys and a PS256-capable, UserInfo-only setup', async () => {
    const d = disc = await (await fetch(`${issuer}/.well-known/openid-configuration`)).json();
    const want = (ok, what) => { if (!ok) fail(`discovery: ${what}: ${JSON.stringify(d)}`); };
    want(d.issuer === issuer, `issuer ${d.issuer}`);
    want(d.userinfo_endpoint, 'no userinfo_endpoint');
    want(d.end_session_endpoint, 'no end_session_endpoint');
    want(d.id_token_signing_alg_values_supported?.includes('PS256'), 'PS256 not in id_token_signing_alg_values_supported');
    want(d.authorization_response_iss_parameter_supported === true, 'authorization_response_iss_parameter_supported is not true');
    want(d.code_challenge_methods_supported?.includes('S256'), 'no S256 PKCE');
    want(['loa1', 'loa2'].every(a => d.acr_values_supported?.includes(a)), 'acr_values_supported lacks loa1/loa2');
    want(d.claims_supported?.includes('citizen_id'), 'citizen_id not in claims_supported');
    want(d.token_endpoint_auth_methods_supported?.includes('client_secret_basic'), 'no client_secret_basic');
    jwks = await (await fetch(d.jwks_uri)).json();
    const algs = jwks.keys.map(k => k.alg);
    if (!algs.includes('PS256') || !algs.includes('ES256')) fail(`jwks algs ${algs}`);
    if (jwks.keys.some(k => k.d || k.p)) fail('jwks publishes private key material');
    paths = {
      authorize: new URL(d.authorization_endpoint).pathname,
      token: new URL(d.token_endpoint).pathname,
      userinfo: new URL(d.userinfo_endpoint).pathname,
      endSession: new URL(d.end_session_endpoint).pathname,
    };
  });
  if (!providerOk) fail('the provider is not usable; nothing else can run');

  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic',
      '--no-first-run', '--disable-component-update', '--disable-sync'],
  });

  // The provider on its own, driven by this script as the relying party (motcua is not started yet, and
  // every browser request to its address is stopped and recorded): so that a failure below is motcua's.
  const selfOk = await journey('provider self-test: code flow with PKCE, PS256 ID token with acr, claims in UserInfo, RP-initiated logout', async () => {
    const ctx = await newContext();
    const p = await ctx.newPage();
    p.setDefaultTimeout(TIMEOUT);
    const cdp = await ctx.newCDPSession(p);
    const toRp = [];
    let arrived = () => {};
    cdp.on('Fetch.requestPaused', e => {
      if (e.resourceType === 'Document') { toRp.push(e.request.url); arrived(); }
      // A request may be gone by now (the page moved on): nothing to answer then.
      cdp.send('Fetch.fulfillRequest', { requestId: e.requestId, responseCode: 200,
        responseHeaders: [{ name: 'content-type', value: 'text/plain' }], body: Buffer.from('rp').toString('base64') }).catch(() => {});
    });
    await cdp.send('Fetch.enable', { patterns: [{ urlPattern: `${motcua}/*`, requestStage: 'Request' }] });
    const toRpNext = () => new Promise((res, rej) => {
      const n = toRp.length;
      const t = setTimeout(() => rej(new Error(`the provider did not send the browser back; at ${p.url()}`)), TIMEOUT);
      arrived = () => { if (toRp.length > n) { clearTimeout(t); res(new URL(toRp.at(-1))); } };
    });
    const redirectUri = `${motcua}/auth/callback`;
    const authUrl = (extra) => {
      const u = new URL(disc.authorization_endpoint);
      for (const [k, v] of Object.entries({ client_id: CLIENT_ID, response_type: 'code', scope: 'openid profile',
        redirect_uri: redirectUri, state: randomBytes(8).toString('hex'), nonce: randomBytes(8).toString('hex'), ...extra })) {
        if (v !== undefined) u.searchParams.set(k, v);
      }
      return u;
    };
    // Without PKCE: refused.
    let back = toRpNext();
    await p.goto(authUrl({}).href);
    let cb = await back;
    if (cb.searchParams.get('error') !== 'invalid_request') fail(`authorization without PKCE was not refused: ${cb}`);
    // With PKCE, acr_values=loa2 asked, loa1 given.
    const verifier = randomBytes(32).toString('base64url');
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const req = authUrl({ code_challenge: challenge, code_challenge_method: 'S256', acr_values: 'loa2' });
    back = toRpNext();
    await p.goto(req.href);
    await signInAtProvider(p, CITIZEN, 'loa1');
    cb = await back;
    if (cb.searchParams.get('iss') !== issuer || cb.searchParams.get('state') !== req.searchParams.get('state')) fail(`callback ${cb}`);
    const basic = 'Basic ' + Buffer.from(`${encodeURIComponent(CLIENT_ID)}:${encodeURIComponent(CLIENT_SECRET)}`).toString('base64');
    const tok = await (await fetch(disc.token_endpoint, { method: 'POST', headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'authorization_code', code: cb.searchParams.get('code'), redirect_uri: redirectUri, code_verifier: verifier }) })).json();
    if (!tok.id_token || !tok.access_token) fail(`token response ${JSON.stringify(tok)}`);
    const [h, pl, sig] = tok.id_token.split('.');
    const { header, payload } = decodeJwt(tok.id_token);
    const jwk = jwks.keys.find(k => k.kid === header.kid);
    if (header.alg !== 'PS256' || jwk?.kty !== 'RSA') fail(`ID token header ${JSON.stringify(header)}`);
    const valid = cryptoVerify('sha256', Buffer.from(`${h}.${pl}`), { key: createPublicKey({ key: jwk, format: 'jwk' }),
      padding: cryptoConstants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }, Buffer.from(sig, 'base64url'));
    if (!valid) fail('PS256 signature of the ID token does not verify against the published key');
    if (payload.acr !== 'loa1' || payload.nonce !== req.searchParams.get('nonce') || payload.aud !== CLIENT_ID
      || 'name' in payload || 'citizen_id' in payload || payload.sub === CITIZEN) fail(`ID token claims ${JSON.stringify(payload)}`);
    const ui = await (await fetch(disc.userinfo_endpoint, { headers: { authorization: `Bearer ${tok.access_token}` } })).json();
    if (ui.sub !== payload.sub || ui.citizen_id !== CITIZEN || ui.name !== CITIZEN_NAME || ui.address?.commune_code !== '11341'
      || ui.birthdate !== '1985-03-12' || ui.gender !== 'male') fail(`UserInfo ${JSON.stringify(ui)}`);
    // Still signed in at the provider: a new authorization goes straight back.
    back = toRpNext();
    await p.goto(authUrl({ code_challenge: challenge, code_challenge_method: 'S256' }).href);
    cb = await back;
    if (!cb.searchParams.get('code')) fail(`second authorization was not silent: ${cb}`);
    // RP-initiated logout, back to the registered post-logout URI; then the provider asks again.
    const end = new URL(disc.end_session_endpoint);
    end.searchParams.set('id_token_hint', tok.id_token);
    end.searchParams.set('post_logout_redirect_uri', `${motcua}/`);
    end.searchParams.set('state', 'bye');
    back = toRpNext();
    await p.goto(end.href);
    await p.click('button[name=logout][value=yes]');
    cb = await back;
    if (cb.origin + cb.pathname !== `${motcua}/` || cb.searchParams.get('state') !== 'bye') fail(`after logout the provider sent the browser to ${cb}`);
    await p.goto(authUrl({ code_challenge: challenge, code_challenge_method: 'S256' }).href);
    await p.locator('#citizen_id').waitFor({ timeout: TIMEOUT });
    await ctx.close();
  });
  if (!selfOk) fail('the provider does not behave as this test needs; motcua was not tested');
  Object.assign(seen, { authorize: [], token: 0, userinfo: 0, endSession: 0, idTokens: [], errors: [] });

  startMotcua();
  await journey(`motcua ready at ${motcua} (issuer ${issuer})`, waitReady);
  if (childExit !== null) fail('motcua is not running');

  // (a) A normal login.
  const aOk = await journey('(a) login: /my → provider (031085012345, loa2) → /my signed in as Nguyễn Văn An', async () => {
    const ctx = await newContext();
    const p = await ctx.newPage();
    p.setDefaultTimeout(TIMEOUT);
    await p.goto(`${motcua}/my`);
    await signInAtProvider(p, CITIZEN, 'loa2', 'a-provider-login');
    await p.waitForURL(u => u.origin === motcua && u.pathname !== '/auth/callback', { timeout: TIMEOUT }).catch(() => {});
    const u = new URL(p.url());
    if (u.origin !== motcua || u.pathname !== '/my') {
      fail(`ended at ${p.url()} (expected ${motcua}/my): «${await excerpt(p)}»`);
    }
    if (!(await sessionCookie(ctx))) fail('no motcua_session cookie after login');
    const who = (await p.locator('.who').innerText().catch(() => '')).trim();
    if (who !== CITIZEN_NAME) fail(`header shows «${who}», expected «${CITIZEN_NAME}»`);
    await shot(p, 'a-signed-in');
    signedIn = { ctx, page: p };
  });
  const auth = seen.authorize[0];
  if (auth) {
    soft('(a) motcua asked for acr_values=loa2', auth.acr_values === 'loa2', `acr_values=${auth.acr_values ?? '(none)'}`);
    soft('(a) motcua used PKCE S256, scope openid+profile, nonce and state',
      auth.code_challenge_method === 'S256' && auth.code_challenge && auth.nonce && auth.state
        && /\bopenid\b/.test(auth.scope ?? '') && /\bprofile\b/.test(auth.scope ?? ''),
      `scope=${auth.scope} code_challenge_method=${auth.code_challenge_method}`);
  }
  const idt = seen.idTokens[0];
  if (idt) {
    soft('(a) provider issued a PS256 ID token with an opaque sub and no identity claims (they are in UserInfo only)',
      idt.header.alg === 'PS256' && !('citizen_id' in idt.payload) && !('name' in idt.payload) && idt.payload.sub !== CITIZEN,
      `alg ${idt.header.alg}, claims ${Object.keys(idt.payload).join(',')}`);
    // oidc-provider puts acr in the ID token only when the client asked for it (acr_values or claims).
    soft('(a) the ID token carries acr=loa2', idt.payload.acr === 'loa2', `acr=${idt.payload.acr ?? '(absent)'}`);
  }
  if (aOk || seen.token) soft('(a) motcua called the UserInfo endpoint', seen.userinfo > 0, `${seen.userinfo} call(s), ${seen.token} token call(s)`);

  // (b) The callback URL opened in another browser.
  await journey('(b) callback opened in another browser: 4xx HTML page, no session, /my asks to log in', async () => {
    const ctxA = await newContext();
    const pA = await ctxA.newPage();
    pA.setDefaultTimeout(TIMEOUT);
    // The provider sends the browser to the callback with a redirect, and page.route() does not see
    // redirect hops; the DevTools Fetch domain does. The callback request is failed, so motcua never sees it.
    let captured;
    const cdp = await ctxA.newCDPSession(pA);
    const got = new Promise(r => {
      cdp.on('Fetch.requestPaused', e => {
        if (!captured && e.request.url.startsWith(`${motcua}/auth/callback`)) {
          captured = e.request.url;
          cdp.send('Fetch.failRequest', { requestId: e.requestId, errorReason: 'Aborted' }).catch(() => {});
          r();
        } else {
          cdp.send('Fetch.continueRequest', { requestId: e.requestId }).catch(() => {});
        }
      });
    });
    await cdp.send('Fetch.enable', { patterns: [{ urlPattern: `${motcua}/auth/callback*`, requestStage: 'Request' }] });
    await pA.goto(`${motcua}/auth/login`);
    await signInAtProvider(pA, CITIZEN, 'loa2');
    await Promise.race([got, new Promise((_, rej) => setTimeout(() => rej(new Error(`no redirect to the callback; at ${pA.url()}`)), TIMEOUT))]);
    const cb = new URL(captured);
    if (!cb.searchParams.get('code')) fail(`captured callback has no code: ${captured}`);
    if (cb.searchParams.get('iss') !== issuer) fail(`callback has no iss=${issuer} (RFC 9207): ${captured}`);

    const ctxB = await newContext();
    const pB = await ctxB.newPage();
    pB.setDefaultTimeout(TIMEOUT);
    const resp = await callbackResponse(pB, () => pB.goto(captured));
    const detail = await expectLoginRefused(pB, ctxB, resp, 'b-other-browser',
      /trình duyệt khác|hết hạn/i);
    await pB.goto(`${motcua}/my`);
    await pB.waitForURL(u => atProviderLogin(u) || u.pathname.startsWith('/auth/login'), { timeout: TIMEOUT }).catch(() => {});
    if (new URL(pB.url()).origin === motcua && new URL(pB.url()).pathname === '/my') fail(`/my in the other browser shows a signed-in page: «${await excerpt(pB)}»`);
    if (await sessionCookie(ctxB)) fail('the other browser got a motcua_session cookie from /my');
    record('(b) other browser\'s page', true, detail);

    // Not asserted: what the browser that started the login gets with the same URL afterwards.
    await cdp.send('Fetch.disable');
    const again = await callbackResponse(pA, () => pA.goto(captured)).catch(e => null);
    record('(b) [info] same callback URL then opened in the browser that started the login', null,
      again ? `HTTP ${again.status()} → ${pA.url()}, session cookie: ${!!(await sessionCookie(ctxA))}` : 'no response');
    await ctxA.close(); await ctxB.close();
  });

  // (c) Below the required assurance level.
  await journey('(c) loa1 login refused: 4xx HTML page «mức định danh», code assurance_too_low, no session', async () => {
    const ctx = await newContext();
    const p = await ctx.newPage();
    p.setDefaultTimeout(TIMEOUT);
    await p.goto(`${motcua}/my`);
    const resp = await callbackResponse(p, () => signInAtProvider(p, CITIZEN, 'loa1'));
    const detail = await expectLoginRefused(p, ctx, resp, 'c-assurance-too-low', /mức định danh/i, 'assurance_too_low');
    record('(c) refusal page', true, detail);
    await ctx.close();
  });

  // (d) RP-initiated logout.
  if (!signedIn) {
    record('(d) logout through the provider\'s end_session_endpoint, then /my asks for a new login', false, 'not run: (a) did not sign in');
  } else {
    await journey('(d) logout: motcua → provider end_session → motcua /, then /my asks for a new login at the provider', async () => {
      const { ctx, page: p } = signedIn;
      const before = seen.endSession;
      const problems = [];
      const button = p.locator('form[action="/auth/logout"] button');
      if (await button.count() === 0) fail('no sign-out button (form[action="/auth/logout"] button) in the header');
      await button.first().click();
      const home = u => u.origin === motcua && u.pathname === '/';
      await p.waitForURL(u => home(u) || (u.origin === issuer && u.pathname.startsWith(paths.endSession)), { timeout: TIMEOUT });
      if (new URL(p.url()).origin === issuer) {
        await shot(p, 'd-provider-logout');
        await p.click('button[name=logout][value=yes]');
        await p.waitForURL(home, { timeout: TIMEOUT });
      }
      if (seen.endSession === before) problems.push('motcua signed out locally but never sent the browser to the provider\'s end_session_endpoint');
      if (await sessionCookie(ctx)) problems.push('motcua_session cookie still set after logout');
      if (await p.locator('form[action="/auth/logout"]').count()) problems.push('home page still shows a signed-in header after logout');
      await p.goto(`${motcua}/my`);
      await p.waitForURL(u => atProviderLogin(u) || (u.origin === motcua && u.pathname === '/my'), { timeout: TIMEOUT }).catch(() => {});
      if (!atProviderLogin(new URL(p.url()))) {
        problems.push(`/my after logout went straight back in without a login form: at ${p.url()}, header «${(await p.locator('.who').innerText().catch(() => '')).trim()}»`);
      }
      if (problems.length) fail(problems.join('; '));
      await p.locator('#citizen_id').waitFor({ timeout: TIMEOUT });
      await shot(p, 'd-login-again');
    });
    await signedIn.ctx.close();
  }
} catch (e) {
  record('run', false, e.message);
} finally {
  await browser?.close().catch(() => {});
  await stopAll().catch(() => {});
}

const failed = results.filter(r => r.ok === false);
console.log('\n== oidc-provider e2e report');
console.log(`provider ${issuer} (oidc-provider ${require('oidc-provider/package.json').version}), motcua ${motcua}`);
console.log(`provider saw: ${seen.authorize.length} authorization request(s), ${seen.token} token, ${seen.userinfo} userinfo, ${seen.endSession} end_session request(s)`);
if (seen.errors.length) console.log(`provider errors:\n  ${[...new Set(seen.errors)].join('\n  ')}`);
if (failed.length) {
  console.log(`motcua log: ${logPath}`);
  try { console.log(readFileSync(logPath, 'utf8').split('\n').filter(l => /WARN|ERROR|error/.test(l)).slice(-15).join('\n')); } catch { /* none */ }
} else {
  rmSync(dataDir, { recursive: true, force: true });
}
console.log(`${results.filter(r => r.ok === true).length} passed, ${failed.length} failed`);
process.exit(failed.length ? 1 : 0);
