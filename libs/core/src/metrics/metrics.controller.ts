import { Controller, Get, Res, UseGuards } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { BearerTokenGuard } from '../auth/bearer-token.guard';
import { MetricsRegistry } from './metrics.registry';

@Controller()
export class MetricsController {
  constructor(private readonly metrics: MetricsRegistry) {}

  /** Prometheus text format; with MPR_API_TOKEN set, for a scraper that sends it (Prometheus' `authorization` setting). */
  @Get('metrics')
  @UseGuards(BearerTokenGuard)
  async metricsText(@Res() reply: FastifyReply): Promise<void> {
    reply.header('content-type', this.metrics.registry.contentType).send(await this.metrics.registry.metrics());
  }
}
