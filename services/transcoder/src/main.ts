import { runServices } from '@mpr/core';
import { transcoderService } from './transcoder.service-definition';

void runServices([transcoderService]);
