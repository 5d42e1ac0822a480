export type Route =
  | { view: 'jobs' }
  | { view: 'job'; id: string }
  | { view: 'chunker'; id: string }
  | { view: 'assets' }
  | { view: 'presets' }
  | { view: 'system' }
  | { view: 'timeline'; id: string | null };

/** Hash routes (#/jobs, #/jobs/<id>, #/jobs/<id>/chunker, #/assets, #/presets, #/system, #/timeline/<asset id>): the API serves one index.html, so no server-side fallback is needed. */
export class Router {
  #hash = $state(location.hash);

  constructor() {
    addEventListener('hashchange', () => (this.#hash = location.hash));
  }

  get route(): Route {
    const [view, id, sub] = this.#hash.replace(/^#\/?/, '').split('/');
    if (view === 'jobs' && id) return { view: sub === 'chunker' ? 'chunker' : 'job', id: decodeURIComponent(id) };
    if (view === 'assets' || view === 'presets' || view === 'system') return { view };
    if (view === 'timeline') return { view, id: id ? decodeURIComponent(id) : null };
    return { view: 'jobs' };
  }

  go(path: string): void {
    location.hash = `#/${path}`;
  }
}

export const jobHref = (id: string): string => `#/jobs/${encodeURIComponent(id)}`;
export const chunkerHref = (id: string): string => `${jobHref(id)}/chunker`;
export const timelineHref = (assetId: string): string => `#/timeline/${encodeURIComponent(assetId)}`;
