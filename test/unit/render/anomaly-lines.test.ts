import { describe, expect, it } from 'vitest';
import { anomalyLines } from '../../../lambda/render/anomaly-lines.js';
import type { DailyReport } from '../../../lambda/report/daily-report.js';
import { sampleDaily, sampleDailyAnomaly } from '../../support/sample-reports.js';

/** The sample day as WeChat sometimes answers it: without the optional stay_time_uv. */
function withoutStayTime(report: DailyReport): DailyReport {
  return {
    ...report,
    anomalies: {
      ...report.anomalies,
      stay_time_uv: { status: 'no-value', weeks: report.anomalies.stay_time_uv.weeks, usual: null, deviation: null },
    },
  };
}

const dailyOf = (message: ReturnType<typeof sampleDaily>) => {
  if (message.kind !== 'daily') throw new Error('not a daily sample');
  return message.report;
};

describe('the anomaly lines when WeChat left a metric out of the day', () => {
  it('says the metric was not judged instead of counting it as usual (en and zh-CN)', () => {
    // Prepare: a usual day (eight weeks of history) whose answer has no stay_time_uv.
    const report = withoutStayTime(dailyOf(sampleDaily()));

    // Act
    const en = anomalyLines(report, 'en');
    const zh = anomalyLines(report, 'zh-CN');

    // Assess
    expect(en.lines).toEqual([
      'Every metric WeChat sent is within the usual range of the last 8 Saturdays',
      "Time per visitor: not in WeChat's answer for this day, so not judged",
    ]);
    expect(zh.lines).toEqual([
      '微信返回的各项指标都在过去 8 个周六的常态范围内',
      '人均停留时长：微信当天的数据中没有这一项，未判断异常',
    ]);
    expect(en.status).toBe('normal');
  });

  it('names it after the unusual metrics of a day to worry about', () => {
    const report = withoutStayTime(dailyOf(sampleDailyAnomaly()));

    const { lines, unusual } = anomalyLines(report, 'en');

    expect(unusual).toBe(true);
    expect(lines.at(-1)).toBe("Time per visitor: not in WeChat's answer for this day, so not judged");
    expect(lines[0]).toMatch(/^Visitors \d+% below the usual/);
  });
});
