// Bake checks read the canary alarms' history since the bake started (issue 11, "Fleet isolation", third bullet):
// an alarm that fires and clears between two checks fails the canary. The REAL definition of
// examples/closed-loop.ts runs under aws-local-stepfunctions against the simulated CloudWatch of
// bin/simulate/world.ts, which keeps each alarm's state history as DescribeAlarmHistory returns it
// (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_DescribeAlarmHistory.html,
// https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_AlarmHistoryItem.html).
import { Template } from 'aws-cdk-lib/assertions';
import { StateMachine } from 'aws-local-stepfunctions';
import { loadClosedLoop, LoadedStack, runScenario } from '../../bin/simulate/run';
import { Scenario } from '../../bin/simulate/scenario';
import { World } from '../../bin/simulate/world';

let loaded: LoadedStack;
beforeAll(() => {
  loaded = loadClosedLoop();
});

const T0 = Date.UTC(2026, 10, 27, 9, 0, 0) / 1000;

describe('an alarm that fired and cleared between two bake checks rolls the canary back', () => {
  // The bake starts at ~T+46:48 and checks every 10 minutes (T+56:48, T+66:49, ...); the canary error alarm goes to
  // ALARM at ~T+60 and back to OK at ~T+63, between the first and the second check.
  // On the definition before this change (CheckCanaryAlarms alone: DescribeAlarms StateValue=ALARM, the alarms'
  // CURRENT state) every check finds both alarms OK and the loop PROMOTES the candidate: checked once against
  // main's lib/retraining/private/steps/canary.ts with this simulator (outcome "promoted", RecordChampion run).
  const flap: Scenario = { name: 'canary-alarm-flap', canary: { flapBeforeCheck: 2 }, expect: { outcome: 'rolled-back' } };

  test('the second check finds both alarms OK now, the history since the bake started has ALARM: rolled back', async () => {
    const r = await runScenario(loaded, flap);
    expect(r.outcome).toBe('rolled-back');
    expect(r.championAfter).toEqual(r.championBefore);
    expect(r.states).toContain('CanaryAlarmInHistory');
    expect(r.states).not.toContain('CanaryAlarm');
    expect(r.states).not.toContain('PatchPrimary');
    expect(r.states).toEqual(expect.arrayContaining(['RestoreTrafficOnRollback', 'RestoreCanaryOnRollback', 'RejectPackage']));
    expect(r.invariants.trafficBackOnPrimary).toBe(true);
    expect(r.invariants.primaryServesChampion).toBe(true);
    const text = r.timeline.join('\n');
    // The check after the flap: DescribeAlarms said nothing is in ALARM; the history of the first alarm did.
    expect(text).toMatch(/DescribeAlarms [^\n]*-> ok\n[^\n]*CanaryHealthy \(Choice\)\n[^\n]*InitAlarmHistoryCheck[\s\S]*DescribeAlarmHistory \S+-canary-errors StateUpdate since [^\n]*-> ok\n[^\n]*AlarmHistoryClean \(Choice\)\n[^\n]*CanaryAlarmInHistory/);
    expect(text).toMatch(/UpdateModelPackage \S+\/fraud-scoring\/2 -> Rejected/);
  });

  test('a clean bake reads the history of every canary alarm at every check, from the same bake start', async () => {
    const r = await runScenario(loaded, { name: 'clean-bake' });
    expect(r.outcome).toBe('promoted');
    const checks = r.timeline.filter((l) => l.includes('DescribeAlarmHistory'));
    const names: string[] = loaded.records.get('fraud-scoring').canaryAlarmNames;
    expect(names).toHaveLength(2);
    expect(checks).toHaveLength(3 * names.length);
    const since = new Set(checks.map((l) => /since (\S+)/.exec(l)![1]));
    expect(since.size).toBe(1);
    // The bake starts when the traffic has shifted: after ShiftTraffic, before the first wait.
    const start = Date.parse([...since][0]);
    expect(start).toBeGreaterThan(T0 * 1000);
    expect(r.maxHistoryEvents).toBeLessThanOrEqual(200);
  });

  test('an alarm still in ALARM is caught by the current-state check first (CanaryAlarm, no history read)', async () => {
    const r = await runScenario(loaded, { name: 'alarm-stays', canary: { alarmAtCheck: 2 } });
    expect(r.outcome).toBe('rolled-back');
    expect(r.states).toContain('CanaryAlarm');
    expect(r.states.filter((s) => s === 'CheckCanaryAlarmHistory')).toHaveLength(2);
  });

  test('CLI scenario files accept canary.flapBeforeCheck (a whole number from 1)', async () => {
    const { parseScenario } = await import('../../bin/simulate/scenario');
    expect(parseScenario({ name: 'f', canary: { flapBeforeCheck: 2 } }).canary?.flapBeforeCheck).toBe(2);
    expect(() => parseScenario({ name: 'f', canary: { flapBeforeCheck: 1.5 } })).toThrow(/\$\.canary\.flapBeforeCheck: must be a whole number/);
  });
});

describe('the definition reads each canary alarm\'s StateUpdate history since the bake started', () => {
  test('InitBake records $$.State.EnteredTime; CountBake keeps it; one DescribeAlarmHistory per alarm name', () => {
    const S = loaded.retrain.definition.States;
    expect(S.InitBake.Parameters['startedAt.$']).toBe('$$.State.EnteredTime');
    expect(S.CountBake.Parameters['startedAt.$']).toBe('$.bake.startedAt');
    const h = S.CheckCanaryAlarmHistory;
    expect(h.Resource).toMatch(/:states:::aws-sdk:cloudwatch:describeAlarmHistory$/);
    expect(h.Parameters).toEqual({
      'AlarmName.$': 'States.ArrayGetItem($.config.canaryAlarmNames, $.alarmHistory.i)',
      'HistoryItemType': 'StateUpdate',
      'StartDate.$': '$.bake.startedAt',
      'ScanBy': 'TimestampDescending',
      'MaxRecords': 25,
    });
    expect(h.Catch[0].ErrorEquals).toEqual(['States.ALL']);
    expect(S.CanaryHealthy.Default).toBe('InitAlarmHistoryCheck');
    // After the last alarm's history: the canary metrics of the model, if its record has any (bake-metrics.test.ts).
    expect(S.AlarmHistoryClean.Choices[1]).toEqual({ Variable: '$.alarmHistory.i', NumericGreaterThanEqualsPath: '$.alarmHistory.last', Next: 'CanaryMetricsToCheck' });
  });

  test('the ResultSelector, run by the interpreter on history pages: a transition into or out of ALARM, or a full page, is an alarm', async () => {
    const h = loaded.retrain.definition.States.CheckCanaryAlarmHistory;
    const choice = loaded.retrain.definition.States.AlarmHistoryClean;
    const judge = async (items: any[]): Promise<string> => {
      // The Task's ResultSelector applied to a DescribeAlarmHistory result, then its Choice.
      const machine = new StateMachine({
        StartAt: 'Select',
        States: {
          Select: { Type: 'Pass', Parameters: h.ResultSelector, ResultPath: '$.alarmHistoryCheck', Next: 'Judge' },
          Judge: { ...choice, Choices: [{ ...choice.Choices[0], Next: 'Alarm' }], Default: 'Clean' },
          Alarm: { Type: 'Pass', Result: 'alarm', End: true },
          Clean: { Type: 'Pass', Result: 'clean', End: true },
        },
      } as any);
      return (await machine.run({ AlarmHistoryItems: items }).result) as string;
    };
    const world = new World({ scenario: { name: 'w' }, records: new Map(), configPrefix: '/x/', objectiveMetric: 'm', t0Epoch: T0 }, 't');
    const itemsOf = (name: string) => world.alarm(name).history.slice().reverse();
    const at = (min: number) => (T0 + min * 60) * 1000;
    world.setAlarmState('flap', 'ALARM', at(1), 'Threshold Crossed');
    world.setAlarmState('flap', 'OK', at(2), 'ok again');
    world.setAlarmState('nodata', 'INSUFFICIENT_DATA', at(1), 'no datapoints');
    world.setAlarmState('nodata', 'OK', at(2), 'datapoints again');
    expect(await judge([])).toBe('clean');
    expect(await judge(itemsOf('flap'))).toBe('alarm');
    expect(await judge(itemsOf('nodata'))).toBe('clean');
    expect(await judge([itemsOf('flap')[0]])).toBe('alarm'); // "from ALARM to OK": in ALARM since the bake started
    // A full page (MaxRecords) of changes that never touch ALARM: more may lie beyond it, judged as an alarm.
    const page = Array.from({ length: h.Parameters.MaxRecords }, (_, i) => ({ ...itemsOf('nodata')[i % 2] }));
    expect(await judge(page)).toBe('alarm');
    expect(await judge(page.slice(1))).toBe('clean');
  });
});

describe('simulated CloudWatch: DescribeAlarmHistory as the API reference documents it', () => {
  const world = new World({ scenario: { name: 'w' }, records: new Map(), configPrefix: '/x/', objectiveMetric: 'm', t0Epoch: T0 }, 't');
  const at = (min: number) => (T0 + min * 60) * 1000;
  world.setAlarmState('a', 'ALARM', at(1), 'Threshold Crossed: 2 datapoints');
  world.setAlarmState('a', 'ALARM', at(2), 'still'); // no change, no item
  world.setAlarmState('a', 'OK', at(3), 'back');
  world.setAlarmState('b', 'ALARM', at(4), 'b fires');
  const call = (p: any) => (world as any).describeAlarmHistory(p);

  test('StateUpdate items: HistorySummary, HistoryData JSON with oldState/newState, Timestamp; newest first', () => {
    const out = call({ AlarmName: 'a', HistoryItemType: 'StateUpdate' });
    expect(out.AlarmHistoryItems.map((i: any) => i.HistorySummary)).toEqual(['Alarm updated from ALARM to OK', 'Alarm updated from OK to ALARM']);
    const data = JSON.parse(out.AlarmHistoryItems[1].HistoryData);
    expect(data.oldState.stateValue).toBe('OK');
    expect(data.newState.stateValue).toBe('ALARM');
    expect(data.newState.stateReason).toBe('Threshold Crossed: 2 datapoints');
    expect(out.AlarmHistoryItems[1].Timestamp).toBe(new Date(at(1)).toISOString());
    expect(out.AlarmHistoryItems[1].AlarmType).toBe('MetricAlarm');
    expect(out.NextToken).toBeUndefined();
  });

  test('StartDate/EndDate bound the window; ScanBy TimestampAscending; MaxRecords pages with NextToken', () => {
    expect(call({ AlarmName: 'a', StartDate: new Date(at(2)).toISOString() }).AlarmHistoryItems).toHaveLength(1);
    expect(call({ AlarmName: 'a', EndDate: new Date(at(2)).toISOString() }).AlarmHistoryItems).toHaveLength(1);
    expect(call({ AlarmName: 'a', ScanBy: 'TimestampAscending' }).AlarmHistoryItems[0].HistorySummary).toBe('Alarm updated from OK to ALARM');
    const first = call({ MaxRecords: 2 });
    expect(first.AlarmHistoryItems.map((i: any) => i.AlarmName)).toEqual(['b', 'a']);
    expect(call({ MaxRecords: 2, NextToken: first.NextToken }).AlarmHistoryItems).toHaveLength(1);
  });

  test('AlarmTypes omitted returns metric alarms only; bad MaxRecords, ScanBy and dates are InvalidParameterValue', () => {
    expect(call({ AlarmName: 'a', AlarmTypes: ['CompositeAlarm'] }).AlarmHistoryItems).toHaveLength(0);
    expect(call({ AlarmName: 'unknown' }).AlarmHistoryItems).toHaveLength(0);
    expect(() => call({ MaxRecords: 101 })).toThrow(/MaxRecords/);
    expect(() => call({ ScanBy: 'Newest' })).toThrow(/ScanBy/);
    expect(() => call({ StartDate: 'yesterday' })).toThrow(/StartDate/);
  });
});

describe('IAM: the history is read on the canary alarms only', () => {
  test('DescribeAlarmHistory sits in the statement of DescribeAlarms (the canary alarm ARNs), never on *', () => {
    const t = Template.fromJSON(loaded.template as any);
    const statements = Object.values<any>(t.findResources('AWS::IAM::Policy')).flatMap((p) => p.Properties.PolicyDocument.Statement);
    const history = statements.filter((s) => [s.Action].flat().includes('cloudwatch:DescribeAlarmHistory'));
    expect(history).toHaveLength(1);
    expect(history[0].Sid).toBe('WatchCanaryAlarms');
    expect([history[0].Action].flat().sort()).toEqual(['cloudwatch:DescribeAlarmHistory', 'cloudwatch:DescribeAlarms']);
    const resources = [history[0].Resource].flat();
    expect(resources).toHaveLength(loaded.records.get('fraud-scoring').canaryAlarmNames.length);
    expect(resources).not.toContain('*');
  });
});
