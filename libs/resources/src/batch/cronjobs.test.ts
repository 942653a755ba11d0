import { describe, expect, it } from 'vitest';
import { fieldErrorString } from '../../../apimachinery/src/field-errors';
import { KObject } from '../../../apimachinery/src/types';
import { cronScheduleError } from './cron-schedule';
import { cronJobsDefinition } from './cronjobs';

const def = cronJobsDefinition();
type Cj = KObject & { spec: any; status?: any };

function cj(mutate?: (c: Cj) => void): Cj {
  const c: Cj = {
    metadata: { name: 'hello', namespace: 'default', creationTimestamp: '2024-05-01T11:00:00Z' },
    spec: {
      schedule: '*/5 * * * *',
      jobTemplate: { spec: { template: { spec: { containers: [{ name: 'hello', image: 'busybox' }], restartPolicy: 'OnFailure' } } } },
    },
  };
  mutate?.(c);
  def.strategy.default!(c);
  return c;
}

const errorsOf = (c: KObject) => def.strategy.validate!(c).map(fieldErrorString);

describe('cron schedule', () => {
  it.each(['*/5 * * * *', '0 0 * * 0', '@hourly', '@daily', '@every 1h30m', '0 9-17 * JAN-MAR mon-fri', '15,45 */2 1 * ?', 'CRON_TZ=UTC 0 * * * *'])(
    'accepts %s',
    (s) => expect(cronScheduleError(s)).toBeUndefined(),
  );
  it.each([
    ['foo', 'expected exactly 5 fields, found 1: [foo]'],
    ['* * * *', 'expected exactly 5 fields, found 4: [* * * *]'],
    ['60 * * * *', 'end of range (60) above maximum (59): 60'],
    ['* * 0 * *', 'beginning of range (0) below minimum (1): 0'],
    ['5-1 * * * *', 'beginning of range (5) beyond end of range (1): 5-1'],
    ['*/0 * * * *', 'step of range should be a positive number: */0'],
    ['x * * * *', 'failed to parse int from x: strconv.Atoi: parsing "x": invalid syntax'],
    ['@fortnightly', 'unrecognized descriptor: @fortnightly'],
    ['@every 5', 'failed to parse duration @every 5: time: missing unit in duration "5"'],
    ['TZ=Mars/Base 0 * * * *', 'provided bad location Mars/Base: unknown time zone Mars/Base'],
  ])('rejects %s', (s, msg) => expect(cronScheduleError(s)).toBe(msg));
});

describe('cronjobs', () => {
  it('defaults as SetDefaults_CronJob; the job template is not defaulted as a Job', () => {
    const c = cj();
    expect(c.spec).toMatchObject({ concurrencyPolicy: 'Allow', suspend: false, successfulJobsHistoryLimit: 3, failedJobsHistoryLimit: 1 });
    expect(c.spec.jobTemplate.metadata).toEqual({ creationTimestamp: null });
    expect(c.spec.jobTemplate.spec.backoffLimit).toBeUndefined();
    expect(c.spec.jobTemplate.spec.template.spec.dnsPolicy).toBe('ClusterFirst');
    expect(errorsOf(c)).toEqual([]);
  });

  it.each<[string, (c: Cj) => void, string]>([
    ['invalid schedule', (c) => (c.spec.schedule = 'every minute'), 'spec.schedule: Invalid value: "every minute": expected exactly 5 fields, found 2: [every minute]'],
    ['missing schedule', (c) => delete c.spec.schedule, 'spec.schedule: Required value'],
    [
      'TZ in schedule',
      (c) => (c.spec.schedule = 'TZ=UTC 0 * * * *'),
      'spec.schedule: Invalid value: "TZ=UTC 0 * * * *": cannot use TZ or CRON_TZ in schedule, use timeZone field instead',
    ],
    ['unknown time zone', (c) => (c.spec.timeZone = 'Mars/Olympus'), 'spec.timeZone: Invalid value: "Mars/Olympus": unknown time zone Mars/Olympus'],
    [
      'Local time zone',
      (c) => (c.spec.timeZone = 'Local'),
      'spec.timeZone: Invalid value: "Local": timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones',
    ],
    [
      'concurrency policy',
      (c) => (c.spec.concurrencyPolicy = 'Sometimes'),
      'spec.concurrencyPolicy: Unsupported value: "Sometimes": supported values: "Allow", "Forbid", "Replace"',
    ],
    [
      'job template restart policy',
      (c) => (c.spec.jobTemplate.spec.template.spec.restartPolicy = 'Always'),
      'spec.jobTemplate.spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"',
    ],
    [
      'selector in the job template',
      (c) => (c.spec.jobTemplate.spec.selector = { matchLabels: { a: 'b' } }),
      'spec.jobTemplate.spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"a":"b"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: `selector` will be auto-generated',
    ],
    [
      'negative history limit',
      (c) => (c.spec.successfulJobsHistoryLimit = -1),
      'spec.successfulJobsHistoryLimit: Invalid value: -1: must be greater than or equal to 0',
    ],
    [
      'long name',
      (c) => (c.metadata.name = 'a'.repeat(53)),
      `metadata.name: Invalid value: "${'a'.repeat(53)}": must be no more than 52 characters`,
    ],
  ])('rejects %s', (_n, mutate, expected) => {
    expect(errorsOf(cj(mutate))).toContain(expected);
  });

  it('accepts a valid IANA time zone', () => {
    expect(errorsOf(cj((c) => (c.spec.timeZone = 'Europe/Berlin')))).toEqual([]);
  });

  it('table: NAME SCHEDULE TIMEZONE SUSPEND ACTIVE LAST SCHEDULE AGE ...', () => {
    const c = cj();
    expect(def.table!.columns.map((x) => x.name)).toEqual([
      'Name', 'Schedule', 'Timezone', 'Suspend', 'Active', 'Last Schedule', 'Age', 'Containers', 'Images', 'Selector',
    ]);
    expect(def.table!.cells(c, new Date('2024-05-01T11:00:20Z'))).toEqual([
      'hello', '*/5 * * * *', '<none>', 'False', 0, '<none>', '20s', 'hello', 'busybox', '<none>',
    ]);
  });
});
