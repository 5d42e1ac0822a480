import { Controller, type Type } from '@nestjs/common';
import { Ctx, MessagePattern, NatsContext, Payload } from '@nestjs/microservices';
import { BearerTokenCheck, DomainError, type StreamNames, Unauthenticated } from '@mpr/core';
import { OperatorActionsService } from './operator-actions.service';

export type ControlReply = { ok: true; result: unknown } | { ok: false; error: { code: string; message: string } };

/** The actions on `<root>.control.<action>`, the same as the GraphQL mutations of these names. */
export const CONTROL_ACTIONS = ['pause', 'resume', 'retry-all-failed', 'cancel-all-pending', 'rebuild-read-models', 'rescan', 'state'] as const;

/**
 * Request/reply on NATS through `@nestjs/microservices`' NATS transport. The
 * subjects hang off the deployment's subject root, known only at boot, so
 * the controller class is made per root. With MPR_API_TOKEN set a request
 * needs the `Authorization: Bearer <token>` header, as every other door does;
 * who may publish on NATS at all is the NATS server's own auth (the
 * operator's to configure).
 */
export function controlController(names: StreamNames, token: string | undefined): Type<unknown> {
  const subject = (action: (typeof CONTROL_ACTIONS)[number]) => `${names.subjectRoot}.control.${action}`;
  const door = new BearerTokenCheck(token);

  @Controller()
  class ControlController {
    constructor(readonly actions: OperatorActionsService) {}

    @MessagePattern(subject('pause'))
    pause(@Payload() data: { reason?: unknown }, @Ctx() ctx: NatsContext) {
      return this.answer(ctx, () => this.actions.pauseDispatch(typeof data?.reason === 'string' ? data.reason : '', 'nats'));
    }

    @MessagePattern(subject('resume'))
    resume(_data: unknown, @Ctx() ctx: NatsContext) {
      return this.answer(ctx, () => this.actions.resumeDispatch('nats'));
    }

    @MessagePattern(subject('state'))
    state(_data: unknown, @Ctx() ctx: NatsContext) {
      return this.answer(ctx, () => this.actions.dispatchState());
    }

    @MessagePattern(subject('retry-all-failed'))
    retryAllFailed(_data: unknown, @Ctx() ctx: NatsContext) {
      return this.answer(ctx, () => this.actions.retryAllFailed());
    }

    @MessagePattern(subject('cancel-all-pending'))
    cancelAllPending(_data: unknown, @Ctx() ctx: NatsContext) {
      return this.answer(ctx, () => this.actions.cancelAllPending());
    }

    @MessagePattern(subject('rebuild-read-models'))
    rebuildReadModels(_data: unknown, @Ctx() ctx: NatsContext) {
      return this.answer(ctx, () => this.actions.rebuildReadModels());
    }

    @MessagePattern(subject('rescan'))
    rescan(_data: unknown, @Ctx() ctx: NatsContext) {
      return this.answer(ctx, () => this.actions.rescan());
    }

    /** Refusals are answers, with the same codes and words as GraphQL gives. */
    async answer(ctx: NatsContext, action: () => Promise<unknown>): Promise<ControlReply> {
      try {
        door.assert((ctx.getHeaders() as { get(name: string): string } | undefined)?.get('Authorization'), 'every control request');
        return { ok: true, result: await action() };
      } catch (err) {
        if (err instanceof Unauthenticated) return { ok: false, error: { code: 'UNAUTHENTICATED', message: err.message } };
        if (err instanceof DomainError) return { ok: false, error: { code: err.code, message: err.message } };
        throw err;
      }
    }
  }
  return ControlController;
}
