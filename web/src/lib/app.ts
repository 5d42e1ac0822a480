import { gatewayClient } from './gateway/gateway-client';
import { AssetsManager } from './managers/assets.svelte';
import { ChunkPipelineWatch } from './managers/chunk-pipeline.svelte';
import { Clock } from './managers/clock.svelte';
import { JobDetail } from './managers/job-detail.svelte';
import { JobsFeed } from './managers/jobs-feed.svelte';
import { LiveStreams } from './managers/live-stream.svelte';
import { Notices } from './managers/notices.svelte';
import { OperatorActions } from './managers/operator.svelte';
import { PresetsManager } from './managers/presets.svelte';
import { Router } from './managers/router.svelte';
import { Session } from './managers/session.svelte';
import { TimelineEditor } from './managers/timeline.svelte';

/** The page's state, one instance of each manager, all talking through the session's client. */
export const session = new Session();
export const router = new Router();
export const clock = new Clock();
export const notices = new Notices();
export const liveStreams = new LiveStreams();
export const gateway = gatewayClient(session.token);
export const jobsFeed = new JobsFeed(session.client, gateway, liveStreams, () => session.streamRefused());
export const jobDetail = new JobDetail(session.client, gateway, liveStreams, () => session.streamRefused());
export const chunkPipeline = new ChunkPipelineWatch(gateway, liveStreams, () => session.streamRefused());
export const assets = new AssetsManager(session.client);
export const presets = new PresetsManager(session.client);
export const operator = new OperatorActions(session.client);
export const timeline = new TimelineEditor(session.client);
