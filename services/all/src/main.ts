import { runServices } from '@mpr/core';
import { apiService } from '../../api/src/api.service-definition';
import { chunkerService } from '../../chunker/src/chunker.service-definition';
import { gatewayService } from '../../gateway/src/gateway.service-definition';
import { schedulerService } from '../../scheduler/src/scheduler.service-definition';
import { transcoderService } from '../../transcoder/src/transcoder.service-definition';

// Development: the whole platform in one process. Kubernetes runs each
// service alone from its own dist/services/<name>/main.js.
void runServices([apiService, gatewayService, schedulerService, transcoderService, chunkerService]);
