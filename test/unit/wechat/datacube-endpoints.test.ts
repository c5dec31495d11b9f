import { describe, expect, it } from 'vitest';
import { dailyVisitTrendEndpoint, monthlyRetainEndpoint } from '../../../lambda/wechat/datacube-endpoints.js';
import { InvalidRequestError, WechatResponseError } from '../../../lambda/wechat/errors.js';

// 2026-11-23 00:30 in Beijing, still 2026-11-22 in UTC and everywhere west of it.
const justAfterMidnightInBeijing = new Date('2026-11-22T16:30:00Z');

describe('getDailyVisitTrend requests', () => {
  it('asks for one day in yyyymmdd', () => {
    expect(dailyVisitTrendEndpoint.request('2026-11-22', justAfterMidnightInBeijing)).toEqual({
      begin_date: '20261122',
      end_date: '20261122',
    });
  });

  it('refuses today in Beijing even when it is still yesterday elsewhere', () => {
    expect(() => dailyVisitTrendEndpoint.request('2026-11-23', justAfterMidnightInBeijing)).toThrow(
      InvalidRequestError,
    );
    expect(() => dailyVisitTrendEndpoint.request('2026-11-23', justAfterMidnightInBeijing)).toThrow(
      /latest day WeChat can report is 2026-11-22/,
    );
  });

  it('refuses dates that do not exist', () => {
    expect(() => dailyVisitTrendEndpoint.request('2026-02-29', justAfterMidnightInBeijing)).toThrow(/not a date/);
  });
});

describe('getDailyVisitTrend answers', () => {
  it('keeps the metrics WeChat sent and leaves the others out', () => {
    const value = dailyVisitTrendEndpoint.parse(
      { list: [{ ref_date: '20261122', visit_uv: 55500, stay_time_session: 0, visit_depth: 1.9838 }] },
      '2026-11-22',
    );

    expect(value).toEqual({
      date: '2026-11-22',
      metrics: { visit_uv: 55500, stay_time_session: 0, visit_depth: 1.9838 },
    });
  });

  it('treats an empty list as "no data yet"', () => {
    expect(dailyVisitTrendEndpoint.parse({ list: [] }, '2026-11-22')).toBeUndefined();
  });

  it.each([
    [{ list: [{ ref_date: '20261122', visit_uv: '55500' }] }, /list\.0\.visit_uv/],
    [{ list: [{ ref_date: '20261122', visit_uv: -3 }] }, /list\.0\.visit_uv/],
    [{ list: [{ ref_date: '20261122', session_cnt: 1.5 }] }, /list\.0\.session_cnt/],
    [{ list: [{ ref_date: '2026-11-22' }] }, /list\.0\.ref_date/],
    [{ data: [] }, /list/],
    [[], /body|list/],
  ])('names the offending field of a malformed answer (%j)', (json, field) => {
    expect(() => dailyVisitTrendEndpoint.parse(json, '2026-11-22')).toThrow(WechatResponseError);
    expect(() => dailyVisitTrendEndpoint.parse(json, '2026-11-22')).toThrow(field);
  });

  it('refuses an answer for another day than the one asked', () => {
    expect(() => dailyVisitTrendEndpoint.parse({ list: [{ ref_date: '20261121' }] }, '2026-11-22')).toThrow(
      /asked for 2026-11-22/,
    );
  });
});

describe('getMonthlyRetain', () => {
  it('asks for the first to the last day of an ended month', () => {
    expect(monthlyRetainEndpoint.request('2026-02', justAfterMidnightInBeijing)).toEqual({
      begin_date: '20260201',
      end_date: '20260228',
    });
  });

  it('refuses the month that is still running in Beijing', () => {
    const firstOfDecemberInBeijing = new Date('2026-11-30T16:30:00Z');
    expect(() => monthlyRetainEndpoint.request('2026-12', firstOfDecemberInBeijing)).toThrow(/not ended/);
    expect(monthlyRetainEndpoint.request('2026-11', firstOfDecemberInBeijing).end_date).toBe('20261130');
    expect(() => monthlyRetainEndpoint.request('2026-11', justAfterMidnightInBeijing)).toThrow(/latest is 2026-10/);
  });

  it('reads keys 0 and 1 into the month and the month after', () => {
    const value = monthlyRetainEndpoint.parse(
      {
        ref_date: '202609',
        visit_uv_new: [
          { key: 0, value: 1000 },
          { key: 1, value: 120 },
        ],
        visit_uv: [{ key: 0, value: 5000 }],
      },
      '2026-09',
    );

    expect(value).toEqual({
      month: '2026-09',
      newUsers: { month: 1000, nextMonth: 120 },
      activeUsers: { month: 5000, nextMonth: undefined },
    });
  });

  it.each([
    [{ ref_date: '202609', visit_uv: [{ key: 2, value: 1 }] }, /visit_uv\.0\.key/],
    [{ ref_date: '202609', visit_uv: [{ key: 0, value: -1 }] }, /visit_uv\.0\.value/],
    [{ ref_date: '202609', visit_uv_new: [{ key: 0, value: 1.5 }] }, /visit_uv_new\.0\.value/],
    [
      {
        ref_date: '202609',
        visit_uv: [
          { key: 0, value: 1 },
          { key: 0, value: 2 },
        ],
      },
      /visit_uv: a key appears twice/,
    ],
  ])('refuses impossible retention data, naming the field (%j)', (json, field) => {
    expect(() => monthlyRetainEndpoint.parse(json, '2026-09')).toThrow(field);
  });
});
