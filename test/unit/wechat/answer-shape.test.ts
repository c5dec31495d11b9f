import { describe, expect, it } from 'vitest';
import { answerShape, asHttpsShape } from '../../../lambda/wechat/answer-shape.js';

describe('the two shapes of a datacube answer', () => {
  it("turns the cloud call's camelCase answer into the HTTPS one, nested lists included", () => {
    const cloud = {
      list: [{ refDate: '20170313', sessionCnt: 142549, visitUvNew: 5464, stayTimeSession: 0 }],
      errMsg: 'openapi.analysis.getDailyVisitTrend:ok',
    };

    expect(answerShape(cloud)).toBe('cloud-call');
    expect(asHttpsShape(cloud)).toEqual({
      list: [{ ref_date: '20170313', session_cnt: 142549, visit_uv_new: 5464, stay_time_session: 0 }],
    });
  });

  it('keeps retention key/value pairs and maps a refusal to errcode and errmsg', () => {
    expect(asHttpsShape({ refDate: '201702', visitUvNew: [{ key: 0, value: 346249 }], errMsg: 'x:ok' })).toEqual({
      ref_date: '201702',
      visit_uv_new: [{ key: 0, value: 346249 }],
    });
    expect(asHttpsShape({ errCode: 61503, errMsg: 'openapi.analysis.getDailyVisitTrend:fail data not ready' })).toEqual(
      {
        errcode: 61503,
        errmsg: 'openapi.analysis.getDailyVisitTrend:fail data not ready',
      },
    );
  });

  it('leaves an HTTPS answer, and anything that is not an object, as it is', () => {
    const https = { list: [{ ref_date: '20170313' }] };

    expect(answerShape(https)).toBe('https');
    expect(asHttpsShape(https)).toBe(https);
    expect(asHttpsShape({ errcode: 40001, errmsg: 'invalid credential' })).toEqual({
      errcode: 40001,
      errmsg: 'invalid credential',
    });
    expect(asHttpsShape(null)).toBeNull();
    expect(asHttpsShape([1])).toEqual([1]);
  });
});
