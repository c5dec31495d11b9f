import type { ChatChange, ChatSummary } from './chat-summary.js';

const colour = (c: ChatChange) => (c.direction === 'up' ? 'green' : c.direction === 'down' ? 'red' : 'grey');

// lark_md treats these as markup; user-supplied text must stay text.
const escapeLarkMd = (text: string) => text.replace(/[\\*_~`[\]<>]/g, (c) => `\\${c}`);

/** The Feishu/Lark custom-bot `interactive` card (signing fields are added by the notifier). */
export function renderFeishuCard(summary: ChatSummary): Record<string, unknown> {
  const elements: unknown[] = [];
  summary.sections.forEach((section, i) => {
    if (i > 0) elements.push({ tag: 'hr' });
    const body = section.lines.map((line) => {
      const changes = line.changes.map((c) => `${c.label} <font color='${colour(c)}'>${c.text}</font>`).join('  ');
      return `${escapeLarkMd(line.label)}${line.value ? `: **${escapeLarkMd(line.value)}**` : ''}${changes ? `  ${changes}` : ''}`;
    });
    elements.push({
      tag: 'div',
      text: { tag: 'lark_md', content: [`**${escapeLarkMd(section.title)}**`, ...body].join('\n') },
    });
  });
  if (summary.footer) elements.push({ tag: 'note', elements: [{ tag: 'plain_text', content: summary.footer }] });
  return {
    msg_type: 'interactive',
    card: {
      config: { wide_screen_mode: true },
      header: {
        template: 'green',
        title: { tag: 'plain_text', content: summary.title },
        subtitle: { tag: 'plain_text', content: summary.subtitle },
      },
      elements,
    },
  };
}
