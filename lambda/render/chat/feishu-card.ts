import type { ChatChange, ChatSummary } from './chat-summary.js';

const colour = (c: ChatChange) => (c.direction === 'up' ? 'green' : c.direction === 'down' ? 'red' : 'grey');

// lark_md treats these as markup; user-supplied text must stay text.
const escapeLarkMd = (text: string) => text.replace(/[\\*_~`[\]<>]/g, (c) => `\\${c}`);

/**
 * The trend as a card chart element (VChart spec): the 14 days as bars, the report day last. Days
 * without data are left out rather than drawn as 0.
 */
function chartElement(chart: NonNullable<ChatSummary['chart']>): Record<string, unknown> {
  return {
    tag: 'chart',
    aspect_ratio: '16:9',
    chart_spec: {
      type: 'bar',
      title: { text: chart.title },
      data: { values: chart.points.filter((p) => p.value !== null).map((p) => ({ day: p.label, value: p.value })) },
      xField: 'day',
      yField: 'value',
      label: { visible: false },
    },
  };
}

/**
 * The Feishu/Lark custom-bot `interactive` card in card JSON 2.0 (signing fields are added by the
 * notifier): markdown sections and, when the summary has a series, a chart element in place of the
 * trend rows, which the other platforms show as text.
 */
export function renderFeishuCard(summary: ChatSummary): Record<string, unknown> {
  const elements: unknown[] = [];
  const sections = summary.chart ? summary.sections.filter((s) => s.title !== summary.chart?.title) : summary.sections;
  sections.forEach((section, i) => {
    if (i > 0) elements.push({ tag: 'hr' });
    const body = section.lines.map((line) => {
      const changes = line.changes.map((c) => `${c.label} <font color='${colour(c)}'>${c.text}</font>`).join('  ');
      return `${escapeLarkMd(line.label)}${line.value ? `: **${escapeLarkMd(line.value)}**` : ''}${changes ? `  ${changes}` : ''}`;
    });
    elements.push({ tag: 'markdown', content: [`**${escapeLarkMd(section.title)}**`, ...body].join('\n') });
  });
  if (summary.chart) elements.push({ tag: 'hr' }, chartElement(summary.chart));
  if (summary.footer)
    elements.push({
      tag: 'markdown',
      content: `<font color='grey'>${escapeLarkMd(summary.footer)}</font>`,
      text_size: 'notation',
    });
  return {
    msg_type: 'interactive',
    card: {
      schema: '2.0',
      config: { wide_screen_mode: true },
      header: {
        template: 'green',
        title: { tag: 'plain_text', content: summary.title },
        subtitle: { tag: 'plain_text', content: summary.subtitle },
      },
      body: { elements },
    },
  };
}
