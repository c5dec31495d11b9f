import type { Locale } from './i18n.js';
import type { ProblemReason } from './problem-reason.js';

/** Whether a variable or parameter named by a missing-secret detail holds an app's AppSecret (not SMTP's URL). */
const isAppSecret = (name: string) => /(^WXA_APP_.*_SECRET$|\/secret$|\/apps\/)/.test(name);

/** Where every app without a report is named, when a message lists only some: an attachment, the email, the ledger. */
export type ProblemsElsewhere = 'attachment' | 'email' | 'ledger';

/** The field path and rule of a validator message: "apps.3: appid is not an AppID" → ["appid", "is not an AppID"]. */
function faultParts(detail: string): readonly [string, string] | undefined {
  const text = detail.replace(/^invalid (registry|config) entry: /, '').replace(/^apps\.\d+: /, '');
  const match = /^(\S+) (.+)$/.exec(text.split('; ')[0] ?? '');
  return match ? [match[1] as string, match[2] as string] : undefined;
}

/** Chinese words for the validator's most common rules; anything else is kept as written. */
const ZH_RULES: readonly (readonly [RegExp, (field: string, m: RegExpExecArray) => string])[] = [
  [/^is required$/, (f) => `缺少 ${f}`],
  [/^is not an AppID\b.*$/, (f) => `${f} 不是有效的 AppID`],
  [/^is not an email address$/, (f) => `${f} 不是有效的邮箱地址`],
  [
    /^contains a .*\((.)\), as a Chinese input method types it: separate/,
    (f, m) => `${f} 含全角“${m[1]}”：请用半角逗号 (,) 分隔`,
  ],
  [/^is not a field; did you mean (\S+)\?$/, (f, m) => `${f} 不是可用的字段（是否应为 ${m[1]}？）`],
  [/^is not a field$/, (f) => `${f} 不是可用的字段`],
  [/^"(.+)" is listed twice$/, (f, m) => `${f} “${m[1]}”重复出现`],
  [/^must be (.+)$/, (f, m) => `${f} 应为 ${m[1]}`],
];

function zhFault(detail: string): string {
  const parts = faultParts(detail);
  if (!parts) return detail;
  const [field, rule] = parts;
  for (const [pattern, words] of ZH_RULES) {
    const match = pattern.exec(rule);
    if (match) return words(field, match);
  }
  return `${field} ${rule}`;
}

const enFault = (detail: string) => {
  const parts = faultParts(detail);
  return parts ? parts.join(' ') : detail;
};

export interface DigestMessages {
  readonly title: string;
  subject(date: string, apps: number, visitors: string, change: string, withoutReport: number): string;
  /** The subject when no app has a report yet (every one pending, failed or without data). */
  subjectNoneReported(date: string, apps: number): string;
  /** Said instead of a total of 0 when no app has a report yet. */
  readonly noneReported: string;
  /** The portfolio at the top: total visitors and how many apps reported. */
  readonly portfolio: string;
  readonly totalVisitors: string;
  /** What the total's change compares: like with like. */
  comparedOver(apps: number): string;
  /** "60 个小程序：57 个已出报告，3 个未出报告". */
  counts(apps: number, reported: number, withoutReport: number): string;
  readonly ranking: string;
  readonly app: string;
  readonly visitors: string;
  readonly dayOverDay: string;
  readonly moversUp: string;
  readonly moversDown: string;
  /** Said instead of the movers when no app has figures for the day before. */
  readonly noComparison: string;
  readonly problems: string;
  problemsTitle(count: number): string;
  /** Why an app has no report, and what to do about it. */
  readonly reasons: Readonly<Record<ProblemReason, { readonly what: string; readonly todo: string }>>;
  /** One app without a report, on one line. */
  problemLine(app: string, what: string, todo: string, errcode: number | undefined): string;
  /** The ranking was shortened: how many apps are left out, and where the rest are. */
  more(count: number, where: 'email' | 'attachment' | undefined): string;
  /** The list of apps without a report was shortened: how many are left out, and where all of them are. */
  moreProblems(count: number, where: ProblemsElsewhere): string;
  /** The grouped list was shortened: how many reasons are left out. */
  moreReasons(count: number, where: ProblemsElsewhere): string;
  /** Many apps without a report, one line per reason: how many, a few of their names, what to do. */
  problemGroupLine(what: string, count: number, examples: readonly string[], todo: string): string;
  /** The grouped list's note: every app is counted in its reason's line; where each one is named. */
  groupedNote(where: ProblemsElsewhere): string;
  /** What to do about a missing secret, naming the environment variable or SSM parameter. */
  setSecret(where: { readonly kind: 'env' | 'ssm'; readonly name: string }): string;
  /** An invalid entry's fault (the validator's English words), in this language where a rule knows it. */
  fault(detail: string): string;
  readonly allGood: string;
  readonly footer: string;
  /** The attachment with the whole ranking, when the email shows only its top. */
  readonly csvName: string;
  readonly csvHeader: readonly string[];
  /** The attachment naming every app without a report, when the email groups them by reason. */
  readonly problemsCsvName: string;
  readonly problemsCsvHeader: readonly string[];
}

const zhElsewhere: Readonly<Record<ProblemsElsewhere, string>> = {
  attachment: '完整名单见附件',
  email: '完整名单见汇总邮件',
  ledger: '完整名单用 wxa-report ledger show 查看',
};

const enElsewhere: Readonly<Record<ProblemsElsewhere, string>> = {
  attachment: 'all of them are listed in the attachment',
  email: 'all of them are listed in the digest email',
  ledger: 'see all of them with wxa-report ledger show',
};

const zhCN: DigestMessages = {
  title: '小程序日报汇总',
  subject: (date, apps, visitors, change, withoutReport) =>
    `【小程序汇总】${date}：${apps} 个小程序，访问人数 ${visitors}（日环比 ${change}）${withoutReport ? `，${withoutReport} 个未出报告` : ''}`,
  subjectNoneReported: (date, apps) => `【小程序汇总】${date}：${apps} 个小程序，还没有一个出报告`,
  noneReported: '还没有小程序出报告',
  portfolio: '整体',
  totalVisitors: '访问人数合计',
  comparedOver: (apps) => `日环比按两天都有数据的 ${apps} 个小程序计算`,
  counts: (apps, reported, withoutReport) =>
    `${apps} 个小程序：${reported} 个已出报告${withoutReport ? `，${withoutReport} 个未出报告` : ''}`,
  ranking: '各小程序访问人数排行',
  app: '小程序',
  visitors: '访问人数',
  dayOverDay: '日环比',
  moversUp: '涨幅最大',
  moversDown: '跌幅最大',
  noComparison: '还没有前一天的数据可比较',
  problems: '未出报告的小程序',
  problemsTitle: (count) => `未出报告的小程序（${count}）`,
  reasons: {
    'not-published': { what: '微信尚未发布当天数据', todo: '无需处理，每小时自动重试，截止时仍无数据会发“无数据”通知' },
    'no-data': { what: '截止时微信仍无当天数据', todo: '已发“无数据”通知，数据发布后可手动重跑' },
    'not-run': { what: '今天还没有运行过', todo: '检查定时任务是否运行（wxa-report ledger show）' },
    'in-progress': { what: '另一次运行正在发送', todo: '无需处理，稍后自动确认' },
    'wechat-busy': { what: '微信接口繁忙或无法连接', todo: '无需处理，会自动重试' },
    quota: { what: '今日接口调用次数已用完', todo: '明天自动恢复，也可在小程序后台重置调用额度' },
    credentials: {
      what: 'AppID 或 AppSecret 有误',
      todo: '在小程序后台“开发管理 → 开发设置”核对 AppID、重置 AppSecret，再更新保存的密钥',
    },
    'missing-secret': { what: '没有找到所需的密钥', todo: '保存该小程序的 AppSecret（环境变量或 SSM 参数）' },
    'ip-whitelist': { what: '服务器 IP 不在白名单中', todo: '把出口 IP 加入小程序（或第三方平台）的 IP 白名单' },
    'not-verified': { what: '小程序未完成微信认证或没有数据分析权限', todo: '完成微信认证后自动恢复' },
    'platform-authorization': {
      what: '小程序没有授权第三方平台的数据分析权限',
      todo: '请小程序管理员重新授权并勾选“数据分析”',
    },
    'platform-credentials': {
      what: '第三方平台的票据或刷新令牌已失效',
      todo: '检查微信的票据推送是否送达，必要时让小程序重新授权',
    },
    'invalid-entry': {
      what: '登记的配置有误',
      todo: '用 wxa-report apps show 查看原因，再用 wxa-report apps add 修正',
    },
    'invalid-config': { what: '配置文件中的设置有误', todo: '在 run 的配置文件中修正该字段，下次运行即生效' },
    delivery: { what: '报告发送失败', todo: '检查邮件和机器人设置，下次重试只补发失败的渠道' },
    unconfirmed: { what: '发送中断，不确定是否送达', todo: '确认是否收到后，用 wxa-report ledger release 放行重发' },
    archive: { what: '原始数据无法归档', todo: '检查存储桶（或目录）的权限和空间' },
    'service-unavailable': {
      what: '所依赖的云服务（存储、数据库、密钥或队列）暂时不可用',
      todo: '无需处理，会自动重试',
    },
    'service-refused': {
      what: '所依赖的云服务拒绝了请求（缺少权限、资源不存在或超出限额）',
      todo: '按失败记录（FailedUnits）中的说明修正部署，再重跑',
    },
    unknown: { what: '运行失败', todo: '查看日志或 wxa-report ledger show 中的原因' },
  },
  problemLine: (app, what, todo, errcode) =>
    `${app}：${what}${errcode === undefined ? '' : `（errcode ${errcode}）`}。${todo}。`,
  more: (count, where) =>
    `…另有 ${count} 个小程序${where === 'email' ? '，完整排行见汇总邮件' : where === 'attachment' ? '，完整排行见附件' : ''}`,
  moreProblems: (count, where) => `…另有 ${count} 个未出报告的小程序，${zhElsewhere[where]}`,
  moreReasons: (count, where) => `…另有 ${count} 种原因未列出，${zhElsewhere[where]}`,
  problemGroupLine: (what, count, examples, todo) =>
    `${what}：${count} 个小程序（${examples.join('、')}${count > examples.length ? '等' : ''}）。${todo}。`,
  groupedNote: (where) => `按原因归类，${zhElsewhere[where]}`,
  setSecret: (where) =>
    where.kind === 'env'
      ? `设置环境变量 ${where.name}${isAppSecret(where.name) ? '（该小程序的 AppSecret）' : ' '}后重跑`
      : `把${isAppSecret(where.name) ? '该小程序的 AppSecret ' : '密钥'}存入 SSM 参数 ${where.name}（wxa-report apps add）后重跑`,
  fault: zhFault,
  allGood: '所有小程序的日报均已发送。',
  footer: '数据来源：微信小程序数据分析接口（datacube），按北京时间统计。',
  csvName: '小程序访问人数排行',
  csvHeader: ['排名', '小程序', '名称', 'AppID', '访问人数', '前一天', '日环比'],
  problemsCsvName: '未出报告的小程序',
  problemsCsvHeader: ['小程序', '名称', '原因', '处理', 'errcode', '详情'],
};

const en: DigestMessages = {
  title: 'Mini Program portfolio',
  subject: (date, apps, visitors, change, withoutReport) =>
    `Portfolio · ${date}: ${apps} Mini Program${apps === 1 ? '' : 's'}, ${visitors} visitors (${change} day over day)${withoutReport ? `, ${withoutReport} without a report` : ''}`,
  subjectNoneReported: (date, apps) =>
    `Portfolio · ${date}: ${apps} Mini Program${apps === 1 ? '' : 's'}, none with a report yet`,
  noneReported: 'No Mini Program has a report yet',
  portfolio: 'Portfolio',
  totalVisitors: 'Total visitors',
  comparedOver: (apps) =>
    `change over the ${apps === 1 ? 'one Mini Program' : `${apps} Mini Programs`} with figures on both days`,
  counts: (apps, reported, withoutReport) =>
    `${apps} Mini Program${apps === 1 ? '' : 's'}: ${reported} reported${withoutReport ? `, ${withoutReport} without a report` : ''}`,
  ranking: 'Visitors by Mini Program',
  app: 'Mini Program',
  visitors: 'Visitors',
  dayOverDay: 'Day over day',
  moversUp: 'Biggest gains',
  moversDown: 'Biggest drops',
  noComparison: 'No figures for the day before to compare with yet',
  problems: 'Mini Programs without a report',
  problemsTitle: (count) => `Mini Programs without a report (${count})`,
  reasons: {
    'not-published': {
      what: 'WeChat has not published the day yet',
      todo: 'nothing to do: retried hourly, and a “no data” notice goes out at the cut-off',
    },
    'no-data': {
      what: 'WeChat still had no data at the cut-off',
      todo: 'a “no data” notice went out; run it again by hand once the data is out',
    },
    'not-run': { what: 'no run has reported on it yet', todo: 'check that the schedule ran (wxa-report ledger show)' },
    'in-progress': { what: 'another run is sending it', todo: 'nothing to do: it is confirmed on the next run' },
    'wechat-busy': { what: 'WeChat was busy or unreachable', todo: 'nothing to do: it is retried automatically' },
    quota: {
      what: 'the day’s API quota is used up',
      todo: 'it resets tomorrow; the quota can also be reset in the Mini Program’s admin console',
    },
    credentials: {
      what: 'the AppID or AppSecret is wrong',
      todo: 'check the AppID and reset the AppSecret (开发管理 → 开发设置), then update the stored secret',
    },
    'missing-secret': {
      what: 'a secret it needs is not stored',
      todo: 'store the Mini Program’s AppSecret (an environment variable or an SSM parameter)',
    },
    'ip-whitelist': {
      what: 'this server’s IP is not on the whitelist',
      todo: 'add the egress IP to the Mini Program’s (or the platform’s) IP whitelist',
    },
    'not-verified': {
      what: 'the Mini Program is not verified or lacks the data permission',
      todo: 'complete WeChat verification (微信认证)',
    },
    'platform-authorization': {
      what: 'the Mini Program has not granted the platform the data permission',
      todo: 'ask its admin to authorize again with 数据分析 (data analysis) ticked',
    },
    'platform-credentials': {
      what: 'the third-party platform’s ticket or refresh token is no longer valid',
      todo: 'check that WeChat’s ticket pushes arrive; have the Mini Program authorize again if needed',
    },
    'invalid-entry': {
      what: 'its registry entry is invalid',
      todo: 'see why with wxa-report apps show, and correct it with wxa-report apps add',
    },
    'invalid-config': {
      what: 'its entry in the config file is invalid',
      todo: 'correct that field in run’s config file; the next run picks it up',
    },
    delivery: {
      what: 'the report could not be delivered',
      todo: 'check the email and chat settings; the next retry sends only the channels that failed',
    },
    unconfirmed: {
      what: 'a send was interrupted and may not have arrived',
      todo: 'check, then run wxa-report ledger release to send it again',
    },
    archive: {
      what: 'the raw data could not be archived',
      todo: 'check the bucket’s (or folder’s) permissions and space',
    },
    'service-unavailable': {
      what: 'a service it runs on (storage, database, secrets or queue) was briefly unavailable',
      todo: 'nothing to do: it is retried automatically',
    },
    'service-refused': {
      what: 'a service it runs on refused the request (a missing permission or resource, or a limit)',
      todo: 'fix the deployment as its failure record (FailedUnits) says, then run it again',
    },
    unknown: { what: 'the run failed', todo: 'see the logs, or the reason in wxa-report ledger show' },
  },
  problemLine: (app, what, todo, errcode) =>
    `${app}: ${what}${errcode === undefined ? '' : ` (errcode ${errcode})`}. ${todo.charAt(0).toUpperCase()}${todo.slice(1)}.`,
  more: (count, where) =>
    `…and ${count} more${where === 'email' ? ' (the full ranking is in the digest email)' : where === 'attachment' ? ' (the full ranking is attached)' : ''}`,
  moreProblems: (count, where) => `…and ${count} more without a report (${enElsewhere[where]})`,
  moreReasons: (count, where) => `…and ${count} more reason${count === 1 ? '' : 's'} (${enElsewhere[where]})`,
  problemGroupLine: (what, count, examples, todo) =>
    `${what.charAt(0).toUpperCase()}${what.slice(1)}: ${count} Mini Program${count === 1 ? '' : 's'} (${examples.join(', ')}${count > examples.length ? ', …' : ''}). ${todo.charAt(0).toUpperCase()}${todo.slice(1)}.`,
  groupedNote: (where) => `Grouped by reason; ${enElsewhere[where]}`,
  setSecret: (where) =>
    where.kind === 'env'
      ? `set the environment variable ${where.name}${isAppSecret(where.name) ? ' to the Mini Program’s AppSecret' : ''}, then run it again`
      : `store ${isAppSecret(where.name) ? 'the Mini Program’s AppSecret' : 'the secret'} in the SSM parameter ${where.name} (wxa-report apps add), then run it again`,
  fault: enFault,
  allGood: 'Every Mini Program’s daily report went out.',
  footer: 'Source: WeChat Mini Program data analysis (datacube), Beijing time.',
  csvName: 'visitors-by-mini-program',
  csvHeader: ['Rank', 'Mini Program', 'Name', 'AppID', 'Visitors', 'Day before', 'Day over day'],
  problemsCsvName: 'mini-programs-without-a-report',
  problemsCsvHeader: ['Mini Program', 'Name', 'Reason', 'What to do', 'errcode', 'Detail'],
};

export function digestMessages(locale: Locale): DigestMessages {
  return locale === 'en' ? en : zhCN;
}
