// Real-browser journey of a citizen on a 390×844 phone, plus axe-core on every page it visits.
// Usage: node portal.mjs <base URL> [screenshot dir]. Exits non-zero on the first failure or on any
// serious/critical accessibility violation. Chromium comes from Debian (/usr/bin/chromium).
import { chromium } from 'playwright-core';
import { readFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { execFileSync } from 'node:child_process';

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const base = process.argv[2] ?? 'http://127.0.0.1:8080';
const shots = process.argv[3];
if (shots) mkdirSync(shots, { recursive: true });

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic',
    '--no-first-run', '--disable-component-update', '--disable-sync'],
});
// bypassCSP only so that axe-core can be injected; the pages themselves run under the strict CSP.
const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, bypassCSP: true });
let page = await context.newPage();
const report = [];

function fail(msg) { throw new Error(msg); }

async function check(name) {
  // No horizontal scrolling on a phone.
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  if (overflow > 1) fail(`${name}: page is ${overflow}px wider than the phone`);
  // People are named by their names: an account (officer@H31.11341) or an audit actor
  // (citizen:*****345) is for the administrator's staff list only.
  const internal = await page.evaluate(() =>
    (document.querySelector('main')?.innerText ?? '').match(/\b[a-z]+@H\d\d[\w.]*|\b(?:citizen|staff):\S+/g));
  if (internal && !name.startsWith('staff-admin')) fail(`${name}: internal identifiers shown: ${internal.join(', ')}`);
  await page.addScriptTag({ content: axeSource });
  const result = await page.evaluate(async () =>
    await window.axe.run(document, { runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] }));
  const bad = result.violations.filter(v => v.impact === 'serious' || v.impact === 'critical');
  report.push({ page: name, violations: result.violations.map(v => `${v.id} (${v.impact})`) });
  if (bad.length) fail(`${name}: axe ${bad.map(v => `${v.id}: ${v.nodes.map(n => n.target).join(' ')}`).join('; ')}`);
  if (shots) await page.screenshot({ path: `${shots}/${name}.png`, fullPage: false });
}

// Goes through a form part by part: on each page fills what it asks from `answers` (field name →
// value; a select is chosen, anything else typed; names in `keep` only when still blank), saves,
// and stops at the documents page. `onPart(n)` runs after filling part n, before saving.
async function fillForm(p, answers, { keep = [], onPart } = {}) {
  for (let part = 0; part < 12; part++) {
    for (const [name, value] of Object.entries(answers)) {
      const el = p.locator(`form[action$="/form"] [name="${name}"]`);
      if (await el.count() !== 1) continue;
      if (keep.includes(name) && (await el.inputValue()) !== '') continue;
      if (await el.evaluate(e => e.tagName) === 'SELECT') await el.selectOption(value);
      else await el.fill(value);
    }
    if (onPart) await onPart(part);
    await p.click('form[action$="/form"] > button[type=submit]');
    await p.waitForLoadState('load');
    if (/\/files$/.test(new URL(p.url()).pathname)) return part + 1;
    if (await p.locator(".error-summary").count()) fail(`form part ${part + 1} at ${p.url()}: ${await p.locator(".error-summary").first().innerText()}`);
    if (!/[?&]section=\d+$/.test(p.url())) fail(`after form part ${part + 1} the browser is at ${p.url()}`);
  }
  fail('the form never reached its documents page');
}

// The words an English reader is given on a page — headings, labels, hints, buttons, options,
// table and list headings, error messages — that are in Vietnamese. Text marked lang="vi" (a
// proper name, the other language's link) is Vietnamese by right; so are place names and legal
// document numbers inside an English sentence, and what the applicant typed (field values).
async function vietnameseWords(p) {
  return await p.evaluate(() => {
    const vi = /[ăâđêôơưàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ]/i;
    const names = /Hải Phòng|Hà Nội|Hồ Chí Minh|NĐ-CP|NQ-HĐND|QĐ-TTg|ĐKX10/g;
    const found = [];
    const sel = 'h1, h2, h3, label, legend, .hint, button, .error-summary, .error-message, dt, th, caption, summary, option';
    for (const el of document.querySelectorAll(sel)) {
      if (el.closest('[lang="vi"]')) continue;
      const select = el.closest('select');
      // Provinces and communes are proper names.
      if (select && /\.(province|commune)$/.test(select.name)) continue;
      let text = '';
      for (const node of el.childNodes) {
        if (node.nodeType === Node.TEXT_NODE) text += node.textContent;
        else if (node.nodeType === Node.ELEMENT_NODE && !node.matches('[lang="vi"], input, textarea, select')) text += node.textContent;
      }
      text = text.replace(names, '').trim();
      if (vi.test(text)) found.push(`${el.tagName.toLowerCase()}: ${text.slice(0, 120)}`);
    }
    return found;
  });
}

async function englishOnly(p, name) {
  const words = await vietnameseWords(p);
  if (words.length) fail(`${name} (English) still has Vietnamese:\n  ${words.join('\n  ')}`);
}

try {
  await page.goto(base + '/');
  await check('home');
  // Search without diacritics.
  await page.fill('#q', 'dang ky khai sinh');
  await page.click('form[role=search] button[type=submit]');
  await page.waitForURL(/\/search\?/);
  await check('search-results');
  const first = page.locator('ol.results li a').first();
  if ((await first.getAttribute('href')) !== '/procedures/1.001193') fail('birth registration is not the first result');
  await first.click();
  await page.waitForURL(/\/procedures\/1\.001193/);
  await check('procedure');
  await page.click('a.button[href="/apply/1.001193"]');
  // Signed out: the simulated national IdP asks who we are.
  await page.waitForURL(/\/sim\/idp\/authorize/);
  await page.click('button[name=pick][value="031085012345"]');
  await page.waitForURL(/\/apply\/1\.001193/);
  await check('apply-start');
  await page.click('form[action="/apply/1.001193"] button[type=submit]');
  await page.waitForURL(/\/my\/NHAP-[A-Z0-9]+\/form/);
  const draftUrl = page.url();
  if ((await page.inputValue('#f-ho_ten_nguoi_yeu_cau')) !== 'Nguyễn Văn An') fail('name is not prefilled');
  await check('apply-form');
  // The birth registration is asked in six parts; each is checked when saved.
  const parts = await fillForm(page, {
    quan_he: 'cha', ho_ten_tre: 'Nguyễn Minh Khang', ngay_sinh: '2026-11-02',
    gioi_tinh: 'nam', dan_toc: 'Kinh', quoc_tich: 'Việt Nam', noi_sinh: 'Bệnh viện Phụ sản Hải Phòng',
    que_quan: 'Hải Phòng', de_nghi_cap_ban_sao: 'khong',
    ho_ten_me: 'Trần Thị Hoa', nam_sinh_me: '1990', dan_toc_me: 'Kinh',
    ho_ten_cha: 'Nguyễn Văn An', nam_sinh_cha: '1985', dan_toc_cha: 'Kinh',
  }, {
    keep: ['ho_ten_me', 'nam_sinh_me', 'dan_toc_me', 'ho_ten_cha', 'nam_sinh_cha', 'dan_toc_cha'],
    onPart: async n => {
      if (n === 1) await check('apply-form-part');
      if (n !== 0) return;
      // static/app.js saves the draft in the background as the citizen types.
      await page.waitForFunction(() => document.getElementById('autosave-status').textContent.length > 0, null, { timeout: 15000 });
    },
  });
  if (parts !== 6) fail(`the birth registration took ${parts} pages, not 6`);
  // The date of birth in words was written by the system from the date.
  await page.goto(draftUrl + '?section=1');
  if ((await page.inputValue('#f-ngay_sinh_bang_chu')) !== 'Ngày hai tháng mười một năm hai nghìn không trăm hai mươi sáu') fail('the date of birth in words was not derived');
  await page.goto(draftUrl.replace(/\/form$/, '/files'));
  await page.waitForURL(/\/files$/);
  await check('apply-files');
  await page.setInputFiles('#file-giay_chung_sinh', new URL('../docs/examples/sample.pdf', import.meta.url).pathname);
  await page.click('#c-giay_chung_sinh form button[type=submit]');
  await page.waitForURL(/\/files#c-giay_chung_sinh$/);
  await page.click('a.button[href$="/check"]');
  await page.waitForURL(/\/check$/);
  await check('check-answers');
  // Sign with the remote signing service: the OTP "SMS" is read from the simulator's phone page.
  await page.click('#signature form button[type=submit]');
  await page.waitForURL(/\/sign$/);
  await check('sign-otp');
  const phone = await context.newPage();
  await phone.goto(`${base}/sim/csc/phone/031085012345`);
  const sms = await phone.textContent('ol');
  await phone.close();
  const otpCode = (sms.match(/OTP ky so ho so: (\d{6})/) ?? [])[1];
  if (!otpCode) fail(`no OTP on the simulated phone: ${sms}`);
  await page.fill('#otp', otpCode);
  await page.click('form[action$="/sign/confirm"] button[type=submit]');
  await page.waitForURL(/\/check(#signature)?$/);
  if (!(await page.textContent('#signature')).includes('Đã ký số bởi Nguyễn Văn An')) fail('the application is not shown as signed');
  await page.click('form[action$="/submit"] button[type=submit]');
  await page.waitForURL(/\/my\/H31\.\d{5}-\d{6}-\d{4}\/done$/);
  const code = page.url().match(/\/my\/([^/]+)\/done$/)[1];
  await check('confirmation');
  // The acknowledgement of the submission is there at once, with the code and what was sent.
  {
    const href = await page.locator(`a[href="/my/${code}/notices/submitted"]`).getAttribute('href');
    const ack = await (await page.request.get(base + href)).body();
    const ackPath = `${tmpdir()}/motcua-e2e-ack-${process.pid}.pdf`;
    writeFileSync(ackPath, ack);
    const ackText = execFileSync('pdftotext', [ackPath, '-'], { encoding: 'utf8' }).replace(/\s+/g, ' ');
    for (const want of ['BIÊN NHẬN NỘP HỒ SƠ TRỰC TUYẾN', code, 'Nguyễn Văn An', 'Giấy chứng sinh']) {
      if (!ackText.includes(want)) fail(`the acknowledgement lacks «${want}»:\n${ackText}`);
    }
  }
  await page.goto(base + '/my');
  await check('my-dossiers');
  await page.goto(`${base}/my/${code}`);
  await check('dossier-detail');
  // Public tracking, signed out.
  const anon = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true });
  const p2 = await anon.newPage();
  await p2.goto(`${base}/track?code=${encodeURIComponent(code)}`);
  if (!(await p2.textContent('main')).includes('Mới nộp, chờ tiếp nhận')) fail('tracking does not show the status');
  await page.goto(`${base}/track?code=${encodeURIComponent(code)}`);
  await check('tracking');
  // The one-stop officer, on a desktop, opens the dossier, ticks the component checklist and
  // receives it; then (through the API) asks for a clearer birth notice.
  const desk = await browser.newContext({ viewport: { width: 1280, height: 900 }, bypassCSP: true });
  const dpage = await desk.newPage();
  await dpage.goto(`${base}/staff`);
  await dpage.fill('#username', 'officer@H31.11341');
  await dpage.fill('#password', 'demo');
  await dpage.click('form[action="/staff/login"] button');
  await dpage.waitForURL(`${base}/staff`);
  await dpage.goto(`${base}/staff/dossiers/${code}`);
  const receiveForm = dpage.locator('form.action-form:has(input[name=action][value=receive])');
  await receiveForm.locator('button[type=submit]').click();
  await dpage.waitForLoadState();
  if (!(await dpage.textContent('main')).includes('Chưa đánh dấu đã kiểm tra')) fail('receipt without the checklist was not refused');
  // The birth notice the citizen uploaded, and what the national databases gave (identity,
  // residence, the parents' marriage): each examined.
  const boxes = dpage.locator('form.action-form:has(input[name=action][value=receive]) input[name=checked]');
  if (await boxes.count() !== 4) fail(`the checklist has ${await boxes.count()} components, not 4`);
  for (const box of await boxes.all()) await box.check();
  await dpage.locator('form.action-form:has(input[name=action][value=receive]) button[type=submit]').click();
  await dpage.waitForURL(new RegExp(`/staff/dossiers/${code.replace(/\./g, '\\.')}\\?done=[a-z_]+$`));
  if (await dpage.locator('.error-summary').count()) fail(`receive: ${await dpage.textContent('.error-summary')}`);
  const staff = await browser.newContext();
  const login = await staff.request.post(`${base}/api/v1/auth/staff`, { data: { username: 'officer@H31.11341', password: 'demo' } });
  if (!login.ok()) fail(`staff login: ${login.status()}`);
  for (const body of [
    { action: 'request_supplement', components: ['giay_chung_sinh'], note: 'Ảnh giấy chứng sinh bị mờ, vui lòng tải lại bản rõ nét.' }]) {
    const r = await staff.request.post(`${base}/api/v1/dossiers/${code}/actions`, { data: body });
    if (!r.ok()) fail(`${body.action}: ${r.status()} ${await r.text()}`);
  }
  // The citizen answers it in the browser: sees exactly what is asked, uploads it, sends it.
  await page.goto(`${base}/my/${code}`);
  if (!(await page.textContent('main')).includes('Ảnh giấy chứng sinh bị mờ')) fail('the request note is not shown');
  await check('supplement-request');
  await page.click('a.button[href$="/files"]');
  await page.waitForURL(/\/files$/);
  if (await page.locator('ul.components > li').count() !== 1) fail('only the requested component should be offered');
  await page.setInputFiles('#file-giay_chung_sinh', new URL('../docs/examples/sample.pdf', import.meta.url).pathname);
  await page.click('#c-giay_chung_sinh form button[type=submit]');
  await page.waitForURL(/\/files#c-giay_chung_sinh$/);
  await page.goto(`${base}/my/${code}`);
  await page.click(`form[action="/my/${code}/supplement"] button`);
  await page.waitForURL(new RegExp(`/my/${code.replace(/\./g, '\\.')}$`));
  if (!(await page.textContent('main')).includes('Đã tiếp nhận')) fail('after supplementing, the dossier is back with the agency');
  await check('after-supplement');
  // Back office on a desktop: the officer's queues and the dossier.
  await dpage.goto(`${base}/staff`);
  const officerPage = page;
  page = dpage;
  await check('staff-queues');
  await page.goto(`${base}/staff/dossiers/${code}`);
  await check('staff-dossier');

  // The rest of the back office, each person in their own browser: the leader assigns, the
  // specialist forwards, the leader approves, the clerk issues the result, the officer returns it.
  async function signIn(username) {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, bypassCSP: true });
    const p = await ctx.newPage();
    // The server takes 10 staff sign-ins a minute from one address; this journey signs in more
    // people than that, so a refused one waits and tries again, as a person would.
    for (let attempt = 0; attempt < 4; attempt++) {
      await p.goto(`${base}/staff`);
      await p.fill('#username', username);
      await p.fill('#password', 'demo');
      const [resp] = await Promise.all([
        p.waitForResponse(r => r.url() === `${base}/staff/login` && r.request().method() === 'POST'),
        p.click('form[action="/staff/login"] button'),
      ]);
      if (resp.status() === 429) {
        if (!(await p.textContent('main')).includes('đăng nhập')) fail('a refused sign-in does not say why');
        await p.waitForTimeout(20000);
        continue;
      }
      await p.waitForURL(`${base}/staff`);
      return p;
    }
    fail(`${username} could not sign in`);
  }
  async function act(p, action, fill) {
    const form = p.locator(`form.action-form:has(input[name=action][value=${action}])`);
    if (await form.count() !== 1) fail(`${action} is not offered on ${p.url()}`);
    if (fill) await fill(form);
    await form.locator('button[type=submit]:not([formaction])').click();
    await p.waitForURL(new RegExp(`/staff/dossiers/${code.replace(/\./g, '\\.')}\\?done=[a-z_]+$`));
    const err = await p.locator('.error-summary').count();
    if (err) fail(`${action}: ${await p.textContent('.error-summary')}`);
    if (!(await p.locator('.confirmation[role=status]').count())) fail(`${action}: no confirmation banner`);
  }
  const leader = await signIn('leader@H31.11341');
  if (!(await leader.textContent('#q-assign + ol, section[aria-labelledby=q-assign]')).includes(code)) fail('the leader does not see the dossier to assign');
  await leader.click(`section[aria-labelledby=q-assign] a[href="/staff/dossiers/${code}"]`);
  await act(leader, 'assign', f => f.locator('select[name=assignee]').selectOption('specialist@H31.11341'));
  const specialist = await signIn('specialist@H31.11341');
  await specialist.click(`section[aria-labelledby=q-assigned] a[href="/staff/dossiers/${code}"]`);
  await act(specialist, 'forward', async f => {
    await f.locator('textarea[name=opinion]').fill('Hồ sơ đầy đủ, hợp lệ; đủ điều kiện đăng ký khai sinh theo Điều 16 Luật Hộ tịch.');
    await f.locator('textarea[name=proposal]').fill('Đề nghị lãnh đạo ký Giấy khai sinh cho trẻ Nguyễn Minh Khang.');
  });
  await leader.goto(`${base}/staff`);
  await leader.click(`section[aria-labelledby=q-review] a[href="/staff/dossiers/${code}"]`);
  page = leader;
  if (!(await leader.textContent('main')).includes('Đã ký số bởi Nguyễn Văn An')) fail('the leader does not see the applicant\'s valid signature');
  // The leader decides with the appraisal in view, the file being read beside the answers.
  const appraisal = await leader.textContent('section.appraisal');
  if (!appraisal.includes('Điều 16 Luật Hộ tịch') || !appraisal.includes('Đề nghị lãnh đạo ký')) fail('the leader does not see the specialist\'s appraisal and proposal');
  if (await leader.locator('.dossier-viewer iframe[name=viewer]').count() !== 1) fail('no file viewer beside the dossier');
  await check('staff-review');
  // The specialist's and leader's view of a component, inside the page.
  await leader.click('a[href^="/staff/dossiers/"][href*="/files/"]');
  await leader.waitForURL(/\/staff\/dossiers\/.+\/files\/.+$/);
  if (await leader.locator('iframe.viewer').count() !== 1) fail('the PDF component is not shown in the page');
  await check('staff-file-viewer');
  await leader.goBack();
  await act(leader, 'approve', f => f.locator('textarea[name=opinion]').fill('Đồng ý.'));
  const clerk = await signIn('clerk@H31.11341');
  await clerk.click(`section[aria-labelledby=q-issue] a[href="/staff/dossiers/${code}"]`);
  // The clerk can preview the draft before it is signed and issued.
  if (await clerk.locator('button[formaction$="/result-preview"]').count() !== 1) fail('no preview of the result before issuing');
  const previewForm = clerk.locator('form.action-form:has(input[name=action][value=issue_result])');
  await previewForm.locator('textarea[name=decision]').fill('Cấp bản chính Giấy khai sinh cho trẻ Nguyễn Minh Khang.');
  const [preview] = await Promise.all([
    clerk.waitForEvent('popup'),
    previewForm.locator('button[formaction$="/result-preview"]').click(),
  ]);
  await preview.waitForLoadState();
  if (!/\/result-preview$/.test(preview.url())) fail(`the preview opened ${preview.url()}`);
  await preview.close();
  // No file: the system drafts the result from the dossier and the decision, and signs it.
  await act(clerk, 'issue_result', f => f.locator('textarea[name=decision]').fill('Cấp bản chính Giấy khai sinh cho trẻ Nguyễn Minh Khang.'));
  if (!(await clerk.textContent('main')).includes('/KQ-H31.11341')) fail('the issued result has no register number');
  // The officer finds it by the applicant's citizen ID and works it from the results table.
  await dpage.goto(`${base}/staff`);
  if (!(await dpage.textContent('section[aria-labelledby=q-return] table')).includes(code)) fail('the result to return is not in the officer\'s queue table');
  await dpage.fill('#staff-q', '031085012345');
  await dpage.click('form[role=search] button');
  await dpage.waitForURL(/\/staff\?q=031085012345$/);
  page = dpage;
  await check('staff-search');
  await dpage.click(`section[aria-labelledby=q-found] a[href="/staff/dossiers/${code}"]`);
  await act(dpage, 'return_result', async f => {
    // Only the chosen method's fields are shown.
    await f.locator('select[name=delivery]').selectOption('counter');
    if (!(await f.locator('#recipient-name').isVisible()) || await f.locator('#postal-code').isVisible()) fail('the counter return does not show exactly its own fields');
    await f.locator('select[name=delivery]').selectOption('online');
    if (await f.locator('#recipient-name').isVisible() || await f.locator('#postal-code').isVisible()) fail('the online return shows the counter or post fields');
  });
  page = officerPage;
  await page.goto(`${base}/my/${code}`);
  if (!(await page.textContent('main')).includes('Đã trả kết quả')) fail('the citizen does not see the result returned');
  await check('my-dossier-returned');
  // The citizen downloads the signed result, opens its verification page and checks the file there.
  const resultHref = await page.locator('ul.documents li a').first().getAttribute('href');
  const pdf = await (await page.request.get(base + resultHref)).body();
  if (pdf.subarray(0, 5).toString() !== '%PDF-') fail('the result download is not a PDF');
  const pdfPath = `${tmpdir()}/motcua-e2e-result-${process.pid}.pdf`;
  writeFileSync(pdfPath, pdf);
  // The result is the birth certificate itself, not a printout of the application: the child's
  // data with the date in figures (dd/mm/yyyy) and words, the parents, the register entry, the
  // commune's own place name and the approving leader's position (text read by poppler).
  const text = execFileSync('pdftotext', [pdfPath, '-'], { encoding: 'utf8' }).replace(/\s+/g, ' ');
  if (!/\b031226\d{6}\b/.test(text)) fail(`the birth certificate lacks the boy's personal ID (0312 26 ……):\n${text}`);
  for (const want of ['GIẤY KHAI SINH', 'Nguyễn Minh Khang', '02/11/2026', 'Trần Thị Hoa',
    'Ngày hai tháng mười một năm hai nghìn không trăm hai mươi sáu', 'Quyển số', 'Ngô Quyền, ngày',
    'TM. ỦY BAN NHÂN DÂN', 'KT. CHỦ TỊCH', 'PHÓ CHỦ TỊCH']) {
    if (!text.includes(want)) fail(`the birth certificate lacks «${want}»:\n${text}`);
  }
  if (/\b2026-11-02\b/.test(text) || text.includes('Số điện thoại')) fail('the birth certificate prints the application, not the certificate');
  await page.click('ul.documents a[href^="/verify/"]');
  await page.waitForURL(/\/verify\/[0-9a-f-]{36}$/);
  if (!(await page.textContent('main')).includes('Còn hiệu lực')) fail('the verification page does not say the result is valid');
  await check('verify-document');
  await page.setInputFiles('#file', pdfPath);
  await page.click('form[enctype="multipart/form-data"] button[type=submit]');
  await page.waitForSelector('[role=status]');
  if (!(await page.textContent('[role=status]')).includes('bản gốc, nguyên vẹn')) fail(`the downloaded result is not confirmed genuine: ${await page.textContent('[role=status]')}`);
  await check('verify-checked');
  await page.goto(`${base}/my/documents`);
  if (!(await page.textContent('main')).includes('/KQ-H31.11341')) fail('the result is not in the citizen\'s warehouse');
  await check('my-documents');
  // What was sent to the applicant is listed on the dossier page (the worker in `serve` sent it).
  await page.goto(`${base}/my/${code}`);
  if (!(await page.textContent('table.sent')).includes('Đã gửi')) fail('the dossier page lists no message sent');
  // The applicant chooses how to be told.
  await page.goto(`${base}/my/settings`);
  await page.fill('#email', 'an.nguyen@example.vn');
  await page.uncheck('input[name=sms_on]');
  await page.click('form[action="/my/settings"] button[type=submit]');
  await page.waitForURL(/saved=1/);
  await check('notification-settings');
  // The virtual assistant, without JavaScript's help: a plain form and an answer with a link.
  await page.goto(`${base}/tro-ly`);
  await page.fill('input[name=q]', 'lam giay khai sinh cho con can gi');
  await page.press('input[name=q]', 'Enter');
  await page.waitForURL(/tro-ly\?q=/);
  if (!(await page.content()).includes('/procedures/1.001193')) fail('the assistant does not point to birth registration');
  await check('assistant');
  // A fee-bearing application (criminal record certificate): the fee is computed from the form,
  // paid at the sandbox bank before submitting, and an electronic receipt is issued.
  await page.goto(`${base}/apply/3.000333`);
  await page.click('form[action="/apply/3.000333"] button[type=submit]');
  await page.waitForURL(/\/my\/NHAP-[A-Z0-9]+\/form/);
  const feeDraft = page.url().match(/\/my\/(NHAP-[A-Z0-9]+)\/form/)[1];
  await fillForm(page, {
    ho_ten: 'Nguyễn Văn An', ngay_sinh: '1985-03-12', so_dinh_danh: '031085012345', noi_sinh: 'Hải Phòng',
    quoc_tich: 'Việt Nam', dan_toc: 'Kinh', qua_trinh_cu_tru: 'Từ 1985 đến nay: Phường Ngô Quyền, Hải Phòng',
    muc_dich: 'Bổ sung hồ sơ xin việc', so_luong: '3', so_dien_thoai: '0912345678', gioi_tinh: 'nam',
    loai_phieu: 'so_1', doi_tuong_nop_phi: 'thong_thuong', nhan_ket_qua: 'vneid',
    'noi_thuong_tru.commune': '11341', 'noi_thuong_tru.street': 'Số 15 Lạch Tray',
  }, { keep: ['ho_ten', 'ngay_sinh', 'so_dinh_danh', 'noi_thuong_tru.commune', 'noi_thuong_tru.street'] });
  // Online, the identity paper and residence come from the state's data: nothing to upload.
  await page.goto(`${base}/my/${feeDraft}/check`);
  // Three certificates: 200.000 đ plus 5.000 đ for the third.
  if (!(await page.textContent('table.fees')).includes('205.000\u00a0đ')) fail('the check page does not show the computed fee');
  await check('check-fees');
  await page.click(`form[action="/my/${feeDraft}/pay"] button[type=submit]`);
  await page.waitForURL(/\/sim\/vnpay\/paymentv2\/vpcpay\.html/);
  await check('sandbox-bank');
  await page.click('button[name=outcome][value="00"]');
  await page.waitForURL(/\/payments\/vnpay\/return/);
  for (let i = 0; i < 20 && !(await page.textContent('main')).includes('Thanh toán thành công'); i++) {
    await page.waitForTimeout(250);
    await page.reload();
  }
  if (!(await page.textContent('main')).includes('Thanh toán thành công')) fail('the payment is not confirmed');
  await check('payment-return');
  await page.goto(`${base}/my/${feeDraft}/check`);
  await page.click('form[action$="/submit"] button[type=submit]');
  await page.waitForURL(/\/my\/H31[.0-9A-Z]*-\d{6}-\d{4}\/done$/);
  const feeCode = page.url().match(/\/my\/([^/]+)\/done$/)[1];
  let receiptHref = null;
  for (let i = 0; i < 40 && !receiptHref; i++) {
    await page.goto(`${base}/my/${feeCode}`);
    receiptHref = await page.getAttribute('ul.documents a[href*="/attachments/"]', 'href').catch(() => null);
    if (!receiptHref) await page.waitForTimeout(250);
  }
  if (!receiptHref) fail('no electronic receipt on the dossier page');
  const receipt = await page.request.get(base + receiptHref);
  const receiptBytes = await receipt.body();
  if (receipt.status() !== 200 || receiptBytes.subarray(0, 4).toString() !== '%PDF') fail('the receipt does not download as a PDF');
  await check('dossier-with-receipt');

  // Counter intake: a walk-in applicant, two paper documents scanned, the fee collected.
  page = dpage;
  await page.goto(`${base}/staff/intake`);
  await check('staff-intake');
  await page.selectOption('#procedure', '1.004194');
  await page.fill('#citizen_id', '031085012345');
  await page.click('button[name=lookup]');
  await page.waitForLoadState();
  if ((await page.inputValue('#full_name')) !== 'Nguyễn Văn An') fail('the look-up did not fill the name');
  if ((await page.inputValue('#procedure')) !== '1.004194') fail('the look-up lost the procedure');
  await page.click('form[action="/staff/intake"] > p > button:not([name])');
  await page.waitForURL(/\/staff\/intake\/NHAP-[A-Z0-9]+\/form$/);
  if ((await page.inputValue('#f-ho_ten')) !== 'Nguyễn Văn An') fail('the counter form is not prefilled');
  await check('staff-intake-form');
  await page.fill('#f-ngay_sinh', '1985-03-12');
  await page.selectOption('select[name=gioi_tinh]', 'nam');
  await page.fill('#f-ho_ten_chu_ho', 'Trần Văn Bình');
  await page.selectOption('select[name=quan_he_chu_ho]', 'chu_ho');
  await page.fill('#f-so_dinh_danh_chu_ho', '031190004567');
  await page.fill('#f-noi_dung_de_nghi', 'Đăng ký tạm trú tại nhà thuê');
  await page.selectOption('select[name="dia_chi_tam_tru.commune"]', '11341');
  await page.fill('#dia_chi_tam_tru-street', 'Số 20 Lê Lợi');
  // A temporary residence ends within two years of today (the catalogue's range for the field).
  const inAYear = new Date(Date.now() + 365 * 24 * 3600 * 1000).toISOString().slice(0, 10);
  await page.fill('#f-thoi_han_tam_tru', inAYear);
  await page.click('form[action$="/form"] > button[type=submit]');
  await page.waitForURL(/\/files$/);
  await check('staff-intake-files');
  for (const c of ['van_ban_de_nghi_danh_sach', 'giay_gioi_thieu_don_vi']) {
    await page.setInputFiles(`#file-${c}`, new URL('../docs/examples/sample.pdf', import.meta.url).pathname);
    await page.click(`#c-${c} form button[type=submit]`);
    await page.waitForURL(new RegExp(`/files#c-${c}$`));
  }
  await page.click('a.button[href$="/check"]');
  await page.waitForURL(/\/check$/);
  await check('staff-intake-check');
  await page.check('input[name=fee][value="cash"]');
  await page.click('form[action$="/submit"] button[type=submit]');
  await page.waitForURL(/\/staff\/dossiers\/H31\.11341-\d{6}-\d{4}$/);
  const counterCode = page.url().split('/').pop();
  const main = await page.textContent('main');
  if (!main.includes('Thu phí, lệ phí') || (main.match(/scan\.pdf|sample\.pdf/g) ?? []).length < 2) fail('the counter dossier lacks its fee or its two scans');
  await check('staff-counter-dossier');
  // The agency administrator's staff page.
  page = await signIn('admin@H31.11341');
  await page.goto(`${base}/staff/admin`);
  if (!(await page.textContent('main')).includes('officer@H31.11341')) fail('the admin page does not list the staff');
  await check('staff-admin');
  // The administrator names the specialist who takes birth registrations by default and closes
  // the commune's counters to paper on Thursdays.
  await page.goto(`${base}/staff/admin?agency=H31.11341&procedure=1.001193`);
  if ((await page.inputValue('#wf-appraisal')) === '') fail('the workflow form is not prefilled');
  await page.check('input[name=assignee][value="specialist@H31.11341"]');
  await page.click('form[action$="/workflow"] button[type=submit]');
  await page.waitForURL(/done=workflow/);
  if (!(await page.textContent('table.steps')).includes('specialist@H31.11341')) fail('the default specialist is not listed');
  await page.check('#pl-thu');
  await page.click('form[action$="/paperless"] button[type=submit]');
  await page.waitForURL(/done=paperless/);
  if (!(await page.isChecked('#pl-thu'))) fail('the paperless day was not kept');
  await check('staff-admin-workflow');
  // Feedback (phản ánh, kiến nghị): sent without signing in, answered by the commune, published.
  const visitor = await (await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, bypassCSP: true })).newPage();
  page = visitor;
  await page.goto(`${base}/phan-anh`);
  await check('feedback-form');
  await page.check('#kind-recommendation');
  await page.fill('#content', 'Đề nghị bố trí thêm chỗ ngồi chờ tại bộ phận một cửa phường vào buổi sáng thứ Hai.');
  await page.selectOption('#agency', 'H31.11341');
  await page.fill('#email', 'binh.tran@example.vn');
  await page.click('form[action="/phan-anh"] button[type=submit]');
  await page.waitForURL(/\/phan-anh\/PAKN-\d{6}-\d{4}/);
  const pakn = page.url().match(/\/phan-anh\/(PAKN-\d{6}-\d{4})/)[1];
  await check('feedback-sent');
  page = await signIn('officer@H31.11341');
  await page.goto(`${base}/staff/feedback`);
  if (!(await page.textContent('main')).includes(pakn)) fail('the commune does not see the feedback sent to it');
  await check('staff-feedback');
  await page.goto(`${base}/staff/feedback/${pakn}`);
  await page.fill('#answer', 'Từ tuần sau bộ phận một cửa bố trí thêm 10 ghế chờ vào sáng thứ Hai. Cảm ơn ý kiến của bạn.');
  await page.click('form:has(input[value=answer]) button[type=submit]');
  await page.waitForURL(`${base}/staff/feedback/${pakn}`);
  await check('staff-feedback-item');
  page = await signIn('leader@H31.11341');
  await page.goto(`${base}/staff/feedback/${pakn}`);
  await page.click('form:has(input[value=publish]) button[type=submit]');
  await page.waitForURL(`${base}/staff/feedback/${pakn}`);
  page = visitor;
  await page.goto(`${base}/phan-anh`);
  if (!(await page.textContent('main')).includes('10 ghế chờ')) fail('the published answer is not on /phan-anh');
  await check('feedback-published');
  // Assisted submission: the community digital team applies for Trần Thị Bình at her home; she
  // consents with the code texted to her registered phone.
  page = await signIn('digital_team@H31.11341');
  await page.click('a.button[href="/staff/assist"]');
  await page.waitForURL(`${base}/staff/assist`);
  await check('staff-assist');
  await page.fill('#citizen_id', '031190004567');
  await page.selectOption('#procedure', '1.001193');
  await page.click('form[action="/staff/assist"] button[type=submit]');
  await page.waitForURL(/\/staff\/consent\/[0-9a-f-]+$/);
  await check('staff-consent');
  let consentCode;
  for (let i = 0; i < 40 && !consentCode; i++) {
    const inbox = await (await fetch(`${base}/sim/sms/0983456712?format=json`)).json();
    const last = inbox.filter(m => m.text.startsWith('Ma xac nhan ')).pop();
    consentCode = last && last.text.slice('Ma xac nhan '.length, 'Ma xac nhan '.length + 6);
    if (!consentCode) await new Promise(r => setTimeout(r, 500));
  }
  if (!consentCode) fail('no consent code reached the citizen\'s phone');
  await page.fill('#code', consentCode);
  await page.click('form[action^="/staff/consent/"] button[type=submit]');
  await page.waitForURL(/\/staff\/assist\/NHAP-[A-Z0-9]+\/form$/);
  if ((await page.inputValue('#f-ho_ten_nguoi_yeu_cau')) !== 'Trần Thị Bình') fail('the assisted form is not prefilled for the citizen');
  await fillForm(page, {
    quan_he: 'me', ho_ten_tre: 'Nguyễn Minh Châu', ngay_sinh: '2026-11-20',
    gioi_tinh: 'nu', dan_toc: 'Kinh', quoc_tich: 'Việt Nam', noi_sinh: 'Bệnh viện Phụ sản Hải Phòng',
    que_quan: 'Hải Phòng', de_nghi_cap_ban_sao: 'khong',
  });
  await page.waitForURL(/\/staff\/assist\/NHAP-[A-Z0-9]+\/files$/);
  await check('staff-assist-files');
  await page.setInputFiles('#file-giay_chung_sinh', new URL('../docs/examples/sample.pdf', import.meta.url).pathname);
  await page.click('#c-giay_chung_sinh form button[type=submit]');
  await page.waitForURL(/\/files#c-giay_chung_sinh$/);
  await page.click('a.button[href$="/check"]');
  await page.waitForURL(/\/staff\/assist\/NHAP-[A-Z0-9]+\/check$/);
  await page.click('form[action$="/submit"] button[type=submit]');
  await page.waitForURL(/\/staff\/assist\?submitted=H31\.\d{5}-\d{6}-\d{4}$/);
  const assisted = new URL(page.url()).searchParams.get('submitted');
  if (!(await page.textContent('main')).includes(assisted)) fail('the helper is not told the dossier code');
  await check('staff-assist-done');
  // Submitted: the helper has no access to it any more.
  const gone = await page.goto(`${base}/staff/assist/${assisted}/form`);
  if (gone.status() !== 404) fail(`the helper still reaches the submitted dossier (${gone.status()})`);
  // The operator's delivery queue.
  page = await signIn('admin@H31');
  await page.goto(`${base}/staff/outbox`);
  await check('staff-outbox');
  // The national databases' health: the citizen's application above read three of them.
  await page.goto(`${base}/staff/connectors`);
  const health = await page.textContent('main');
  if (!/\d+ trên 18 cơ sở dữ liệu đã kết nối/.test(health)) fail('the connectors page has no "N of 18"');
  if (!health.includes('Đang kết nối')) fail('no connector reported connected after an application read them');
  await check('staff-connectors');
  // The quality indicators of the province, with the drill-down to the dossiers of a figure.
  await page.goto(`${base}/staff/indicators?agency=H31`);
  if (!(await page.textContent('main')).includes('Hồ sơ giải quyết trước hạn, đúng hạn')) fail('the dashboard has no on-time figure');
  await check('staff-indicators');
  await page.click('a[href^="/staff/indicators/2.1?"]');
  await page.waitForURL(/\/staff\/indicators\/2\.1\?/);
  await check('staff-indicator-dossiers');
  // The portal's own quality, from what the server recorded of this very journey.
  await page.goto(`${base}/staff/quality`);
  if (!(await page.textContent('main')).includes('GET /my/{code}/form')) fail('the quality page does not count the apply pages');
  await check('staff-quality');
  // The public statistics, charts drawn on the server, in both languages.
  await page.goto(`${base}/thong-ke`);
  if ((await page.locator('svg.chart').count()) !== 4) fail('the statistics page does not draw its four charts');
  await check('statistics');
  await page.goto(`${base}/thong-ke?lang=en`);
  if (!(await page.textContent('main')).includes('Dossiers handled early or on time')) fail('the statistics page is not in English');
  await check('statistics-en');
  // A death registration worked through the API to its result: the death extract follows the
  // statutory paper (the deceased, the death, the registration, dd/mm/yyyy), never the form.
  {
    const citizenApi = officerPage.request;
    const ok = async (r, what) => { if (!r.ok()) fail(`${what}: ${r.status()} ${await r.text()}`); return r.json(); };
    const draft = (await ok(await citizenApi.post(`${base}/api/v1/dossiers`, { data: { procedure: '1.000656' } }), 'death draft')).code;
    await ok(await citizenApi.put(`${base}/api/v1/dossiers/${draft}/form`, { data: {
      ho_ten_nguoi_chet: 'Nguyễn Văn Bình', so_dinh_danh_nguoi_chet: '031050001111', ngay_sinh_nguoi_chet: '1950-03-04',
      gioi_tinh: 'nam', dan_toc: 'Kinh', quoc_tich: 'Việt Nam',
      noi_cu_tru_cuoi_cung: { commune: '11341', street: 'Số 15 Lạch Tray' },
      thoi_diem_chet: '2026-11-20', noi_chet: 'Bệnh viện Việt Tiệp', nguyen_nhan_chet: 'Bệnh già',
      giay_bao_tu_so: 'Số 15/BT, ngày 20/11/2026, Bệnh viện Việt Tiệp',
      quan_he: 'con', so_dien_thoai: '0912345678', ho_ten_nguoi_yeu_cau: 'Nguyễn Văn An',
      so_dinh_danh_nguoi_yeu_cau: '031085012345', noi_cu_tru_nguoi_yeu_cau: { commune: '11341', street: 'Số 15 Lạch Tray' },
    } }), 'death form');
    await ok(await citizenApi.post(`${base}/api/v1/dossiers/${draft}/attachments`, { multipart: {
      component: 'giay_bao_tu',
      file: { name: 'giay-bao-tu.pdf', mimeType: 'application/pdf', buffer: readFileSync(new URL('../docs/examples/sample.pdf', import.meta.url)) },
    } }), 'death notice upload');
    const death = (await ok(await citizenApi.post(`${base}/api/v1/dossiers/${draft}/submit`), 'death submit')).code;
    // The people of the back office above, each in their own signed-in browser.
    for (const [who, body] of [[staff.request, { action: 'receive' }],
      [leader.request, { action: 'assign', assignee: 'specialist@H31.11341' }],
      [specialist.request, { action: 'forward', opinion: 'Đủ điều kiện đăng ký khai tử', proposal: 'Đề nghị đăng ký khai tử' }],
      [leader.request, { action: 'approve' }], [clerk.request, { action: 'issue_result', decision: 'Đăng ký khai tử' }],
      [staff.request, { action: 'return_result', delivery: 'online' }]]) {
      await ok(await who.post(`${base}/api/v1/dossiers/${death}/actions`, { data: body }), `death ${body.action}`);
    }
    const issued = await ok(await citizenApi.get(`${base}/api/v1/dossiers/${death}`), 'death dossier');
    const result = issued.documents.find(d => d.kind === 'result');
    if (!result) fail(`no result among ${JSON.stringify(issued.documents)}`);
    const extractPath = `${tmpdir()}/motcua-e2e-death-${process.pid}.pdf`;
    writeFileSync(extractPath, await (await citizenApi.get(base + result.url)).body());
    const extract = execFileSync('pdftotext', [extractPath, '-'], { encoding: 'utf8' }).replace(/\s+/g, ' ');
    // poppler reads the facts' labels and values as two columns.
    for (const want of ['TRÍCH LỤC KHAI TỬ', 'Người đã chết', 'Nguyễn Văn Bình', '04/03/1950', 'Đã chết vào ngày',
      '20/11/2026', 'Bệnh viện Việt Tiệp', 'Người đi khai tử', 'Nguyễn Văn An (Con)', 'Quyển số', 'PHÓ CHỦ TỊCH']) {
      if (!extract.includes(want)) fail(`the death extract lacks «${want}»:\n${extract}`);
    }
    if (/\b2026-11-20\b/.test(extract) || extract.includes('Số điện thoại')) fail('the death extract prints the application');
  }
  // An interconnected group applied for in the browser (Decree 63/2024): one form, one payment,
  // one page following the birth registration at the commune, then the permanent residence at the
  // commune police and the health insurance card at social insurance, which start by themselves
  // once the birth certificate is issued; each worked by its own agency's staff.
  {
    page = officerPage;
    await page.goto(`${base}/apply/3.000722`);
    await page.click('form[action="/apply/3.000722"] button[type=submit]');
    await page.waitForURL(/\/my\/NHAP-[A-Z0-9]+\/form/);
    const groupDraft = page.url().match(/\/my\/(NHAP-[A-Z0-9]+)\/form/)[1];
    await fillForm(page, {
      ho_ten_tre: 'Nguyễn Gia Hân', ngay_sinh: '2026-11-25', gioi_tinh: 'nu', dan_toc: 'Kinh',
      quoc_tich: 'Việt Nam', noi_sinh: 'Bệnh viện Phụ sản Hải Phòng', que_quan: 'Hải Phòng',
      so_giay_chung_sinh: 'GCS-2026-208', ho_ten_me: 'Trần Thị Hoa', ho_ten_cha: 'Nguyễn Văn An',
      nguoi_yeu_cau_quan_he: 'cha', noi_dang_ky_thuong_tru: 'theo_cha',
      'dia_chi_thuong_tru.commune': '11341', 'dia_chi_thuong_tru.street': 'Số 15 Lạch Tray',
      ho_ten_chu_ho: 'Nguyễn Văn An', so_dinh_danh_chu_ho: '031085012345', quan_he_chu_ho: 'con',
      loai_cho_o: 'so_huu', noi_kcb_ban_dau: 'Trạm y tế phường Ngô Quyền',
      de_nghi_cap_the_can_cuoc: 'khong', de_nghi_cap_ban_sao: 'khong', nhan_ket_qua: 'truc_tiep',
      so_dien_thoai: '0912345678',
    }, { keep: ['ho_ten_me', 'ho_ten_cha', 'noi_sinh', 'so_giay_chung_sinh', 'dia_chi_thuong_tru.commune',
      'dia_chi_thuong_tru.street', 'ho_ten_chu_ho', 'so_dien_thoai'] });
    for (const key of ['to_khai_dien_tu', 'giay_chung_sinh_dien_tu']) {
      if (await page.locator(`#file-${key}`).count() !== 1) continue;
      await page.setInputFiles(`#file-${key}`, new URL('../docs/examples/sample.pdf', import.meta.url).pathname);
      await page.click(`#c-${key} form button[type=submit]`);
      await page.waitForURL(new RegExp(`/files#c-${key}$`));
    }
    await page.goto(`${base}/my/${groupDraft}/check`);
    await page.click(`form[action="/my/${groupDraft}/pay"] button[type=submit]`);
    await page.waitForURL(/\/sim\/vnpay\/paymentv2\/vpcpay\.html/);
    await page.click('button[name=outcome][value="00"]');
    await page.waitForURL(/\/payments\/vnpay\/return/);
    for (let i = 0; i < 20 && !(await page.textContent('main')).includes('Thanh toán thành công'); i++) {
      await page.waitForTimeout(250);
      await page.reload();
    }
    await page.goto(`${base}/my/${groupDraft}/check`);
    await page.click('form[action$="/submit"] button[type=submit]');
    await page.waitForURL(/\/my\/H31[.0-9A-Z]*-\d{6}-\d{4}\/done$/);
    const groupCode = page.url().match(/\/my\/([^/]+)\/done$/)[1];
    await page.goto(`${base}/my/${groupCode}`);
    if (await page.locator('table.members tbody tr').count() !== 3) fail('the group page does not list its three members');
    if (!(await page.textContent('table.members')).includes('Chờ kết quả của thủ tục trước')) fail('the waiting members are not said to wait');
    await check('group-dossier');
    const ok = async (r, what) => { if (!r.ok()) fail(`${what}: ${r.status()} ${await r.text()}`); return r.json(); };
    const members = async () => (await ok(await page.request.get(`${base}/api/v1/dossiers/${groupCode}`), 'group')).members;
    const codeOf = async procedure => (await members()).find(m => m.procedure === procedure).code;
    const work = async (people, memberCode, what) => {
      const [officer, leaderR, specialistR, clerkR] = people;
      for (const [who, body] of [[officer, { action: 'receive' }],
        [leaderR, { action: 'assign', assignee: people.specialist }],
        [specialistR, { action: 'forward', opinion: 'Đủ điều kiện', proposal: 'Đề nghị phê duyệt' }],
        [leaderR, { action: 'approve' }], [clerkR, { action: 'issue_result', decision: 'Phê duyệt' }],
        [officer, { action: 'return_result', delivery: 'online' }]]) {
        await ok(await who.post(`${base}/api/v1/dossiers/${memberCode}/actions`, { data: body }), `${what} ${body.action}`);
      }
    };
    const commune = [staff.request, leader.request, specialist.request, clerk.request];
    commune.specialist = 'specialist@H31.11341';
    await work(commune, await codeOf('1.001193'), 'birth member');
    const started = await members();
    for (const m of started) if (m.state !== 'started') fail(`${m.procedure} did not start after the birth certificate: ${m.state}`);
    // The population database gave the girl her personal ID when her birth was registered (Hải
    // Phòng 031, a girl of the 2000s 3, born in 2026): the residence member carries it.
    const residence = await ok(await page.request.get(`${base}/api/v1/dossiers/${await codeOf('1.004222')}`), 'residence member');
    if (!/^031326\d{6}$/.test(residence.form.so_dinh_danh || '')) fail(`the residence member lacks the child's personal ID: ${JSON.stringify(residence.form)}`);
    for (const [agency, procedure] of [['H31.11341.CA', '1.004222'], ['H31.06', '9.900002']]) {
      const people = [];
      for (const role of ['officer', 'leader', 'specialist', 'clerk']) people.push((await signIn(`${role}@${agency}`)).request);
      people.specialist = `specialist@${agency}`;
      await work(people, await codeOf(procedure), procedure);
    }
    // The police's result is the residence notice (form CT08) for the child, not the application.
    {
      const d = await ok(await page.request.get(`${base}/api/v1/dossiers/${await codeOf('1.004222')}`), 'residence member');
      const result = d.documents.find(x => x.kind === 'result');
      if (!result) fail(`the residence member has no result: ${JSON.stringify(d.documents)}`);
      const notePath = `${tmpdir()}/motcua-e2e-ct08-${process.pid}.pdf`;
      writeFileSync(notePath, await (await page.request.get(base + result.url)).body());
      const noteText = execFileSync('pdftotext', [notePath, '-'], { encoding: 'utf8' }).replace(/\s+/g, ' ');
      for (const want of ['THÔNG BÁO', 'Về kết quả giải quyết thủ tục về cư trú', 'đã đăng ký thường trú cho công dân',
        'Nguyễn Gia Hân', '25/11/2026', d.form.so_dinh_danh, 'Số 15 Lạch Tray']) {
        if (!noteText.includes(want)) fail(`the residence notice lacks «${want}»:\n${noteText}`);
      }
      if (noteText.includes('Số điện thoại') || noteText.includes('2026-11-25')) fail(`the residence notice prints the application:\n${noteText}`);
    }
    await page.goto(`${base}/my/${groupCode}`);
    if (!(await page.textContent('main')).includes('Đã trả kết quả')) fail('the group is not returned once every member is');
    await check('group-done');
    await page.goto(`${base}/my/documents`);
    const docs = await page.textContent('main');
    for (const m of await members()) if (!docs.includes(m.code)) fail(`the warehouse lacks the result of ${m.code}`);
  }
  // An applicant who reads only English applies for a birth registration: every label, hint,
  // option, component, fee and message of the journey is English, and a mistake is explained in
  // English where it is made.
  {
    const en = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, bypassCSP: true });
    page = await en.newPage();
    await page.goto(`${base}/procedures/1.001193?lang=en`);
    await englishOnly(page, 'procedure');
    await check('procedure-en');
    await page.click('a.button[href="/apply/1.001193"]');
    await page.waitForURL(/\/sim\/idp\/authorize/);
    await page.click('button[name=pick][value="031195008822"]');
    await page.waitForURL(/\/apply\/1\.001193/);
    await englishOnly(page, 'apply-start');
    await page.click('form[action="/apply/1.001193"] button[type=submit]');
    await page.waitForURL(/\/my\/NHAP-[A-Z0-9]+\/form/);
    await englishOnly(page, 'form part 1');
    // A birth in the future is refused on its own part, in English.
    let mistake = true;
    await fillForm(page, {
      quan_he: 'me', ho_ten_tre: 'Lê Minh Anh', ngay_sinh: '2999-01-01',
      gioi_tinh: 'nu', dan_toc: 'Kinh', noi_sinh: 'Bệnh viện Phụ sản Hải Phòng',
      que_quan: 'Hải Phòng', de_nghi_cap_ban_sao: 'khong',
      ho_ten_me: 'Lê Thị Dung', nam_sinh_me: '1995', dan_toc_me: 'Kinh',
    }, {
      keep: ['ho_ten_me', 'nam_sinh_me', 'dan_toc_me'],
      onPart: async n => {
        await englishOnly(page, `form part ${n + 1}`);
        if (n !== 1 || !mistake) return;
        mistake = false;
        await page.click('form[action$="/form"] > button[type=submit]');
        await page.waitForLoadState('load');
        const summary = await page.textContent('.error-summary');
        if (!summary.includes('cannot be after today')) fail(`the future birth date is not explained in English: ${summary}`);
        await englishOnly(page, 'form part 2 with its error');
        await check('apply-form-error-en');
        await page.fill('[name="ngay_sinh"]', '2026-11-25');
      },
    });
    await englishOnly(page, 'documents');
    await check('apply-files-en');
    await page.setInputFiles('#file-giay_chung_sinh', new URL('../docs/examples/sample.pdf', import.meta.url).pathname);
    await page.click('#c-giay_chung_sinh form button[type=submit]');
    await page.waitForURL(/\/files#c-giay_chung_sinh$/);
    await page.click('a.button[href$="/check"]');
    await page.waitForURL(/\/check$/);
    await englishOnly(page, 'check answers');
    const answers = await page.textContent('main');
    for (const label of ['Relationship to the child', 'Date of birth', 'Mother', 'Female']) {
      if (!answers.includes(label)) fail(`the English check page does not say "${label}"`);
    }
    await check('check-answers-en');
    await page.click('form[action$="/submit"] button[type=submit]');
    await page.waitForURL(/\/my\/H31\.\d{5}-\d{6}-\d{4}\/done$/);
    await englishOnly(page, 'confirmation');
    const enCode = page.url().match(/\/my\/([^/]+)\/done$/)[1];
    await page.goto(`${base}/my/${enCode}`);
    await englishOnly(page, 'dossier');
    await check('dossier-detail-en');
    // The API speaks the same language when asked.
    const api = await en.request.get(`${base}/api/v1/procedures/1.001193`, { headers: { 'accept-language': 'en-GB,en;q=0.9' } });
    const body = await api.json();
    if (api.headers()['content-language'] !== 'en') fail('the procedure API does not say its texts are English');
    if (body.form.fields.find(f => f.key === 'gioi_tinh').options[1].label !== 'Female') fail('the procedure API gives Vietnamese options to an English reader');
    await en.close();
    page = officerPage;
  }
  console.log(JSON.stringify({ counter: counterCode }));
  page = officerPage;
  console.log(JSON.stringify({ code, draft: draftUrl, axe: report }, null, 1));
  console.log(`e2e: ${report.length} pages checked, 0 serious or critical accessibility violations`);
} catch (e) {
  console.error('e2e failed:', e.message);
  if (shots) await page.screenshot({ path: `${shots}/failure.png`, fullPage: true }).catch(() => {});
  console.error(JSON.stringify(report, null, 1));
  process.exitCode = 1;
} finally {
  await browser.close();
}
