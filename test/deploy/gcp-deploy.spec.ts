import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { loadConfig, mediaStoreOptions, openMediaStore, parseStorageLocation } from '@mpr/core';

/** deploy/gcp as a deployment reads it: the ${…} placeholders replaced (docs/executors.md, "GCP: what to create"). */
const DEPLOY = resolve(__dirname, '../../../deploy/gcp');
const VALUES: Record<string, string> = {
  PROJECT_ID: 'studio-render',
  REGION: 'europe-west1',
  MEDIA_BUCKET: 'studio-media',
  INPUT_PREFIX: 'uploads',
  OUTPUT_PREFIX: 'renders',
};

function deployed(file: string): any {
  const text = readFileSync(resolve(DEPLOY, file), 'utf8').replace(/\$\{(\w+)\}/g, (_, name: string) => {
    assert.ok(name in VALUES, `placeholder ${name} in ${file} is documented`);
    return VALUES[name];
  });
  return parse(text);
}

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string } };
}

describe('deploy/gcp', () => {
  const job = deployed('cloud-run-job.yaml');
  const task = job.spec.template.spec.template.spec;
  const [container] = task.containers;
  const env = container.env as EnvVar[];
  const literal = Object.fromEntries(env.filter((e) => e.value !== undefined).map((e) => [e.name, e.value!]));

  it('is a Cloud Run Job of one task, retried once, as the scheduler starts it', () => {
    assert.deepEqual([job.apiVersion, job.kind, job.metadata.name], ['run.googleapis.com/v1', 'Job', 'mpr-transcode']);
    assert.deepEqual([job.spec.template.spec.taskCount, task.maxRetries], [1, 1]);
    assert.equal(task.containers.length, 1);
    // The scheduler's per-execution overrides bring these; set here they would be every execution's.
    assert.deepEqual(
      env.filter((e) => e.name === 'MPR_JOB_PAYLOAD'),
      [],
    );
  });

  it('reads and writes the platform’s gs:// roots itself: no volume, no FUSE mount', () => {
    assert.equal(task.volumes, undefined);
    assert.equal(container.volumeMounts, undefined);
    assert.doesNotMatch(JSON.stringify(job), /gcsfuse|csi/);
    assert.deepEqual(parseStorageLocation(literal.MEDIA_IN), { kind: 'gs', bucket: 'studio-media', prefix: 'uploads/' });
    assert.deepEqual(parseStorageLocation(literal.MEDIA_OUT), { kind: 'gs', bucket: 'studio-media', prefix: 'renders/' });
    // The one-shot entry's own start: its configuration and both stores open with this environment.
    const config = loadConfig({ ...literal, AWS_ACCESS_KEY_ID: 'GOOG1EXAMPLE', AWS_SECRET_ACCESS_KEY: 'example' });
    const options = mediaStoreOptions(config);
    assert.ok(openMediaStore('in', config.MEDIA_IN, options));
    assert.ok(openMediaStore('out', config.MEDIA_OUT, options));
    assert.match(config.MPR_DATA_DIR, /^\/tmp\//);
  });

  it('takes the HMAC key from Secret Manager, and no value in the file is a credential', () => {
    for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY']) {
      const variable = env.find((e) => e.name === name);
      assert.equal(variable?.value, undefined, `${name} has no literal value`);
      assert.ok(variable?.valueFrom?.secretKeyRef?.name, `${name} from a secret`);
      assert.equal(variable?.valueFrom?.secretKeyRef?.key, 'latest');
    }
    assert.deepEqual(
      env.filter(
        (e) => /KEY|SECRET|TOKEN|PASSWORD|CREDENTIAL/i.test(e.name) && e.value !== undefined && e.name !== 'AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED',
      ),
      [],
    );
  });
});
