// The site's counter in a real headless Chromium against `cargo xtask local`:
// the counter shows a number, a reload settles on exactly one more visit, and
// a visit from a second page reaches the first one live, without a reload.
// Usage: node counter.test.mjs <site url> <screenshot.png>
import { chromium } from "playwright-core";

const [url, screenshot] = process.argv.slice(2);
if (!url || !screenshot) {
  console.error("usage: node counter.test.mjs <site url> <screenshot.png>");
  process.exit(2);
}
const executablePath = process.env.CHROMIUM || "/usr/bin/chromium";
const STABLE_MS = 4000;
const LIMIT_MS = 60000;

function check(condition, message) {
  if (!condition) throw new Error(message);
  console.log(`  ok  ${message}`);
}

async function total(page) {
  const text = (await page.textContent('[data-counter="total"]')) ?? "";
  return /^\d+$/.test(text.trim()) ? Number(text) : NaN;
}

async function loaded(page) {
  await page.waitForFunction(
    () => /^\d+$/.test(document.querySelector('[data-counter="total"]')?.textContent?.trim() ?? ""),
    null,
    { timeout: LIMIT_MS },
  );
}

// The total once it has stopped moving for STABLE_MS (a page's own visit
// arrives live a moment after the page first shows the counts).
async function settled(page) {
  const deadline = Date.now() + LIMIT_MS;
  let last = await total(page);
  let since = Date.now();
  while (Date.now() - since < STABLE_MS) {
    if (Date.now() > deadline) throw new Error(`the counter never settled (last ${last})`);
    await page.waitForTimeout(250);
    const now = await total(page);
    if (now !== last) {
      last = now;
      since = Date.now();
    }
  }
  return last;
}

const browser = await chromium.launch({
  executablePath,
  args: [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
});
// Headless Chromium says "HeadlessChrome" in its user agent, which the
// processor's bot list rightly counts as a bot, never a visitor. The test
// plays a person, so its pages send the user agent of the same Chromium
// with a window.
const userAgent = (await browser.newPage().then(async (p) => {
  const ua = await p.evaluate(() => navigator.userAgent);
  await p.close();
  return ua;
})).replace("HeadlessChrome", "Chrome");
let failed = false;
try {
  const page = await browser.newPage({ viewport: { width: 1100, height: 900 }, userAgent });
  // The site runs under its response headers policy (the CloudFront
  // stand-in applies it): anything the Content Security Policy blocks fails.
  const violations = [];
  page.on("console", (m) => {
    if (m.type() !== "error") return;
    console.log(`  page: ${m.text()}`);
    if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
  });
  const answer = await page.goto(url);
  await loaded(page);
  const headers = answer.headers();
  for (const name of ["content-security-policy", "strict-transport-security", "x-content-type-options", "x-frame-options", "referrer-policy"]) {
    check(Boolean(headers[name]), `the page is served with ${name} (${headers[name]})`);
  }
  check(/frame-ancestors 'none'/.test(headers["content-security-policy"] || ""), "the policy lets no one frame the page");
  const first = await settled(page);
  check(Number.isInteger(first) && first >= 1, `the counter shows a number (${first})`);
  for (const name of ["unique", "page"]) {
    const text = (await page.textContent(`[data-counter="${name}"]`)).trim();
    check(/^\d+$/.test(text), `data-counter="${name}" shows a number (${text})`);
  }

  await page.reload();
  await loaded(page);
  const second = await settled(page);
  check(second === first + 1, `a reload settles on exactly one more visit (${first} -> ${second})`);

  const pageViews = Number((await page.textContent('[data-counter="page"]')).trim());
  let asked = 0;
  page.on("request", (r) => {
    if (r.url().includes("/api/counts")) asked += 1;
  });
  const other = await browser.newPage({ userAgent });
  await other.goto(url);
  await loaded(other);
  await page.waitForFunction(
    ([total, views]) =>
      Number(document.querySelector('[data-counter="total"]').textContent) === total &&
      Number(document.querySelector('[data-counter="page"]').textContent) === views,
    [second + 1, pageViews + 1],
    { timeout: LIMIT_MS },
  );
  check(true, `a second page's visit reaches the first page live (${second} -> ${second + 1}, this page ${pageViews} -> ${pageViews + 1})`);
  check(asked === 0, `the live update needed no counts API request (${asked} made)`);
  await other.close();

  await page.screenshot({ path: screenshot, fullPage: true });
  const phone = await browser.newPage({ viewport: { width: 390, height: 844 }, isMobile: true, userAgent });
  await phone.goto(url);
  await loaded(phone);
  await phone.screenshot({ path: screenshot.replace(/\.png$/, "-phone.png"), fullPage: true });
  console.log(`  screenshots: ${screenshot}`);
  check(violations.length === 0, `nothing broke the Content Security Policy (${violations.length} violations)`);
} catch (error) {
  failed = true;
  console.error(`  FAILED: ${error.message}`);
} finally {
  await browser.close();
}
process.exit(failed ? 1 : 0);
