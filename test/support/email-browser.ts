/// <reference lib="dom" />
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';

/** Debian's Chromium, installed by scripts/setup-chromium.sh (the test set-up runs it). */
export const CHROMIUM = '/usr/bin/chromium';

/** Where the screenshots go: ignored by git, kept by CI as the run's artifacts. */
export const SCREENSHOTS = join('test-results', 'screenshots');

/** The two widths a report is read at: a desktop mail client's pane, and a phone. */
export const WIDTHS = [680, 375] as const;
export const SCHEMES = ['light', 'dark'] as const;
export type Scheme = (typeof SCHEMES)[number];

export interface EmailBrowser {
  /** Lays out one email at a width and colour scheme, checks it, and writes its screenshot. */
  check(html: string, view: { width: number; scheme: Scheme; screenshot: string }): Promise<LayoutReport>;
  close(): Promise<void>;
}

/** What a reader would see wrong, measured in the laid-out page. */
export interface LayoutReport {
  /** Bottom edge of the headline block, in CSS px from the top of the page; null when there is none. */
  readonly headlineBottom: number | null;
  /** Text that runs outside its box, or a box outside its parent: "<tag> «text» 12px past". */
  readonly overflows: readonly string[];
  /**
   * Words wrapped into single characters, a column of them, a Latin word or number split across
   * lines, or one character of a longer Chinese word alone on a line ("小程序日/报").
   */
  readonly brokenWords: readonly string[];
  /** How far the page scrolls sideways (0 when it fits the width). */
  readonly horizontalScroll: number;
  /** Computed colours: the top bar, the status words, and the text colour of the body. */
  readonly colours: { readonly bar: string; readonly status: readonly string[]; readonly text: string };
}

/**
 * One headless Chromium for every page of a run (launching is the slow part). Flags keep it from
 * reaching the network or updating itself; a fresh profile every time.
 */
export async function launchEmailBrowser(): Promise<EmailBrowser> {
  const profile = await mkdtemp(join(tmpdir(), 'wxa-chromium-'));
  const browser: Browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      `--user-data-dir=${profile}`,
    ],
  });
  const page: Page = await browser.newPage();
  // An email has no business fetching anything: every request but the page itself is refused.
  await page.setRequestInterception(true);
  page.on('request', (request) => void (request.url().startsWith('data:') ? request.continue() : request.abort()));
  await mkdir(SCREENSHOTS, { recursive: true });
  return {
    async check(html, view) {
      await page.setViewport({ width: view.width, height: 900 });
      await page.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: view.scheme }]);
      await page.setContent(html, { waitUntil: 'load' });
      // Sent as source: a transpiler's helpers (tsx names functions with `__name`) do not exist in the page.
      const report = (await page.evaluate(
        `(() => { const __name = (f) => f; return (${measureLayout.toString()})(); })()`,
      )) as LayoutReport;
      await page.screenshot({ path: join(SCREENSHOTS, view.screenshot) as `${string}.png`, fullPage: true });
      return report;
    },
    async close() {
      await browser.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/**
 * Runs inside the page. Boxes are block-level elements and table cells; a "line" is a distinct
 * vertical position of a character's box. Checks:
 * - overflow: a text run past its box's edges, or a visible box past its parent's;
 * - broken words: a box whose text stands one character per line (a column), a Latin word or number
 *   split across lines, and in a table column a Chinese word (by the browser's own segmentation)
 *   split into pieces of one character each;
 * - sideways scroll of the whole page.
 */
function measureLayout(): LayoutReport {
  const isBox = (el: Element) =>
    ['block', 'table-cell', 'list-item', 'table', 'flow-root'].includes(getComputedStyle(el).display);
  const boxOf = (node: Node): Element | null => {
    let el = node.parentElement;
    while (el && !isBox(el)) el = el.parentElement;
    return el;
  };
  const visible = (r: DOMRect) => r.width > 0 && r.height > 0;
  const describe = (el: Element, text: string) => `<${el.tagName.toLowerCase()}> «${text.trim().slice(0, 40)}»`;
  const overflows: string[] = [];
  const brokenWords: string[] = [];
  const orphans: { box: Element; top: number; word: string; text: string }[] = [];
  const lang = document.documentElement.lang || 'zh-CN';
  const graphemes = new Intl.Segmenter(lang, { granularity: 'grapheme' });
  const words = new Intl.Segmenter(lang, { granularity: 'word' });
  const range = document.createRange();

  /** The lines (rounded tops) the characters of node[start, end) fall on, with how many on each. */
  const linesOf = (node: Node, start: number, text: string) => {
    const perLine = new Map<number, number>();
    for (const { segment, index } of graphemes.segment(text)) {
      if (!segment.trim()) continue;
      range.setStart(node, start + index);
      range.setEnd(node, start + index + segment.length);
      const r = range.getClientRects()[0];
      if (r) perLine.set(Math.round(r.top), (perLine.get(Math.round(r.top)) ?? 0) + 1);
    }
    return perLine;
  };

  /** Boxes that stick out of their parent box. */
  const checkBoxes = () => {
    for (const el of Array.from(document.body.querySelectorAll('*'))) {
      const parent = el.parentElement;
      if (!parent || !isBox(el)) continue;
      const r = el.getBoundingClientRect();
      const p = parent.getBoundingClientRect();
      if (!visible(r) || !visible(p)) continue;
      const past = Math.max(r.right - p.right, p.left - r.left);
      if (past > 1) overflows.push(`${describe(el, el.textContent ?? '')} ${Math.round(past)}px past its parent`);
    }
  };

  /** A text run past its box's content edges. */
  const checkOverflow = (node: Node, box: Element, text: string) => {
    range.selectNodeContents(node);
    const whole = range.getBoundingClientRect();
    const b = box.getBoundingClientRect();
    const style = getComputedStyle(box);
    const left = b.left + Number.parseFloat(style.paddingLeft) - 1;
    const right = b.right - Number.parseFloat(style.paddingRight) + 1;
    const past = Math.max(whole.right - right, left - whole.left);
    if (past > 0.5) overflows.push(`${describe(box, text)} ${Math.round(past)}px past its box`);
  };

  /**
   * A Latin word or a number never breaks. Chinese text wraps between any two characters, as it
   * should in a paragraph; in a table column a word must not end up one character a line ("失/败").
   */
  const checkWords = (node: Node, box: Element, text: string) => {
    const row = box.parentElement as HTMLTableRowElement | null;
    const inColumn = (box.tagName === 'TD' || box.tagName === 'TH') && (row?.cells?.length ?? 0) > 1;
    for (const { segment, index, isWordLike } of words.segment(text)) {
      const latin = /^[A-Za-z0-9][A-Za-z0-9.,%+:']*$/.test(segment);
      const han = inColumn && /^\p{Script=Han}{2,}$/u.test(segment);
      if (!isWordLike || !(latin || han)) continue;
      const pieces = linesOf(node, index, segment);
      if (pieces.size > 1 && (latin || [...pieces.values()].every((n) => n === 1)))
        brokenWords.push(`${describe(box, text)}: "${segment}" split across ${pieces.size} lines`);
    }
  };

  /** One character of a longer Chinese word on a line: an orphan if nothing else shares its line (checked at the end). */
  const findOrphans = (node: Node, box: Element, text: string) => {
    for (const { segment, index } of words.segment(text)) {
      if (!/^\p{Script=Han}{2,}$/u.test(segment)) continue;
      const pieces = linesOf(node, index, segment);
      if (pieces.size < 2) continue;
      for (const [top, n] of pieces) if (n === 1) orphans.push({ box, top, word: segment, text });
    }
  };
  const reportOrphans = (lines: Map<Element, Map<number, number>>) => {
    for (const { box, top, word, text } of orphans)
      if (lines.get(box)?.get(top) === 1)
        brokenWords.push(`${describe(box, text)}: one character of "${word}" alone on a line`);
  };

  checkBoxes();
  const lines = new Map<Element, Map<number, number>>();
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const text = node.textContent ?? '';
    const box = boxOf(node);
    if (!box || !text.trim()) continue;
    range.selectNodeContents(node);
    if (!visible(range.getBoundingClientRect())) continue; // the hidden preheader
    checkOverflow(node, box, text);
    checkWords(node, box, text);
    findOrphans(node, box, text);
    const perLine = lines.get(box) ?? new Map<number, number>();
    for (const [top, n] of linesOf(node, 0, text)) perLine.set(top, (perLine.get(top) ?? 0) + n);
    lines.set(box, perLine);
  }
  // A column: a box whose text stands one character per line.
  for (const [box, perLine] of lines) {
    const counts = [...perLine.values()];
    if (counts.length > 1 && counts.every((n) => n === 1))
      brokenWords.push(`${describe(box, box.textContent ?? '')}: one character per line (${counts.length} lines)`);
  }

  reportOrphans(lines);

  const headline = document.querySelector('.wxa-headline');
  const accent = document.querySelector('.wxa-accent');
  const text = document.querySelector('.wxa-card .wxa-text');
  return {
    headlineBottom: headline ? headline.getBoundingClientRect().bottom + window.scrollY : null,
    overflows,
    brokenWords,
    horizontalScroll: Math.max(0, document.documentElement.scrollWidth - window.innerWidth),
    colours: {
      bar: accent ? getComputedStyle(accent).borderTopColor : '',
      status: Array.from(document.querySelectorAll('.wxa-status'), (el) => getComputedStyle(el).color),
      text: text ? getComputedStyle(text).color : '',
    },
  };
}
