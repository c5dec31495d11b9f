import { type ChatSummary, omittedLine, truncateText } from './chat-summary.js';

// Slack mrkdwn: only &, < and > need escaping (https://api.slack.com/reference/surfaces/formatting).
const escapeSlack = (text: string) =>
  text.replace(/[&<>]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : '&gt;'));

export const SLACK_MAX_BLOCKS = 50;
export const SLACK_MAX_SECTION_TEXT = 3000;
const SLACK_MAX_HEADER = 150;

/**
 * The Slack incoming-webhook body: Block Kit, with `text` as the notification fallback. Block Kit
 * text has no colours: the arrows carry the direction and the status is said in words.
 */
export function renderSlackBlocks(summary: ChatSummary): { text: string; blocks: unknown[] } {
  const blocks: unknown[] = [
    { type: 'header', text: { type: 'plain_text', text: truncateText(summary.title, SLACK_MAX_HEADER), emoji: false } },
    {
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: escapeSlack(`${summary.subtitle}${summary.statusLabel ? `  ${summary.statusLabel}` : ''}`),
        },
      ],
    },
  ];
  for (const section of summary.sections) {
    const rows = section.lines.map((line) => {
      const changes = line.changes.map((c) => `${c.label} ${c.text}`).join('  ·  ');
      const label = line.tone ? `*${escapeSlack(line.label)}*` : escapeSlack(line.label);
      return `${label}${line.value ? `: *${escapeSlack(line.value)}*` : ''}${changes ? `   ${escapeSlack(changes)}` : ''}`;
    });
    const more = omittedLine(section);
    if (more) rows.push(`_${escapeSlack(more)}_`);
    blocks.push({
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: [...(section.title ? [`*${escapeSlack(section.title)}*`] : []), ...rows].join('\n'),
      },
    });
  }
  if (summary.footer)
    blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: escapeSlack(summary.footer) }] });
  return { text: summary.headline, blocks };
}
