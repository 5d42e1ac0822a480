import { randomUUID } from 'node:crypto';
import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import type { MessageInitShape } from '@bufbuild/protobuf';
import type { PresetSettingsSchema } from '@mpr/contracts/preset_pb';
import { BUILTIN_PRESETS, EventStore, handleCommand, presetDecider } from '@mpr/core';
import { CommandBus } from '../projections/command.bus';
import { PresetRow } from '../read-models/preset.entity';
import { rowOrNotFound } from '../read-models/row-or-not-found';
import { RowsByIdLoader } from '../read-models/rows-by-id.loader';

export type PresetSettingsInput = MessageInitShape<typeof PresetSettingsSchema>;

@Injectable()
export class PresetService implements OnApplicationBootstrap {
  private readonly logger = new Logger(PresetService.name);
  private readonly byId: RowsByIdLoader<PresetRow>;

  constructor(
    @InjectRepository(PresetRow) private readonly presets: Repository<PresetRow>,
    private readonly bus: CommandBus,
    private readonly store: EventStore,
  ) {
    this.byId = new RowsByIdLoader(presets);
  }

  /**
   * Builtin presets are events too, appended once at first boot. The command
   * id is fixed per preset, so API replicas booting together write each once.
   */
  async onApplicationBootstrap(): Promise<void> {
    let created = 0;
    for (const { presetId, settings } of BUILTIN_PRESETS) {
      const result = await handleCommand(
        this.store,
        { type: 'preset', id: presetId },
        { ...presetDecider, decide: (command, state) => (state.status === 'NONE' ? presetDecider.decide(command, state) : []) },
        { type: 'CreatePreset' as const, presetId, settings, builtin: true },
        { commandId: `builtin-${presetId}` },
      );
      if (result.events.length > 0 && !result.replayed) created++;
    }
    if (created > 0) this.logger.log(`created ${created} builtin preset(s)`);
  }

  list(): Promise<PresetRow[]> {
    return this.presets.find({ order: { builtin: 'DESC', name: 'ASC' } });
  }

  /** By id, batched with the other ids the same GraphQL request asks (`request`: its context). */
  findInRequest(request: object, id: string): Promise<PresetRow | null> {
    return this.byId.load(request, id);
  }

  get(id: string): Promise<PresetRow> {
    return rowOrNotFound(this.presets, 'preset', id);
  }

  async create(settings: PresetSettingsInput): Promise<PresetRow> {
    const presetId = randomUUID();
    await this.bus.execute({ type: 'preset', id: presetId }, presetDecider, { type: 'CreatePreset', presetId, settings, builtin: false });
    return this.get(presetId);
  }

  async update(id: string, settings: PresetSettingsInput): Promise<PresetRow> {
    await this.get(id);
    await this.bus.execute({ type: 'preset', id }, presetDecider, { type: 'UpdatePreset', presetId: id, settings });
    return this.get(id);
  }

  async delete(id: string): Promise<void> {
    await this.get(id);
    await this.bus.execute({ type: 'preset', id }, presetDecider, { type: 'DeletePreset', presetId: id });
  }
}
