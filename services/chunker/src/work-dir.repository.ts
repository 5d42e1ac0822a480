import { readdir } from 'node:fs/promises';
import { Inject, Injectable } from '@nestjs/common';
import {
  MEDIA_IN_ROOT,
  MEDIA_OUT_ROOT,
  MEDIA_OUT_STORE,
  MediaRoot,
  mediaRootPaths,
  type MediaStore,
  type PlanSource,
  type ShownPath,
  sourceShownPath,
} from '@mpr/core';
import { FolderWorkDir } from './folder-work-dir';
import { StoredWorkDir } from './stored-work-dir';
import { type WorkDir, WORK_ROOT, workDirName } from './work-dir';

/** Every file operation on the chunker's work directories: in the MEDIA_OUT folder, or in its bucket with local files in this replica's scratch space. */
@Injectable()
export class WorkDirRepository {
  constructor(
    @Inject(MEDIA_IN_ROOT) private readonly inRoot: MediaRoot,
    @Inject(MEDIA_OUT_ROOT) private readonly outRoot: MediaRoot,
    @Inject(MEDIA_OUT_STORE) private readonly outStore: MediaStore,
  ) {}

  /**
   * How the chunker's ffmpeg errors name the job's source and the work files: `in/…`, `out/…`, never a host path
   * (ffmpegErrorSummary). The source first: a bucket's object is read from a spooled copy under a hashed name in
   * scratch space, which is under neither root.
   */
  shownPaths(source: PlanSource): readonly ShownPath[] {
    return [sourceShownPath(source), ...mediaRootPaths(this.inRoot, this.outRoot)];
  }

  /** MEDIA_OUT is a bucket: the record is in it, and each replica's local files are its own. */
  private get stored(): boolean {
    return this.outStore.location.kind !== 'local';
  }

  of(jobId: string, attempt: number): WorkDir {
    // On a bucket root outRoot is this process's scratch work folder (MediaStore.workRoot), never shared with another machine.
    const local = this.outRoot.target(`${WORK_ROOT}/${workDirName(jobId, attempt)}`);
    return this.stored ? new StoredWorkDir(jobId, attempt, this.outStore, local) : new FolderWorkDir(jobId, attempt, local);
  }

  /** The work directories there are, of any job and attempt: in the record, and (bucket roots) left in this replica's scratch space. */
  async all(): Promise<WorkDir[]> {
    const names = new Set(await readdir(this.outRoot.target(WORK_ROOT)).catch(() => [] as string[]));
    if (this.stored) {
      for await (const object of this.outStore.list(WORK_ROOT)) names.add(object.key.slice(WORK_ROOT.length + 1).split('/')[0]);
    }
    return [...names].flatMap((name) => {
      const match = /^(.+)-a(\d+)$/.exec(name);
      return match ? [this.of(match[1], Number(match[2]))] : [];
    });
  }
}
