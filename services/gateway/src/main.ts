import { runServices } from '@mpr/core';
import { gatewayService } from './gateway.service-definition';

void runServices([gatewayService]);
