import { digestMessages } from '../../report/digest-i18n.js';
import {
  type DigestAppLine,
  type DigestProblem,
  type DigestReport,
  groupsProblems,
  problemGroups,
} from '../../report/digest-report.js';
import { direction, formatChangeWithArrow, formatCount } from '../../report/format.js';
import { type Locale, messages } from '../../report/i18n.js';
import { digestStatus } from '../../report/report-status.js';
import { largestFitting } from '../../shared/largest-fitting.js';
import { type ColourConvention, DEFAULT_COLOURS } from '../colours.js';
import { digestHeadline, problemGroupText, problemText, statusLabel } from '../headlines.js';
import {
  changeCell,
  emailLayout,
  escapeHtml,
  headerCell,
  headlineBlock,
  mutedNote,
  PALETTE,
  sectionTitle,
} from './html.js';
import type { EmailAttachment, RenderedEmail } from './rendered-email.js';

/**
 * Gmail clips an HTML part past about 102 KB and hides the rest behind "[Message clipped]". The
 * digest stays well under it: the ranking is shortened (saying how many apps it leaves out, the
 * whole of it attached as CSV), and everything that needs a person comes before the ranking.
 */
export const EMAIL_HTML_BUDGET_BYTES = 90_000;

const bytes = (text: string) => new TextEncoder().encode(text).length;

/**
 * The agency digest as an email: the portfolio (total visitors and its like-with-like change), the
 * biggest movers, the apps without a report (why, and what to do), then the ranking.
 */
export function renderDigestEmail(
  report: DigestReport,
  locale: Locale,
  colours: ColourConvention = DEFAULT_COLOURS,
): RenderedEmail {
  const fits = (rows: number) =>
    bytes(renderWithRanking(report, locale, colours, rows).html) <= EMAIL_HTML_BUDGET_BYTES;
  const shown = largestFitting(report.ranked.length, fits);
  const email = renderWithRanking(report, locale, colours, shown);
  const attachments = [
    ...(groupsProblems(report) ? [problemsCsv(report, locale)] : []),
    ...(shown < report.ranked.length ? [rankingCsv(report, locale)] : []),
  ];
  return attachments.length ? { ...email, attachments } : email;
}

function renderWithRanking(
  report: DigestReport,
  locale: Locale,
  colours: ColourConvention,
  shown: number,
): RenderedEmail {
  const t = messages(locale);
  const d = digestMessages(locale);
  const na = t.notAvailable;
  const p = PALETTE;
  const subject = digestHeadline(report, locale);
  const status = digestStatus(report);
  const omitted = report.ranked.length - shown;
  const change = (value: number | null) =>
    changeCell(formatChangeWithArrow(value, na), value === null ? null : direction(value), colours);
  const counts = d.counts(report.appCount, report.ranked.length, report.problems.length);

  const noneReported = !report.ranked.length && report.appCount > 0;
  const portfolio = portfolioBlock(report, locale, colours, counts);

  // One table style for every list: cells inherit size and colour, so a row of a long ranking stays small.
  const table = (rows: string, head: string) =>
    `<tr><td class="wxa-pad" style="padding:0 24px 8px 24px;"><table role="presentation" class="wxa-text" width="100%" cellpadding="0" cellspacing="0" border="0" style="border-collapse:collapse;font-size:13px;line-height:18px;color:${p.text};">${head}${rows}</table></td></tr>`;
  const appRow = (line: DigestAppLine, rank: string) =>
    `<tr style="border-bottom:1px solid ${p.border};">${rank ? `<td class="wxa-muted" style="padding:6px 8px 6px 0;color:${p.muted};white-space:nowrap;">${rank}</td>` : ''}<td style="padding:6px 0;">${escapeHtml(line.appName)}</td><td align="right" style="padding:6px 0 6px 8px;font-weight:600;white-space:nowrap;">${escapeHtml(line.visitors === null ? na : formatCount(line.visitors))}</td><td align="right" style="padding:6px 0 6px 8px;">${change(line.dayOverDay)}</td></tr>`;
  const head = (withRank: boolean) =>
    `<tr>${withRank ? headerCell('#', 'left') : ''}${headerCell(d.app, 'left')}${headerCell(d.visitors, 'right')}${headerCell(d.dayOverDay, 'right')}</tr>`;

  const movers = [
    ...(report.moversUp.length
      ? [sectionTitle(d.moversUp), table(report.moversUp.map((l) => appRow(l, '')).join(''), head(false))]
      : []),
    ...(report.moversDown.length
      ? [sectionTitle(d.moversDown), table(report.moversDown.map((l) => appRow(l, '')).join(''), head(false))]
      : []),
  ];
  if (!movers.length && report.ranked.length) movers.push(mutedNote(d.noComparison));

  const problems = problemsSection(report, locale);

  const ranking = report.ranked.length
    ? [
        sectionTitle(d.ranking),
        table(
          report.ranked
            .slice(0, shown)
            .map((l, i) => appRow(l, String(i + 1)))
            .join(''),
          head(true),
        ),
        ...(omitted > 0 ? [mutedNote(d.more(omitted, 'attachment'))] : []),
      ]
    : [];

  const html = emailLayout({
    lang: locale,
    title: subject,
    preheader: `${subject} · ${counts}`,
    heading: d.title,
    subheading: t.longDate(report.date),
    statusLabel: statusLabel(status, t.status),
    style: { colours, status },
    body: [portfolio, ...movers, ...problems, ...ranking].join('\n'),
    footer: d.footer,
  });

  const line = (l: DigestAppLine) =>
    `${l.appName}: ${l.visitors === null ? na : formatCount(l.visitors)} (${d.dayOverDay} ${formatChangeWithArrow(l.dayOverDay, na)})`;
  const text = [
    d.title,
    `${t.longDate(report.date)}  ${statusLabel(status, t.status)}`,
    '',
    noneReported
      ? d.noneReported
      : `${d.totalVisitors}: ${formatCount(report.total.visitors)} (${d.dayOverDay} ${formatChangeWithArrow(report.total.dayOverDay, na)})`,
    counts,
    ...(report.total.comparedApps ? [d.comparedOver(report.total.comparedApps)] : []),
    ...(report.moversUp.length ? ['', `${d.moversUp}:`, ...report.moversUp.map((l) => `  ${line(l)}`)] : []),
    ...(report.moversDown.length ? ['', `${d.moversDown}:`, ...report.moversDown.map((l) => `  ${line(l)}`)] : []),
    ...(!report.moversUp.length && !report.moversDown.length && report.ranked.length ? ['', d.noComparison] : []),
    '',
    ...(report.problems.length
      ? [`${d.problemsTitle(report.problems.length)}:`, ...problemsText(report, locale).map((line) => `  ${line}`)]
      : [d.allGood]),
    ...(report.ranked.length
      ? [
          '',
          `${d.ranking}:`,
          ...report.ranked.slice(0, shown).map((l, i) => `  ${i + 1}. ${line(l)}`),
          ...(omitted > 0 ? [`  ${d.more(omitted, 'attachment')}`] : []),
        ]
      : []),
    '',
    d.footer,
    '',
  ].join('\n');
  return { subject, html, text };
}

/** The portfolio at the top: total visitors and their like-with-like change, or that no app has a report yet. */
function portfolioBlock(report: DigestReport, locale: Locale, colours: ColourConvention, counts: string): string {
  const d = digestMessages(locale);
  const na = messages(locale).notAvailable;
  if (!report.ranked.length && report.appCount > 0)
    return headlineBlock({ label: d.portfolio, value: d.noneReported, changes: [], note: counts, colours });
  const change = report.total.dayOverDay;
  return headlineBlock({
    label: d.totalVisitors,
    value: formatCount(report.total.visitors),
    changes: [
      {
        label: d.dayOverDay,
        text: formatChangeWithArrow(change, na),
        direction: change === null ? null : direction(change),
      },
    ],
    note: [counts, report.total.comparedApps ? d.comparedOver(report.total.comparedApps) : '']
      .filter(Boolean)
      .join(' · '),
    colours,
  });
}

/**
 * The apps without a report, or that every report went out. Many (a platform's authorization lost)
 * are told one line per reason, so the email stays under the clip whatever their number; the
 * attachment names every one.
 */
function problemsSection(report: DigestReport, locale: Locale): string[] {
  const d = digestMessages(locale);
  const p = PALETTE;
  if (!report.problems.length) return [mutedNote(d.allGood)];
  return [
    sectionTitle(d.problemsTitle(report.problems.length)),
    `<tr><td class="wxa-pad" style="padding:0 24px 8px 24px;">${problemsHtml(report, locale)
      .map(
        (line) =>
          `<div class="wxa-text" style="padding:6px 0;font-size:14px;line-height:21px;color:${p.text};border-bottom:1px solid ${p.border};">${line}</div>`,
      )
      .join('')}</td></tr>`,
    ...(groupsProblems(report) ? [mutedNote(d.groupedNote('attachment'))] : []),
  ];
}

/** The apps without a report as HTML lines: one per app, or one per reason when many. */
function problemsHtml(report: DigestReport, locale: Locale): string[] {
  return groupsProblems(report)
    ? problemGroups(report.problems).map((g) => escapeHtml(problemGroupText(g, locale)))
    : report.problems.map((problem) => problemHtml(problem, locale));
}

/** The same as text lines, the grouped list saying where every app is named. */
function problemsText(report: DigestReport, locale: Locale): string[] {
  return groupsProblems(report)
    ? [
        ...problemGroups(report.problems).map((g) => problemGroupText(g, locale)),
        digestMessages(locale).groupedNote('attachment'),
      ]
    : report.problems.map((pr) => problemText(pr, locale));
}

function problemHtml(problem: DigestProblem, locale: Locale): string {
  const line = problemText(problem, locale);
  // The name in bold; the rest as the reader's language puts it.
  return line.startsWith(problem.appName)
    ? `<b>${escapeHtml(problem.appName)}</b>${escapeHtml(line.slice(problem.appName.length))}`
    : escapeHtml(line);
}

/**
 * Every app without a report as CSV, attached when the email groups them by reason: the name, the
 * display name, the reason in words, what to do, WeChat's errcode and the ledger's detail.
 */
export function problemsCsv(report: DigestReport, locale: Locale): EmailAttachment {
  const d = digestMessages(locale);
  const rows = report.problems.map((pr) => {
    const { what, todo } = d.reasons[pr.reason];
    return [pr.appName, pr.name, what, todo, pr.errcode === undefined ? '' : String(pr.errcode), pr.detail]
      .map(csvCell)
      .join(',');
  });
  return {
    filename: `${d.problemsCsvName}-${report.date}.csv`,
    contentType: 'text/csv; charset=utf-8',
    content: `\uFEFF${[d.problemsCsvHeader.map(csvCell).join(','), ...rows].join('\r\n')}\r\n`,
  };
}

const csvCell = (value: string) => (/[",\n\r]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value);

/**
 * The whole ranking as CSV (UTF-8 with a byte-order mark, so Excel reads Chinese names): attached
 * when the email shows only its top. Changes as fractions rounded to 4 decimals, like the JSON.
 */
export function rankingCsv(report: DigestReport, locale: Locale): EmailAttachment {
  const d = digestMessages(locale);
  const rows = report.ranked.map((l, i) =>
    [
      String(i + 1),
      l.appName,
      l.name,
      l.appid ?? '',
      l.visitors === null ? '' : String(l.visitors),
      l.previousDay === null ? '' : String(l.previousDay),
      l.dayOverDay === null ? '' : String(Math.round(l.dayOverDay * 10_000) / 10_000),
    ]
      .map(csvCell)
      .join(','),
  );
  return {
    filename: `${d.csvName}-${report.date}.csv`,
    contentType: 'text/csv; charset=utf-8',
    content: `\uFEFF${[d.csvHeader.map(csvCell).join(','), ...rows].join('\r\n')}\r\n`,
  };
}
