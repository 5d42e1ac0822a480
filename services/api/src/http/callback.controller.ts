import { Controller, Headers, HttpCode, HttpException, HttpStatus, Param, Post, type RawBodyRequest, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { CALLBACK_SIGNATURE_HEADER, type CallbackAnswer, type CallbackReport, CallbackSecret, DomainError, verifyCallback } from '@mpr/core';
import { JobCallbackService } from '../jobs/job-callback.service';
import { ReadModelsBehind } from '../projections/read-models-behind.error';

const attempt = z.number().int().min(1);

const figure = z.number().min(0).default(0);

/** What a cloud executor reports while its attempt runs, and when it ends. */
const callbackBody = z.discriminatedUnion('status', [
  z.object({
    status: z.literal('progress'),
    attempt,
    percent: z.number().min(0).max(100),
    fps: figure,
    speed: figure,
    currentTime: figure,
    etaSeconds: figure,
  }),
  // Without outputPath: the output is staged at the attempt's part file and the platform publishes it.
  z.object({ status: z.literal('completed'), attempt, outputPath: z.string().min(1).optional() }),
  // Not retryable unless the executor says so: it alone knows whether trying again could help.
  z.object({ status: z.literal('failed'), attempt, errorMessage: z.string().min(1), retryable: z.boolean().default(false) }),
]) satisfies z.ZodType<CallbackReport, unknown>;

const HTTP_STATUS_OF: Record<DomainError['code'], HttpStatus> = {
  BAD_USER_INPUT: HttpStatus.BAD_REQUEST,
  NOT_FOUND: HttpStatus.NOT_FOUND,
  ILLEGAL_TRANSITION: HttpStatus.CONFLICT,
  CONFLICT: HttpStatus.CONFLICT,
};

const httpError = (status: HttpStatus, message: string) => new HttpException({ error: message }, status);

/**
 * Progress and completion webhook for cloud executors (Lambda, Cloud Run).
 * Only a request signed with its job's token gets through; nothing is
 * appended otherwise.
 */
@Controller('api/jobs')
export class CallbackController {
  constructor(
    private readonly callbacks: JobCallbackService,
    private readonly secret: CallbackSecret,
  ) {}

  @Post(':id/callback')
  @HttpCode(HttpStatus.OK)
  async callback(
    @Param('id') jobId: string,
    @Req() req: RawBodyRequest<FastifyRequest>,
    @Headers(CALLBACK_SIGNATURE_HEADER) signatureHeader: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<CallbackAnswer> {
    // Nest keeps the raw bytes only for the JSON (and form) parsers it installs.
    if (!req.rawBody) throw httpError(HttpStatus.UNSUPPORTED_MEDIA_TYPE, 'the callback body must be application/json');
    const signature = verifyCallback(this.secret.key, jobId, req.rawBody, signatureHeader);
    if (!signature) throw httpError(HttpStatus.UNAUTHORIZED, `${CALLBACK_SIGNATURE_HEADER} does not sign this body for job ${jobId}`);

    const parsed = callbackBody.safeParse(req.body);
    if (!parsed.success) throw httpError(HttpStatus.BAD_REQUEST, `invalid callback body: ${z.prettifyError(parsed.error)}`);
    try {
      // The same signed callback sent twice is the same command: the second one appends nothing.
      return await this.callbacks.report(jobId, parsed.data, `callback-${signature.slice(0, 32)}`);
    } catch (err) {
      if (err instanceof DomainError) throw httpError(HTTP_STATUS_OF[err.code], err.message);
      if (err instanceof ReadModelsBehind) {
        // Recorded but not yet readable. Sending the same signed callback again is safe (same command id: it appends
        // nothing and answers once the read models show it), so this is the executor's ordinary "try again later".
        reply.header('Retry-After', String(Math.max(1, Math.ceil(err.waitedMs / 1_000))));
        throw httpError(
          HttpStatus.SERVICE_UNAVAILABLE,
          `the callback for job ${jobId} is recorded (event ${err.sequence}), but the read models are still at event ${err.position}: ` +
            'send the same callback again after Retry-After seconds',
        );
      }
      throw err;
    }
  }
}
