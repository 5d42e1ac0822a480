import { type FileHandle, open } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { Controller, Get, HttpException, HttpStatus, Inject, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { extensionOf, MediaRoot, type MediaUrlQuery, NotFound, Unauthenticated, unauthenticatedHttp, ValidationError } from '@mpr/core';
import { MEDIA_IN_ROOT, MEDIA_OUT_ROOT } from '@mpr/core';
import { DerivedMediaUnavailable } from '../derived/derived-media.errors';
import { DERIVED_FILES, type DerivedKind } from '../derived/derived-media.repository';
import { DerivedMediaService } from '../derived/derived-media.service';
import { type MediaRootName, MediaUrlService, SignedUrlRefused } from '../media/media-url.service';
import { parseRange } from './media-range';

const CONTENT_TYPES: Record<string, string> = {
  mp4: 'video/mp4',
  mkv: 'video/x-matroska',
  webm: 'video/webm',
  mov: 'video/quicktime',
  avi: 'video/x-msvideo',
  flv: 'video/x-flv',
  wmv: 'video/x-ms-wmv',
  m4v: 'video/x-m4v',
  mp3: 'audio/mpeg',
  wav: 'audio/wav',
  flac: 'audio/flac',
  aac: 'audio/aac',
  ogg: 'audio/ogg',
  m4a: 'audio/mp4',
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
 * same lock.
 */
@Controller('media')
export class MediaController {
  constructor(
    @Inject(MEDIA_IN_ROOT) private readonly inRoot: MediaRoot,
    @Inject(MEDIA_OUT_ROOT) private readonly outRoot: MediaRoot,
    private readonly urls: MediaUrlService,
    private readonly derived: DerivedMediaService,
  ) {}

  @Get('in/*')
  serveIn(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.serve(this.inRoot, req, reply);
  }

  @Get('out/*')
  serveOut(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.serve(this.outRoot, req, reply);
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

  private async serve(root: MediaRoot, req: FastifyRequest, reply: FastifyReply): Promise<void> {
    const relativePath = (req.params as Record<string, string>)['*'];
    this.authorize(root.name, relativePath, req, reply);
    return sendFile(await openInside(root, relativePath), CONTENT_TYPES[extensionOf(relativePath)] ?? 'application/octet-stream', req, reply);
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
    const range = parseRange(req.headers.range, stat.size);
    reply.header('Accept-Ranges', 'bytes');
    if (range.kind === 'unsatisfiable') {
      reply.code(HttpStatus.REQUESTED_RANGE_NOT_SATISFIABLE).header('Content-Range', `bytes */${stat.size}`).header('Content-Length', 0);
    } else {
      const { start, end } = range.kind === 'partial' ? range : { start: 0, end: stat.size - 1 };
      if (range.kind === 'partial') reply.code(HttpStatus.PARTIAL_CONTENT).header('Content-Range', `bytes ${start}-${end}/${stat.size}`);
      reply.type(contentType).header('Content-Length', end - start + 1);
      // An empty file has no byte range to read; the stream owns the handle from here and closes it when done, failed or aborted.
      if (req.method === 'GET' && stat.size > 0) body = file.createReadStream({ start, end });
    }
  } finally {
    if (!body) await file.close();
  }
  // No body at all would make Fastify reset Content-Length to 0, which HEAD must not report.
  reply.send(body ?? Readable.from([]));
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
