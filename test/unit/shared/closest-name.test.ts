import { describe, expect, it } from 'vitest';
import { closestName, editDistance } from '../../../lambda/shared/closest-name.js';

const APP_FIELDS = ['name', 'appid', 'displayName', 'recipients', 'webhooks', 'language', 'tokenService', 'tokenMode'];

describe('closestName', () => {
  it.each([
    ['webhook', 'webhooks'],
    ['recipient', 'recipients'],
    ['recipents', 'recipients'],
    ['display_name', 'displayName'],
    ['DisplayName', 'displayName'],
    ['appId', 'appid'],
    ['langauge', 'language'],
    ['token-mode', 'tokenMode'],
  ])('%s → %s', (misspelt, meant) => {
    expect(closestName(misspelt, APP_FIELDS)).toBe(meant);
  });

  it.each(['colour', 'email', 'x', 'schedule', 'to', 'id'])(
    'suggests nothing for %s, which is not close to any',
    (name) => {
      expect(closestName(name, APP_FIELDS)).toBeUndefined();
    },
  );

  it.each([
    ['colors', 'colours'],
    ['color', 'colours'],
    ['colour', 'colours'],
  ])('%s → %s, shorter than the name it meant', (misspelt, meant) => {
    expect(closestName(misspelt, [...APP_FIELDS, 'colours'])).toBe(meant);
  });

  it('counts a swap of two neighbours as one edit', () => {
    expect(editDistance('emial', 'email')).toBe(1);
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
  });
});
