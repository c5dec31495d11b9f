import type { Direction } from '../../report/format.js';
import type { Locale } from '../../report/i18n.js';
import type { ReportStatus } from '../../report/report-status.js';
import { type ColourConvention, directionHex, STATUS_HEX } from '../colours.js';

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Every interpolated string goes through this: app names and WeChat data are not trusted markup. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);
}

// The neutral colours; the colours of changes and of the day's status come from the convention.
export const PALETTE = {
  text: '#1f2328',
  muted: '#59636e',
  border: '#d1d9e0',
  background: '#f6f8fa',
  card: '#ffffff',
  bar: '#4c8bf5',
  barHighlight: '#1f4fbf',
} as const;

const DARK = {
  background: '#0d1117',
  card: '#161b22',
  border: '#30363d',
  text: '#e6edf3',
  muted: '#9198a1',
  track: '#21262d',
  barHighlight: '#79c0ff',
} as const;

const FONT =
  "-apple-system,BlinkMacSystemFont,'Segoe UI','PingFang SC','Hiragino Sans GB','Microsoft YaHei',Helvetica,Arial,sans-serif";

/** How a report email is coloured: the colour convention of changes, and the day's status. */
export interface EmailStyle {
  readonly colours: ColourConvention;
  readonly status: ReportStatus;
}

/**
 * The frame every report email shares: a 600 px table layout with inline CSS (what Outlook and
 * Gmail keep), a hidden preheader for the inbox preview, the status as the top bar's colour and in
 * words, and a dark-mode block for the clients that honour `prefers-color-scheme` that keeps the
 * status and change colours (lightened for a dark background), never turning them white. No images
 * at all, so nothing is blocked or fetched.
 */
export function emailLayout(input: {
  readonly lang: Locale;
  readonly title: string;
  readonly preheader: string;
  readonly heading: string;
  readonly subheading: string;
  /** The status in words ("⚠ 警报"), beside the subheading; none when empty. */
  readonly statusLabel: string;
  readonly style: EmailStyle;
  readonly body: string;
  readonly footer: string;
}): string {
  const p = PALETTE;
  const { colours, status } = input.style;
  const dark = directionHex(colours, 'dark');
  const statusHex = STATUS_HEX[status];
  return `<!DOCTYPE html>
<html lang="${input.lang}" xmlns="http://www.w3.org/1999/xhtml">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<meta name="supported-color-schemes" content="light dark">
<title>${escapeHtml(input.title)}</title>
<style>
  @media (prefers-color-scheme: dark) {
    .wxa-bg { background-color: ${DARK.background} !important; }
    .wxa-card { background-color: ${DARK.card} !important; border-color: ${DARK.border} !important; }
    .wxa-card tr, .wxa-card td, .wxa-card th, .wxa-card div { border-color: ${DARK.border} !important; }
    .wxa-card td.wxa-accent { border-top-color: ${statusHex.dark.bar} !important; }
    .wxa-text { color: ${DARK.text} !important; }
    .wxa-muted { color: ${DARK.muted} !important; }
    .wxa-up { color: ${dark.up} !important; }
    .wxa-down { color: ${dark.down} !important; }
    .wxa-status { color: ${statusHex.dark.text} !important; }
    .wxa-track { background-color: ${DARK.track} !important; }
    .wxa-bar-hl { background-color: ${DARK.barHighlight} !important; }
  }
  @media only screen and (max-width: 620px) {
    .wxa-card { width: 100% !important; }
    .wxa-outer { padding: 12px 4px !important; }
    .wxa-card td.wxa-pad { padding-left: 16px !important; padding-right: 16px !important; }
  }
</style>
</head>
<body class="wxa-bg" style="margin:0;padding:0;background-color:${p.background};">
<div style="display:none;max-height:0;overflow:hidden;mso-hide:all;">${escapeHtml(input.preheader)}</div>
<table role="presentation" class="wxa-bg" width="100%" cellpadding="0" cellspacing="0" border="0" style="background-color:${p.background};">
<tr><td class="wxa-outer" align="center" style="padding:24px 8px;">
<table role="presentation" class="wxa-card" width="600" cellpadding="0" cellspacing="0" border="0" style="width:600px;max-width:600px;background-color:${p.card};border:1px solid ${p.border};border-radius:8px;font-family:${FONT};">
<tr><td class="wxa-accent wxa-pad" style="padding:20px 24px 4px 24px;border-top:6px solid ${statusHex.light.bar};border-radius:8px 8px 0 0;">
<div class="wxa-text" style="font-size:20px;line-height:28px;font-weight:600;color:${p.text};overflow-wrap:anywhere;">${headingHtml(input.heading)}</div>
<div style="font-size:14px;line-height:20px;"><span class="wxa-muted" style="color:${p.muted};">${escapeHtml(input.subheading)}</span>${input.statusLabel ? ` <span class="wxa-status" style="color:${statusHex.light.text};font-weight:600;white-space:nowrap;">${escapeHtml(input.statusLabel)}</span>` : ''}</div>
</td></tr>
${input.body}
<tr><td class="wxa-muted wxa-pad" style="padding:16px 24px 24px 24px;font-size:12px;line-height:18px;color:${p.muted};">${escapeHtml(input.footer)}</td></tr>
</table>
</td></tr>
</table>
</body>
</html>
`;
}

/**
 * The headline: one figure, large, with its changes beside it; what a reader sees first on a phone.
 * `wxa-headline` marks it for the browser test (it must sit within the first 400 px).
 */
export function headlineBlock(input: {
  readonly label: string;
  readonly value: string;
  readonly changes: readonly { readonly label: string; readonly text: string; readonly direction: Direction | null }[];
  readonly note?: string;
  readonly colours: ColourConvention;
}): string {
  const p = PALETTE;
  const changes = input.changes
    .map(
      (c) =>
        `<span style="white-space:nowrap;margin-right:16px;"><span class="wxa-muted" style="color:${p.muted};">${escapeHtml(c.label)}</span> ${changeCell(c.text, c.direction, input.colours)}</span>`,
    )
    .join(' ');
  const note = input.note
    ? `<div class="wxa-muted" style="font-size:12px;line-height:18px;color:${p.muted};">${escapeHtml(input.note)}</div>`
    : '';
  return `<tr><td class="wxa-headline wxa-pad" style="padding:12px 24px 8px 24px;">
<div class="wxa-muted" style="font-size:14px;line-height:20px;color:${p.muted};">${escapeHtml(input.label)}</div>
<div class="wxa-text" style="font-size:32px;line-height:40px;font-weight:700;color:${p.text};">${escapeHtml(input.value)}</div>
<div style="font-size:15px;line-height:22px;">${changes}</div>
${note}</td></tr>`;
}

/** Lines in the status colour (the day's unusual metrics): kept in that colour in dark mode too. */
export function statusLines(lines: readonly string[], status: ReportStatus): string {
  const colour = status === 'normal' ? PALETTE.muted : STATUS_HEX[status].light.text;
  const cls = status === 'normal' ? 'wxa-muted' : 'wxa-status';
  return `<tr><td class="wxa-pad" style="padding:0 24px 8px 24px;">${lines
    .map(
      (line) =>
        `<div class="${cls}" style="font-size:14px;line-height:22px;color:${colour};${status === 'normal' ? '' : 'font-weight:600;'}">${escapeHtml(line)}</div>`,
    )
    .join('')}</td></tr>`;
}

/**
 * The heading: the report's name after the last " · " ("· 小程序日报") kept on one line, so on a
 * phone the line breaks after the app's name (or its AppID, broken anywhere if it must), never
 * leaving one character of the name ("报") alone on a line.
 */
export function headingHtml(heading: string): string {
  const at = heading.lastIndexOf(' · ');
  // Only a name with no spaces in it (Chinese) needs holding together; English wraps between words.
  if (at < 0 || /\s/.test(heading.slice(at + 3))) return escapeHtml(heading);
  return `${escapeHtml(heading.slice(0, at))} <span style="white-space:nowrap;">${escapeHtml(heading.slice(at + 1))}</span>`;
}

/** A column heading of a data table. */
export function headerCell(text: string, align: 'left' | 'right'): string {
  return `<th class="wxa-muted" align="${align}" style="padding:8px 0;font-size:12px;line-height:16px;font-weight:600;color:${PALETTE.muted};border-bottom:1px solid ${PALETTE.border};text-align:${align};">${escapeHtml(text)}</th>`;
}

/** A section title row inside the card. */
export function sectionTitle(title: string): string {
  return `<tr><td class="wxa-text wxa-pad" style="padding:16px 24px 8px 24px;font-size:16px;line-height:22px;font-weight:600;color:${PALETTE.text};">${escapeHtml(title)}</td></tr>`;
}

/** A coloured change with its arrow; the class lets dark mode lighten the colour. */
export function changeCell(text: string, d: Direction | null, colours: ColourConvention): string {
  const colour = d === null ? PALETTE.muted : directionHex(colours)[d];
  const cls = d === 'up' ? 'wxa-up' : d === 'down' ? 'wxa-down' : 'wxa-muted';
  return `<span class="${cls}" style="color:${colour};white-space:nowrap;">${escapeHtml(text)}</span>`;
}

/**
 * A horizontal bar chart built from table cells: renders in Outlook (which ignores most CSS) as in
 * Gmail and Apple Mail, needs no image, and stays readable as text when styles are stripped.
 */
export function barChart(
  rows: readonly { label: string; value: number | null; valueText: string; highlight?: boolean }[],
): string {
  const max = Math.max(0, ...rows.map((r) => r.value ?? 0));
  const p = PALETTE;
  const lines = rows.map((row) => {
    const percent = row.value === null || max === 0 ? 0 : Math.max(1, Math.round((row.value / max) * 100));
    // The report's own period stands out: darker bar, bold figures.
    const colour = row.highlight ? p.barHighlight : p.bar;
    const weight = row.highlight ? 'font-weight:700;' : '';
    const bar =
      percent === 0
        ? `<td class="wxa-track" style="height:12px;line-height:12px;font-size:1px;background-color:${p.background};">&nbsp;</td>`
        : `<td${row.highlight ? ' class="wxa-bar-hl"' : ''} width="${percent}%" bgcolor="${colour}" style="width:${percent}%;height:12px;line-height:12px;font-size:1px;background-color:${colour};">&nbsp;</td>` +
          (percent < 100 ? `<td style="font-size:1px;line-height:12px;">&nbsp;</td>` : '');
    return `<tr>
<td class="wxa-muted" width="96" style="width:96px;padding:3px 8px 3px 0;font-size:12px;line-height:16px;color:${p.muted};white-space:nowrap;${weight}">${escapeHtml(row.label)}</td>
<td style="padding:3px 0;"><table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0"><tr>${bar}</tr></table></td>
<td class="wxa-text" width="84" align="right" style="width:84px;padding:3px 0 3px 8px;font-size:12px;line-height:16px;color:${p.text};white-space:nowrap;${weight}">${escapeHtml(row.valueText)}</td>
</tr>`;
  });
  return tableBlock(lines.join('\n'));
}

/** A full-width table inside the card's padding: the block every table of a report sits in. */
export function tableBlock(rows: string, paddingTop = 0): string {
  return `<tr><td class="wxa-pad" style="padding:${paddingTop}px 24px 8px 24px;"><table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0">${rows}</table></td></tr>`;
}

/** A line of muted text inside the card's padding. */
export function mutedNote(text: string): string {
  return `<tr><td class="wxa-muted wxa-pad" style="padding:0 24px 8px 24px;font-size:13px;line-height:20px;color:${PALETTE.muted};">${escapeHtml(text)}</td></tr>`;
}
