import type { ChatChange, ChatSummary } from './chat-summary.js';

const colour = (c: ChatChange) => (c.direction === 'up' ? '#0969da' : c.direction === 'down' ? '#bc4c00' : '#59636e');
const plain = (text: string) => text.replace(/[<>]/g, (c) => (c === '<' ? '‹' : '›')).replace(/([*_`#[\]])/g, '\\$1');

/** The DingTalk custom-robot `markdown` message body. `title` is what the notification shows. */
export function renderDingtalkMarkdown(summary: ChatSummary): {
  msgtype: 'markdown';
  markdown: { title: string; text: string };
} {
  const lines = [`### ${plain(summary.title)}`, `${plain(summary.subtitle)}`];
  for (const section of summary.sections) {
    lines.push('', `**${plain(section.title)}**`, '');
    for (const line of section.lines) {
      const changes = line.changes.map((c) => `${c.label} <font color="${colour(c)}">${c.text}</font>`).join('  ');
      // DingTalk needs a blank line (or "- ") between rows, or it joins them.
      lines.push(`- ${plain(line.label)}${line.value ? `: **${line.value}**` : ''}${changes ? `  ${changes}` : ''}`);
    }
  }
  if (summary.footer) lines.push('', `> ${plain(summary.footer)}`);
  return { msgtype: 'markdown', markdown: { title: summary.headline, text: lines.join('\n') } };
}
