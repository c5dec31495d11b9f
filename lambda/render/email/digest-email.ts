import { digestMessages } from '../../report/digest-i18n.js';
import type { DigestAppLine, DigestReport } from '../../report/digest-report.js';
import { direction, formatChangeWithArrow, formatCount } from '../../report/format.js';
import { type Locale, messages } from '../../report/i18n.js';
import { digestHeadline } from '../headlines.js';
import { changeCell, emailLayout, escapeHtml, headerCell, PALETTE, sectionTitle } from './html.js';
import type { RenderedEmail } from './rendered-email.js';

/** The agency digest as an email: ranking, movers, and the apps without a report. */
export function renderDigestEmail(report: DigestReport, locale: Locale): RenderedEmail {
  const t = messages(locale);
  const d = digestMessages(locale);
  const na = t.notAvailable;
  const p = PALETTE;
  const subject = digestHeadline(report, locale);
  const cell = 'padding:6px 0;font-size:13px;line-height:18px;border-bottom:1px solid';
  const row = (line: DigestAppLine, rank: number | string) => `<tr>
<td class="wxa-muted" style="${cell} ${p.border};color:${p.muted};width:32px;">${escapeHtml(String(rank))}</td>
<td class="wxa-text" style="${cell} ${p.border};color:${p.text};">${escapeHtml(line.appName)}</td>
<td class="wxa-text" align="right" style="${cell} ${p.border};color:${p.text};font-weight:600;">${escapeHtml(line.visitors === null ? na : formatCount(line.visitors))}</td>
<td align="right" style="${cell} ${p.border};">${changeCell(formatChangeWithArrow(line.dayOverDay, na), line.dayOverDay === null ? null : direction(line.dayOverDay))}</td>
</tr>`;
  const table = (
    lines: readonly DigestAppLine[],
    withTotal: boolean,
  ) => `<tr><td style="padding:8px 24px;"><table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0">
<tr>${headerCell('#', 'left')}${headerCell(d.app, 'left')}${headerCell(d.visitors, 'right')}${headerCell(d.dayOverDay, 'right')}</tr>
${lines.map((line, i) => row(line, i + 1)).join('\n')}
${withTotal ? row({ name: '', appName: d.total, visitors: report.total.visitors, previousDay: report.total.previousDay, dayOverDay: report.total.dayOverDay }, '') : ''}
</table></td></tr>`;
  const movers = (title: string, lines: readonly DigestAppLine[]) =>
    `${sectionTitle(title)}\n${lines.length ? table(lines, false) : `<tr><td class="wxa-muted" style="padding:0 24px 8px 24px;font-size:13px;color:${p.muted};">${escapeHtml(d.none)}</td></tr>`}`;
  const problems = report.problems.length
    ? `${sectionTitle(d.problems)}\n<tr><td style="padding:0 24px 8px 24px;"><table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0">${report.problems
        .map(
          (problem) =>
            `<tr><td class="wxa-text" style="${cell} ${p.border};color:${p.text};">${escapeHtml(problem.name)}</td><td class="wxa-muted" style="${cell} ${p.border};color:${p.muted};">${escapeHtml(d.kinds[problem.kind])}</td><td class="wxa-muted" style="${cell} ${p.border};color:${p.muted};font-size:12px;">${escapeHtml(problem.reason)}</td></tr>`,
        )
        .join('\n')}</table></td></tr>`
    : `<tr><td class="wxa-muted" style="padding:8px 24px;font-size:13px;color:${p.muted};">${escapeHtml(d.allGood)}</td></tr>`;
  const html = emailLayout({
    lang: locale,
    title: subject,
    preheader: subject,
    heading: d.title,
    subheading: t.longDate(report.date),
    body: [
      movers(d.moversUp, report.moversUp),
      movers(d.moversDown, report.moversDown),
      sectionTitle(d.ranking),
      table(report.ranked, true),
      problems,
    ].join('\n'),
    footer: d.footer,
  });
  const line = (l: DigestAppLine) =>
    `${l.appName}: ${l.visitors === null ? na : formatCount(l.visitors)} (${d.dayOverDay} ${formatChangeWithArrow(l.dayOverDay, na)})`;
  const text = [
    d.title,
    t.longDate(report.date),
    '',
    `${d.moversUp}:`,
    ...(report.moversUp.length ? report.moversUp.map((l) => `  ${line(l)}`) : [`  ${d.none}`]),
    `${d.moversDown}:`,
    ...(report.moversDown.length ? report.moversDown.map((l) => `  ${line(l)}`) : [`  ${d.none}`]),
    '',
    `${d.ranking}:`,
    ...report.ranked.map((l, i) => `  ${i + 1}. ${line(l)}`),
    `  ${line({ name: '', appName: d.total, ...report.total })}`,
    '',
    ...(report.problems.length
      ? [`${d.problems}:`, ...report.problems.map((pr) => `  ${pr.name}: ${d.kinds[pr.kind]} (${pr.reason})`)]
      : [d.allGood]),
    '',
    d.footer,
    '',
  ].join('\n');
  return { subject, html, text };
}
