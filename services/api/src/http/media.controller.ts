import { type FileHandle, open } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { Controller, Get, HttpException, HttpStatus, Inject, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  extensionOf,
  MEDIA_IN_STORE,
  MEDIA_OUT_STORE,
  type MediaExtension,
  type MediaRoot,
  type MediaStore,
  type MediaUrlQuery,
  NotFound,
  StoredObjectMissing,
  Unauthenticated,
  unauthenticatedHttp,
  ValidationError,
} from '@mpr/core';
import { DerivedMediaUnavailable } from '../derived/derived-media.errors';
import { DERIVED_FILES, type DerivedKind } from '../derived/derived-media.repository';
import { DerivedMediaService } from '../derived/derived-media.service';
import { type MediaRootName, MediaUrlService, SignedUrlRefused } from '../media/media-url.service';
import { parseRange } from './media-range';

/** Every type the scan takes (a new one fails to compile until it is named here); outputs are of these types too. */
const CONTENT_TYPES: Record<MediaExtension, string> = {
  mp4: 'video/mp4',
  mkv: 'video/x-matroska',
  webm: 'video/webm',
  mov: 'video/quicktime',
  avi: 'video/x-msvideo',
  flv: 'video/x-flv',
  wmv: 'video/x-ms-wmv',
  asf: 'video/x-ms-asf',
  m4v: 'video/x-m4v',
  '3gp': 'video/3gpp',
  ts: 'video/mp2t',
  mts: 'video/mp2t',
  m2ts: 'video/mp2t',
  mp3: 'audio/mpeg',
  wav: 'audio/wav',
  flac: 'audio/flac',
  aac: 'audio/aac',
  ogg: 'audio/ogg',
  m4a: 'audio/mp4',
  opus: 'audio/ogg',
  oga: 'audio/ogg',
  aiff: 'audio/aiff',
  aif: 'audio/aiff',
  aifc: 'audio/aiff',
  au: 'audio/basic',
};

/** A missing file, a folder on the way that is a file, a symlink loop: all "not here". */
const NOT_FOUND_CODES = new Set(['ENOENT', 'ENOTDIR', 'ELOOP']);

const notFound = () => new HttpException({ error: 'media file not found' }, HttpStatus.NOT_FOUND);

/** How each reason derived media cannot be had answers: a state to wait out, nothing to derive, a source ffmpeg cannot read. */
const UNAVAILABLE_STATUS: Record<DerivedMediaUnavailable['reason'], HttpStatus> = {
  'not-ready': HttpStatus.CONFLICT,
  'no-video': HttpStatus.NOT_FOUND,
  failed: HttpStatus.UNPROCESSABLE_ENTITY,
};

/**
 * Serves the media folders for players and downloads: GET and HEAD (Fastify
 * routes HEAD to the GET handler) with single byte ranges, so a browser can
 * seek in a video without fetching all of it. With MPR_API_TOKEN set, only
 * to a signed URL of the file or the bearer token (MediaUrlService).
 * `derived/<assetId>/preview.mp4` and `…/thumbnails.jpg` are made on the
 * first request (DerivedMediaService) and served the same way, behind the
 * same lock. A root in a bucket is served the same way, through the API
 * (ranged GETs of the object): one lock, one signed-URL scheme, whatever the
 * backend.
 */
@Controller('media')
export class MediaController {
  constructor(
    @Inject(MEDIA_IN_STORE) private readonly inStore: MediaStore,
    @Inject(MEDIA_OUT_STORE) private readonly outStore: MediaStore,
    private readonly urls: MediaUrlService,
    private readonly derived: DerivedMediaService,
  ) {}

  @Get('in/*')
  serveIn(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.serve(this.inStore, req, reply);
  }

  @Get('out/*')
  serveOut(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.serve(this.outStore, req, reply);
  }

  @Get('derived/:assetId/:file')
  async serveDerived(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const { assetId, file } = req.params as Record<string, string>;
    this.authorize('derived', `${assetId}/${file}`, req, reply);
    const kind = (Object.keys(DERIVED_FILES) as DerivedKind[]).find((k) => DERIVED_FILES[k].file === file);
    if (!kind) throw notFound();
    let derived: { path: string; contentType: string };
    try {
      derived = await this.derived.file(assetId, kind);
    } catch (err) {
      if (err instanceof NotFound) throw new HttpException({ error: err.message }, HttpStatus.NOT_FOUND);
      if (err instanceof DerivedMediaUnavailable) throw new HttpException({ error: err.message }, UNAVAILABLE_STATUS[err.reason]);
      throw err;
    }
    return sendFile(await open(derived.path, 'r'), derived.contentType, req, reply);
  }

  private async serve(store: MediaStore, req: FastifyRequest, reply: FastifyReply): Promise<void> {
    const relativePath = (req.params as Record<string, string>)['*'];
    this.authorize(store.name, relativePath, req, reply);
    const contentType = (CONTENT_TYPES as Record<string, string | undefined>)[extensionOf(relativePath)] ?? 'application/octet-stream';
    // A local root's workRoot is the root itself: its files are opened once and served from the handle.
    if (store.location.kind === 'local') return sendFile(await openInside(store.workRoot, relativePath), contentType, req, reply);
    return sendObject(store, relativePath, contentType, req, reply);
  }

  private authorize(root: MediaRootName, relativePath: string, req: FastifyRequest, reply: FastifyReply): void {
    try {
      this.urls.authorize(root, relativePath, req.query as MediaUrlQuery, req.headers.authorization);
    } catch (err) {
      if (err instanceof Unauthenticated) throw unauthenticatedHttp(reply, err);
      if (err instanceof SignedUrlRefused) throw new HttpException({ error: err.message }, HttpStatus.FORBIDDEN);
      throw err;
    }
  }
}

/** Sends the open `file` (and closes it), whole or the one byte range asked for. */
async function sendFile(file: FileHandle, contentType: string, req: FastifyRequest, reply: FastifyReply): Promise<void> {
  let body: Readable | undefined;
  try {
    const stat = await file.stat();
    if (!stat.isFile()) throw notFound();
    body = await sendHead(stat.size, contentType, req, reply, (range) => file.createReadStream(range));
  } finally {
    if (!body) await file.close();
  }
  // No body at all would make Fastify reset Content-Length to 0, which HEAD must not report.
  reply.send(body ?? Readable.from([]));
}

/** Sends an object of a bucket root, whole or the one byte range asked for, streamed from a ranged GET. */
async function sendObject(store: MediaStore, key: string, contentType: string, req: FastifyRequest, reply: FastifyReply): Promise<void> {
  if (key === '') throw notFound();
  try {
    const object = await store.stat(key);
    if (!object) throw notFound();
    const body = await sendHead(Number(object.size), contentType, req, reply, (range) => store.read(key, range));
    reply.send(body ?? Readable.from([]));
  } catch (err) {
    if (err instanceof ValidationError) throw new HttpException({ error: err.message }, HttpStatus.FORBIDDEN);
    // Deleted between the stat and the read.
    if (err instanceof StoredObjectMissing) throw notFound();
    throw err;
  }
}

/** Sets status and headers for a file of `size` bytes; the body of the range to send, if the request gets one. */
async function sendHead(
  size: number,
  contentType: string,
  req: FastifyRequest,
  reply: FastifyReply,
  read: (range: { start: number; end: number }) => Readable | Promise<Readable>,
): Promise<Readable | undefined> {
  const range = parseRange(req.headers.range, size);
  reply.header('Accept-Ranges', 'bytes');
  if (range.kind === 'unsatisfiable') {
    reply.code(HttpStatus.REQUESTED_RANGE_NOT_SATISFIABLE).header('Content-Range', `bytes */${size}`).header('Content-Length', 0);
    return undefined;
  }
  const { start, end } = range.kind === 'partial' ? range : { start: 0, end: size - 1 };
  if (range.kind === 'partial') reply.code(HttpStatus.PARTIAL_CONTENT).header('Content-Range', `bytes ${start}-${end}/${size}`);
  reply.type(contentType).header('Content-Length', end - start + 1);
  // An empty file has no byte range to read; a file's stream owns its handle from here and closes it when done, failed or aborted.
  return req.method === 'GET' && size > 0 ? read({ start, end }) : undefined;
}

/**
 * Opens the file the request names, refusing any path that leads out of the
 * root. Serving from the handle (not the path) sends the very file that was
 * checked, even if the path changes meanwhile.
 */
async function openInside(root: MediaRoot, relativePath: string): Promise<FileHandle> {
  // The root itself, like any folder, is not a file to send.
  if (relativePath === '') throw notFound();
  try {
    return await open(await root.resolve(relativePath), 'r');
  } catch (err) {
    if (err instanceof ValidationError) throw new HttpException({ error: err.message }, HttpStatus.FORBIDDEN);
    if (NOT_FOUND_CODES.has((err as NodeJS.ErrnoException).code ?? '')) throw notFound();
    throw err;
  }
}
