import { runServices } from '@mpr/core';
import { apiService } from './api.service-definition';

void runServices([apiService]);
