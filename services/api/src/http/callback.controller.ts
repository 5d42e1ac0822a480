import { Controller, Headers, HttpCode, HttpException, HttpStatus, Param, Post, type RawBodyRequest, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { assertNever, assetIdFor, DomainError, type JobCommand, jobDecider } from '@mpr/core';
import { CommandBus } from '../projections/command.bus';
import { ReadModelsBehind } from '../projections/read-models-behind.error';
import { CALLBACK_SIGNATURE_HEADER, CallbackSecret, verifyCallback } from './callback-signature';

const attempt = z.number().int().min(1);

/** What a cloud executor reports when its job ends. */
const callbackBody = z.discriminatedUnion('status', [
  z.object({ status: z.literal('completed'), attempt, outputPath: z.string().min(1) }),
  // Not retryable unless the executor says so: it alone knows whether trying again could help.
  z.object({ status: z.literal('failed'), attempt, errorMessage: z.string().min(1), retryable: z.boolean().default(false) }),
]);
type CallbackBody = z.infer<typeof callbackBody>;

const HTTP_STATUS_OF: Record<DomainError['code'], HttpStatus> = {
  BAD_USER_INPUT: HttpStatus.BAD_REQUEST,
  NOT_FOUND: HttpStatus.NOT_FOUND,
  ILLEGAL_TRANSITION: HttpStatus.CONFLICT,
  CONFLICT: HttpStatus.CONFLICT,
};

const httpError = (status: HttpStatus, message: string) => new HttpException({ error: message }, status);

/**
 * Completion webhook for cloud executors (Lambda, Cloud Run). Only a request
 * signed with its job's token gets through; nothing is appended otherwise.
 */
@Controller('api/jobs')
export class CallbackController {
  constructor(
    private readonly bus: CommandBus,
    private readonly secret: CallbackSecret,
  ) {}

  @Post(':id/callback')
  @HttpCode(HttpStatus.OK)
  async callback(
    @Param('id') jobId: string,
    @Req() req: RawBodyRequest<FastifyRequest>,
    @Headers(CALLBACK_SIGNATURE_HEADER) signatureHeader: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<{ status: string }> {
    // Nest keeps the raw bytes only for the JSON (and form) parsers it installs.
    if (!req.rawBody) throw httpError(HttpStatus.UNSUPPORTED_MEDIA_TYPE, 'the callback body must be application/json');
    const signature = verifyCallback(this.secret.key, jobId, req.rawBody, signatureHeader);
    if (!signature) throw httpError(HttpStatus.UNAUTHORIZED, `${CALLBACK_SIGNATURE_HEADER} does not sign this body for job ${jobId}`);

    const parsed = callbackBody.safeParse(req.body);
    if (!parsed.success) throw httpError(HttpStatus.BAD_REQUEST, `invalid callback body: ${z.prettifyError(parsed.error)}`);
    try {
      // The same signed callback sent twice is the same command: the second one appends nothing.
      const result = await this.bus.execute({ type: 'job', id: jobId }, jobDecider, commandOf(jobId, parsed.data), {
        commandId: `callback-${signature.slice(0, 32)}`,
      });
      // In the vocabulary of the GraphQL API and the read model: "completed", not "COMPLETED".
      return { status: result.state.status.toLowerCase() };
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

function commandOf(jobId: string, body: CallbackBody): JobCommand {
  switch (body.status) {
    case 'completed': {
      // The id the output file gets as an asset whenever it is registered, derived from its path.
      const outputAssetId = assetIdFor('out', body.outputPath);
      return { type: 'CompleteJob', jobId, attempt: body.attempt, outputPath: body.outputPath, outputAssetId };
    }
    case 'failed':
      return { type: 'FailJob', jobId, attempt: body.attempt, errorMessage: body.errorMessage, retryable: body.retryable };
    default:
      return assertNever(body);
  }
}
