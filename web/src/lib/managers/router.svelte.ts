export type Route =
  { view: 'jobs' } | { view: 'job'; id: string } | { view: 'assets' } | { view: 'presets' } | { view: 'system' } | { view: 'timeline'; id: string | null };

/** Hash routes (#/jobs, #/jobs/<id>, #/assets, #/presets, #/system, #/timeline/<asset id>): the API serves one index.html, so no server-side fallback is needed. */
export class Router {
  #hash = $state(location.hash);

  constructor() {
    addEventListener('hashchange', () => (this.#hash = location.hash));
  }

  get route(): Route {
    const [view, id] = this.#hash.replace(/^#\/?/, '').split('/');
    if (view === 'jobs' && id) return { view: 'job', id: decodeURIComponent(id) };
    if (view === 'assets' || view === 'presets' || view === 'system') return { view };
    if (view === 'timeline') return { view, id: id ? decodeURIComponent(id) : null };
    return { view: 'jobs' };
  }

  go(path: string): void {
    location.hash = `#/${path}`;
  }
}

export const jobHref = (id: string): string => `#/jobs/${encodeURIComponent(id)}`;
export const timelineHref = (assetId: string): string => `#/timeline/${encodeURIComponent(assetId)}`;
