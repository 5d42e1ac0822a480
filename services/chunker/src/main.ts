import { runServices } from '@mpr/core';
import { chunkerService } from './chunker.service-definition';

void runServices([chunkerService]);
