import { directionHex, STATUS_HEX } from '../colours.js';
import { type ChatLine, type ChatSummary, omittedLine } from './chat-summary.js';

const plain = (text: string) => text.replace(/[<>]/g, (c) => (c === '<' ? '‹' : '›')).replace(/([*_`#[\]])/g, '\\$1');
const MUTED = directionHex('blue-orange').flat;

/** The DingTalk custom-robot `markdown` message body. `title` is what the notification shows. */
export function renderDingtalkMarkdown(summary: ChatSummary): {
  msgtype: 'markdown';
  markdown: { title: string; text: string };
} {
  const hues = directionHex(summary.colours);
  const toned = (text: string, tone: ChatLine['tone']) =>
    tone ? `<font color="${STATUS_HEX[tone].light.text}">${text}</font>` : text;
  const status = summary.status === 'normal' ? undefined : summary.status;
  const lines = [
    `### ${toned(plain(summary.title), status)}`,
    `${plain(summary.subtitle)}${summary.statusLabel ? `  ${toned(plain(summary.statusLabel), status)}` : ''}`,
  ];
  for (const section of summary.sections) {
    lines.push('', ...(section.title ? [`**${plain(section.title)}**`, ''] : []));
    for (const line of section.lines) {
      const changes = line.changes
        .map((c) => `${c.label} <font color="${hues[c.direction ?? 'flat']}">${c.text}</font>`)
        .join('  ');
      // DingTalk needs a blank line (or "- ") between rows, or it joins them.
      lines.push(
        `- ${toned(`${plain(line.label)}${line.value ? `: **${line.value}**` : ''}`, line.tone)}${changes ? `  ${changes}` : ''}`,
      );
    }
    const more = omittedLine(section);
    if (more) lines.push(`- <font color="${MUTED}">${plain(more)}</font>`);
  }
  if (summary.footer) lines.push('', `> ${plain(summary.footer)}`);
  return { msgtype: 'markdown', markdown: { title: summary.headline, text: lines.join('\n') } };
}
