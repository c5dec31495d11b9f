import type { ChatChange, ChatSummary } from './chat-summary.js';

// WeCom markdown knows three colours: info (green), warning (orange), comment (grey).
const colour = (c: ChatChange) => (c.direction === 'up' ? 'info' : c.direction === 'down' ? 'warning' : 'comment');

// WeCom markdown has no escaping; keep user text from opening tags or links.
const plain = (text: string) => text.replace(/[<>]/g, (c) => (c === '<' ? '‹' : '›'));

/** The WeCom group-robot `markdown` message body. */
export function renderWecomMarkdown(summary: ChatSummary): { msgtype: 'markdown'; markdown: { content: string } } {
  const lines = [`**${plain(summary.title)}**`, `> ${plain(summary.subtitle)}`];
  for (const section of summary.sections) {
    lines.push('', `**${plain(section.title)}**`);
    for (const line of section.lines) {
      const changes = line.changes.map((c) => `${c.label} <font color="${colour(c)}">${c.text}</font>`).join('  ');
      lines.push(`${plain(line.label)}${line.value ? `: **${line.value}**` : ''}${changes ? `  ${changes}` : ''}`);
    }
  }
  if (summary.footer) lines.push('', `<font color="comment">${plain(summary.footer)}</font>`);
  return { msgtype: 'markdown', markdown: { content: lines.join('\n') } };
}
