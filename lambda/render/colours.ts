import type { ReportStatus } from '../report/report-status.js';

/**
 * Which colour says "up" and which "down", the same on every channel. Arrows (▲ ▼) carry the
 * direction whatever the colour, so a reader who cannot tell the colours apart loses nothing.
 *
 * - `blue-orange` (default): blue up, orange down; tellable apart with every common colour-vision
 *   deficiency and free of the red/green meanings that differ between readers.
 * - `red-up`: red up, green down, as Chinese markets and most Chinese dashboards show it.
 * - `green-up`: green up, red down, the Western reading.
 */
export const COLOUR_CONVENTIONS = ['blue-orange', 'red-up', 'green-up'] as const;
export type ColourConvention = (typeof COLOUR_CONVENTIONS)[number];
export const DEFAULT_COLOURS: ColourConvention = 'blue-orange';

export function isColourConvention(value: string): value is ColourConvention {
  return (COLOUR_CONVENTIONS as readonly string[]).includes(value);
}

export interface Hues {
  readonly up: string;
  readonly down: string;
  readonly flat: string;
}

const BLUE = { light: '#0969da', dark: '#4493f8' };
const ORANGE = { light: '#bc4c00', dark: '#f0883e' };
const RED = { light: '#cf222e', dark: '#ff7b72' };
const GREEN = { light: '#1a7f37', dark: '#3fb950' };
const GREY = { light: '#59636e', dark: '#9198a1' };

const HEX: Readonly<Record<ColourConvention, { up: typeof BLUE; down: typeof BLUE }>> = {
  'blue-orange': { up: BLUE, down: ORANGE },
  'red-up': { up: RED, down: GREEN },
  'green-up': { up: GREEN, down: RED },
};

/** Text colours (hex) of a change, for a light or a dark background (email, DingTalk). */
export function directionHex(convention: ColourConvention, scheme: 'light' | 'dark' = 'light'): Hues {
  const { up, down } = HEX[convention];
  return { up: up[scheme], down: down[scheme], flat: GREY[scheme] };
}

/**
 * The status colours, the same in every convention (blue, yellow, orange), none of them the "up" or
 * "down" colour of red-up or green-up. `bar` for the top bar, `text` for words in that colour.
 */
export const STATUS_HEX: Readonly<
  Record<ReportStatus, { readonly light: { bar: string; text: string }; readonly dark: { bar: string; text: string } }>
> = {
  normal: { light: { bar: BLUE.light, text: BLUE.light }, dark: { bar: BLUE.dark, text: BLUE.dark } },
  watch: { light: { bar: '#d4a72c', text: '#9a6700' }, dark: { bar: '#d29922', text: '#e3b341' } },
  alert: { light: { bar: ORANGE.light, text: ORANGE.light }, dark: { bar: ORANGE.dark, text: ORANGE.dark } },
};

/**
 * WeCom markdown has three colours only: `info` (green), `warning` (orange-red) and `comment`
 * (grey). Blue does not exist there, so blue-orange keeps orange for down and grey for up.
 */
export function wecomHues(convention: ColourConvention): Hues {
  if (convention === 'red-up') return { up: 'warning', down: 'info', flat: 'comment' };
  if (convention === 'green-up') return { up: 'info', down: 'warning', flat: 'comment' };
  return { up: 'comment', down: 'warning', flat: 'comment' };
}

/** Feishu/Lark card colour names (markdown `<font color>` and header templates). */
export function feishuHues(convention: ColourConvention): Hues {
  if (convention === 'red-up') return { up: 'red', down: 'green', flat: 'grey' };
  if (convention === 'green-up') return { up: 'green', down: 'red', flat: 'grey' };
  return { up: 'blue', down: 'orange', flat: 'grey' };
}

export const FEISHU_STATUS_TEMPLATE: Readonly<Record<ReportStatus, string>> = {
  normal: 'blue',
  watch: 'yellow',
  alert: 'orange',
};
