import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ProjectorActivity } from './projector-activity';

describe('ProjectorActivity: why an event is not in the read models yet', { timeout: 5_000 }, () => {
  const clock = () => {
    const c = { t: 1_000_000, now: () => c.t };
    return c;
  };

  it('an event NATS has not delivered: names the last one received and how long ago', () => {
    const c = clock();
    const activity = new ProjectorActivity(c.now);
    assert.equal(activity.explain(5), 'event 5 has not reached the projection from NATS: it has received none yet');
    activity.started(4);
    activity.stage('lock');
    activity.stage('project');
    activity.stage('commit');
    activity.finished();
    c.t += 9_800;
    assert.equal(activity.explain(5), 'event 5 has not reached the projection from NATS: the last it received is event 4, 9.8 s ago');
    assert.equal(activity.explain(4), 'event 4 has just been written', 'a wait that timed out as its event was written');
  });

  it('an event whose own write is stuck: the step and how long', () => {
    const c = clock();
    const activity = new ProjectorActivity(c.now);
    activity.started(7);
    c.t += 300;
    assert.deepEqual(activity.stage('lock'), { stage: 'connect', ms: 300 });
    c.t += 1_000;
    assert.equal(
      activity.explain(7),
      "its write has taken 1.3 s, waiting for the read models' checkpoint lock (another projector, or a rebuild, holds it) for 1.0 s",
    );
  });

  it('an event behind another: names the one being written and its step', () => {
    const c = clock();
    const activity = new ProjectorActivity(c.now);
    activity.started(7);
    c.t += 10_000;
    assert.equal(activity.explain(9), 'it waits behind event 7, whose write has taken 10.0 s, waiting for a database connection for 10.0 s');
    c.t += 50;
    assert.deepEqual(activity.finished(), { stage: 'connect', ms: 10_050 });
    assert.equal(activity.stage('lock'), undefined, 'no write under way');
  });
});
