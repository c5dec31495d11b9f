import { FEISHU_STATUS_TEMPLATE, feishuHues } from '../colours.js';
import { type ChatSummary, omittedLine } from './chat-summary.js';

// Words in the status colour: the same yellow and orange as the header (never the red or green of a convention).
const TONE = { watch: 'yellow', alert: 'orange' } as const;

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
  const hues = feishuHues(summary.colours);
  const elements: unknown[] = [];
  const sections = summary.chart ? summary.sections.filter((s) => s.title !== summary.chart?.title) : summary.sections;
  sections.forEach((section, i) => {
    if (i > 0) elements.push({ tag: 'hr' });
    const body = section.lines.map((line) => {
      const changes = line.changes
        .map((c) => `${c.label} <font color='${hues[c.direction ?? 'flat']}'>${c.text}</font>`)
        .join('  ');
      const text = `${escapeLarkMd(line.label)}${line.value ? `: **${escapeLarkMd(line.value)}**` : ''}`;
      return `${line.tone ? `<font color='${TONE[line.tone]}'>${text}</font>` : text}${changes ? `  ${changes}` : ''}`;
    });
    const more = omittedLine(section);
    if (more) body.push(`<font color='grey'>${escapeLarkMd(more)}</font>`);
    const title = section.title ? [`**${escapeLarkMd(section.title)}**`] : [];
    elements.push({ tag: 'markdown', content: [...title, ...body].join('\n') });
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
      // The header's colour is the report's status: blue normal, yellow watch, orange alert.
      header: {
        template: FEISHU_STATUS_TEMPLATE[summary.status],
        title: { tag: 'plain_text', content: summary.title },
        subtitle: {
          tag: 'plain_text',
          content: `${summary.subtitle}${summary.statusLabel ? `  ${summary.statusLabel}` : ''}`,
        },
      },
      body: { elements },
    },
  };
}
