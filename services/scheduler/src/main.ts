import { runServices } from '@mpr/core';
import { schedulerService } from './scheduler.service-definition';

void runServices([schedulerService]);
