import { readFile, writeFile } from 'node:fs/promises';

/** A process's resident set now and its peak, in KiB, from /proc/<pid>/status (Linux). */
export interface ProcessMemory {
  readonly rssKiB: number;
  readonly peakKiB: number;
}

export async function processMemory(pid: number): Promise<ProcessMemory> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const field = (name: string) => {
    const match = new RegExp(`^${name}:\\s+(\\d+) kB$`, 'm').exec(status);
    if (!match) throw new Error(`/proc/${pid}/status has no ${name}`);
    return Number(match[1]);
  };
  return { rssKiB: field('VmRSS'), peakKiB: field('VmHWM') };
}

/**
 * Sets a process's peak (VmHWM) back to its resident set now (`5` to /proc/<pid>/clear_refs, Linux ≥ 4.0), so the
 * peak read after some work is that work's, not the process's start-up's; resolves with the memory at that moment.
 */
export async function resetPeakMemory(pid: number): Promise<ProcessMemory> {
  await writeFile(`/proc/${pid}/clear_refs`, '5');
  return processMemory(pid);
}
