import { wecomHues } from '../colours.js';
import { type ChatLine, type ChatSummary, omittedLine } from './chat-summary.js';

// WeCom markdown has no escaping; keep user text from opening tags or links.
const plain = (text: string) => text.replace(/[<>]/g, (c) => (c === '<' ? '‹' : '›'));

/** The WeCom group-robot `markdown` message body, in the summary's colour convention. */
export function renderWecomMarkdown(summary: ChatSummary): { msgtype: 'markdown'; markdown: { content: string } } {
  const hues = wecomHues(summary.colours);
  // WeCom's only warm colour, `warning` (orange-red), marks what is not normal.
  const toned = (text: string, tone: ChatLine['tone']) => (tone ? `<font color="warning">${text}</font>` : text);
  const status = summary.status === 'normal' ? undefined : summary.status;
  const lines = [
    toned(`**${plain(summary.title)}**`, status),
    `> ${plain(summary.subtitle)}${summary.statusLabel ? `  ${toned(plain(summary.statusLabel), status)}` : ''}`,
  ];
  for (const section of summary.sections) {
    lines.push('', ...(section.title ? [`**${plain(section.title)}**`] : []));
    for (const line of section.lines) {
      const changes = line.changes
        .map((c) => `${c.label} <font color="${hues[c.direction ?? 'flat']}">${c.text}</font>`)
        .join('  ');
      lines.push(
        toned(`${plain(line.label)}${line.value ? `: **${line.value}**` : ''}`, line.tone) +
          (changes ? `  ${changes}` : ''),
      );
    }
    const more = omittedLine(section);
    if (more) lines.push(`<font color="comment">${plain(more)}</font>`);
  }
  if (summary.footer) lines.push('', `<font color="comment">${plain(summary.footer)}</font>`);
  return { msgtype: 'markdown', markdown: { content: lines.join('\n') } };
}
