import { AssetsManager } from './managers/assets.svelte';
import { JobDetail } from './managers/job-detail.svelte';
import { JobsFeed } from './managers/jobs-feed.svelte';
import { Notices } from './managers/notices.svelte';
import { PresetsManager } from './managers/presets.svelte';
import { Router } from './managers/router.svelte';
import { Session } from './managers/session.svelte';
import { TimelineEditor } from './managers/timeline.svelte';

/** The page's state, one instance of each manager, all talking through the session's client. */
export const session = new Session();
export const router = new Router();
export const notices = new Notices();
export const jobsFeed = new JobsFeed(session.client);
export const jobDetail = new JobDetail(session.client);
export const assets = new AssetsManager(session.client);
export const presets = new PresetsManager(session.client);
export const timeline = new TimelineEditor(session.client);
