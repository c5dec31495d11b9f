// `npm run samples`: writes test/fixtures/samples/ (one file per channel and report, stale ones
// removed), then lays every email out in headless Chromium and writes the screenshots to
// test-results/screenshots/ (what the browser test checks).
import { execFileSync } from 'node:child_process';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { renderReportEmail } from '../lambda/notify/email-channel.js';
import { launchEmailBrowser, SCHEMES, SCREENSHOTS, WIDTHS } from '../test/support/email-browser.js';
import { renderSamples, SAMPLE_LOCALES, SAMPLE_MESSAGES } from '../test/support/render-samples.js';

const folder = join('test', 'fixtures', 'samples');
await mkdir(folder, { recursive: true });
const samples = renderSamples();
for (const stale of (await readdir(folder)).filter((name) => !samples.has(name))) await rm(join(folder, stale));
for (const [name, content] of samples) await writeFile(join(folder, name), content);
process.stdout.write(`wrote ${samples.size} samples to ${folder}\n`);

execFileSync('bash', ['scripts/setup-chromium.sh'], { stdio: 'inherit' });
const browser = await launchEmailBrowser();
let shots = 0;
try {
  for (const [name, make] of Object.entries(SAMPLE_MESSAGES)) {
    for (const locale of SAMPLE_LOCALES) {
      const { email } = renderReportEmail(make(), locale);
      for (const scheme of SCHEMES)
        for (const width of WIDTHS) {
          await browser.check(email.html, { width, scheme, screenshot: `${name}.${locale}.${scheme}.${width}.png` });
          shots += 1;
        }
    }
  }
} finally {
  await browser.close();
}
process.stdout.write(`wrote ${shots} screenshots to ${SCREENSHOTS}\n`);
