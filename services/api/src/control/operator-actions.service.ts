import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig, type DispatchOrigin } from '@mpr/core';
import { type BulkResult, JobsBulkService } from '../jobs/jobs-bulk.service';
import { type RebuildReport, rebuildReadModels } from '../read-models/read-model.rebuild';
import { type ScanResult, ScanService } from '../scan/scan.service';
import { DispatchService, type DispatchView } from '../system/dispatch.service';

/**
 * What an operator can do to the whole platform, one implementation behind
 * both doors: GraphQL mutations (OperatorResolver) and NATS request/reply
 * on `<root>.control.<action>` (ControlController).
 */
@Injectable()
export class OperatorActionsService {
  constructor(
    private readonly dispatch: DispatchService,
    private readonly bulk: JobsBulkService,
    private readonly scanner: ScanService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  pauseDispatch(reason: string, origin: DispatchOrigin): Promise<DispatchView> {
    return this.dispatch.pause(reason, origin);
  }

  resumeDispatch(origin: DispatchOrigin): Promise<DispatchView> {
    return this.dispatch.resume(origin);
  }

  dispatchState(): Promise<DispatchView> {
    return this.dispatch.view();
  }

  retryAllFailed(): Promise<BulkResult> {
    return this.bulk.retryAllFailed();
  }

  cancelAllPending(): Promise<BulkResult> {
    return this.bulk.cancelAllPending();
  }

  /** The same function as `npm run rebuild-read-models`: drops the tables and replays the log under the rebuild lock. */
  rebuildReadModels(): Promise<RebuildReport> {
    return rebuildReadModels(this.config);
  }

  rescan(): Promise<ScanResult> {
    return this.scanner.scan();
  }
}
