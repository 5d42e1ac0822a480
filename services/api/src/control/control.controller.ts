import { Controller, type Type } from '@nestjs/common';
import { Ctx, MessagePattern, NatsContext, Payload } from '@nestjs/microservices';
import { BearerTokenCheck, DomainError, type StreamNames, Unauthenticated } from '@mpr/core';
import { OperatorActionsService } from './operator-actions.service';

export type ControlReply = { ok: true; result: unknown } | { ok: false; error: { code: string; message: string } };

/** The actions on `<root>.control.<action>`, the same as the GraphQL mutations of these names. */
export const CONTROL_ACTIONS = ['pause', 'resume', 'retry-all-failed', 'cancel-all-pending', 'rebuild-read-models', 'rescan', 'state'] as const;

type ControlAction = (typeof CONTROL_ACTIONS)[number];

/** What each action does with the operator actions; `data` is the request's JSON body. */
const ACTIONS: Record<ControlAction, (actions: OperatorActionsService, data: { reason?: unknown } | undefined) => Promise<unknown>> = {
  pause: (actions, data) => actions.pauseDispatch(typeof data?.reason === 'string' ? data.reason : '', 'nats'),
  resume: (actions) => actions.resumeDispatch('nats'),
  state: (actions) => actions.dispatchState(),
  'retry-all-failed': (actions) => actions.retryAllFailed(),
  'cancel-all-pending': (actions) => actions.cancelAllPending(),
  'rebuild-read-models': (actions) => actions.rebuildReadModels(),
  rescan: (actions) => actions.rescan(),
};

/**
 * Request/reply on NATS through `@nestjs/microservices`' NATS transport. The
 * subjects hang off the deployment's subject root, known only at boot, so
 * the controller class is made per root, with one handler per action (the
 * decorators applied here, as `@MessagePattern(subject)` would). With
 * MPR_API_TOKEN set a request needs the `Authorization: Bearer <token>`
 * header, as every other door does; who may publish on NATS at all is the
 * NATS server's own auth (the operator's to configure).
 */
export function controlController(names: StreamNames, token: string | undefined): Type<unknown> {
  const door = new BearerTokenCheck(token);

  @Controller()
  class ControlController {
    constructor(readonly actions: OperatorActionsService) {}

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

  const prototype = ControlController.prototype as unknown as Record<string, unknown>;
  for (const action of CONTROL_ACTIONS) {
    const method = `control:${action}`;
    prototype[method] = function (this: ControlController, data: { reason?: unknown } | undefined, ctx: NatsContext) {
      return this.answer(ctx, () => ACTIONS[action](this.actions, data));
    };
    Payload()(prototype, method, 0);
    Ctx()(prototype, method, 1);
    MessagePattern(`${names.subjectRoot}.control.${action}`)(prototype, method, Object.getOwnPropertyDescriptor(prototype, method)!);
  }
  return ControlController;
}
