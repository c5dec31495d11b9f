import type { Direction } from '../../report/format.js';
import type { Locale } from '../../report/i18n.js';

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Every interpolated string goes through this: app names and WeChat data are not trusted markup. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);
}

// Blue for up and orange for down: distinguishable with every common colour-vision deficiency, and
// free of the red/green meaning that differs between Chinese and Western readers. Arrows carry the
// direction anyway.
export const PALETTE = {
  text: '#1f2328',
  muted: '#59636e',
  border: '#d1d9e0',
  background: '#f6f8fa',
  card: '#ffffff',
  accent: '#07c160',
  bar: '#4c8bf5',
  barHighlight: '#1f4fbf',
  up: '#0969da',
  down: '#bc4c00',
  flat: '#59636e',
} as const;

export function directionColour(d: Direction): string {
  return PALETTE[d];
}

const FONT =
  "-apple-system,BlinkMacSystemFont,'Segoe UI','PingFang SC','Hiragino Sans GB','Microsoft YaHei',Helvetica,Arial,sans-serif";

/**
 * The frame every report email shares: a 600 px table layout with inline CSS (what Outlook and
 * Gmail keep), a hidden preheader for the inbox preview, and a dark-mode block for the clients that
 * honour `prefers-color-scheme`. No images at all, so nothing is blocked or fetched.
 */
export function emailLayout(input: {
  readonly lang: Locale;
  readonly title: string;
  readonly preheader: string;
  readonly heading: string;
  readonly subheading: string;
  readonly body: string;
  readonly footer: string;
}): string {
  const p = PALETTE;
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
    .wxa-bg { background-color: #0d1117 !important; }
    .wxa-card { background-color: #161b22 !important; border-color: #30363d !important; }
    .wxa-card td, .wxa-card th { border-color: #30363d !important; }
    .wxa-card td.wxa-accent { border-color: ${p.accent} !important; }
    .wxa-text { color: #e6edf3 !important; }
    .wxa-muted { color: #9198a1 !important; }
    .wxa-up { color: #4493f8 !important; }
    .wxa-down { color: #f0883e !important; }
    .wxa-track { background-color: #21262d !important; }
  }
  @media only screen and (max-width: 620px) {
    .wxa-card { width: 100% !important; }
  }
</style>
</head>
<body class="wxa-bg" style="margin:0;padding:0;background-color:${p.background};">
<div style="display:none;max-height:0;overflow:hidden;mso-hide:all;">${escapeHtml(input.preheader)}</div>
<table role="presentation" class="wxa-bg" width="100%" cellpadding="0" cellspacing="0" border="0" style="background-color:${p.background};">
<tr><td align="center" style="padding:24px 8px;">
<table role="presentation" class="wxa-card" width="600" cellpadding="0" cellspacing="0" border="0" style="width:600px;max-width:600px;background-color:${p.card};border:1px solid ${p.border};border-radius:8px;font-family:${FONT};">
<tr><td class="wxa-accent" style="padding:24px 24px 8px 24px;border-top:4px solid ${p.accent};border-radius:8px 8px 0 0;">
<div class="wxa-text" style="font-size:20px;line-height:28px;font-weight:600;color:${p.text};">${escapeHtml(input.heading)}</div>
<div class="wxa-muted" style="font-size:14px;line-height:20px;color:${p.muted};">${escapeHtml(input.subheading)}</div>
</td></tr>
${input.body}
<tr><td class="wxa-muted" style="padding:16px 24px 24px 24px;font-size:12px;line-height:18px;color:${p.muted};">${escapeHtml(input.footer)}</td></tr>
</table>
</td></tr>
</table>
</body>
</html>
`;
}

/** A column heading of a data table. */
export function headerCell(text: string, align: 'left' | 'right'): string {
  return `<th class="wxa-muted" align="${align}" style="padding:8px 0;font-size:12px;line-height:16px;font-weight:600;color:${PALETTE.muted};border-bottom:1px solid ${PALETTE.border};text-align:${align};">${escapeHtml(text)}</th>`;
}

/** A section title row inside the card. */
export function sectionTitle(title: string): string {
  return `<tr><td class="wxa-text" style="padding:16px 24px 8px 24px;font-size:16px;line-height:22px;font-weight:600;color:${PALETTE.text};">${escapeHtml(title)}</td></tr>`;
}

/** A coloured change with its arrow; the class lets dark mode lighten the colour. */
export function changeCell(text: string, d: Direction | null): string {
  const colour = d === null ? PALETTE.muted : directionColour(d);
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
        : `<td width="${percent}%" bgcolor="${colour}" style="width:${percent}%;height:12px;line-height:12px;font-size:1px;background-color:${colour};">&nbsp;</td>` +
          (percent < 100 ? `<td style="font-size:1px;line-height:12px;">&nbsp;</td>` : '');
    return `<tr>
<td class="wxa-muted" width="96" style="width:96px;padding:3px 8px 3px 0;font-size:12px;line-height:16px;color:${p.muted};white-space:nowrap;${weight}">${escapeHtml(row.label)}</td>
<td style="padding:3px 0;"><table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0"><tr>${bar}</tr></table></td>
<td class="wxa-text" width="84" align="right" style="width:84px;padding:3px 0 3px 8px;font-size:12px;line-height:16px;color:${p.text};white-space:nowrap;${weight}">${escapeHtml(row.valueText)}</td>
</tr>`;
  });
  return `<tr><td style="padding:0 24px 8px 24px;"><table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0">${lines.join('\n')}</table></td></tr>`;
}
