import { UseFilters } from '@nestjs/common';
import { Args, ID, Mutation, Query, Resolver } from '@nestjs/graphql';
import { PresetService } from '../presets/preset.service';
import { DeleteResultType } from './asset.types';
import { PresetInput, PresetType } from './preset.types';
import { ClientErrorsFilter } from './client-errors.filter';

@UseFilters(ClientErrorsFilter)
@Resolver(() => PresetType)
export class PresetResolver {
  constructor(private readonly presetService: PresetService) {}

  @Query(() => [PresetType], { description: 'Builtin presets first, then custom ones, by name.' })
  presets() {
    return this.presetService.list();
  }

  @Query(() => PresetType)
  preset(@Args('id', { type: () => ID }) id: string) {
    return this.presetService.get(id);
  }

  @Mutation(() => PresetType)
  createPreset(@Args('input') input: PresetInput) {
    return this.presetService.create(input);
  }

  @Mutation(() => PresetType, { description: 'Custom presets only: builtin ones are read-only.' })
  updatePreset(@Args('id', { type: () => ID }) id: string, @Args('input') input: PresetInput) {
    return this.presetService.update(id, input);
  }

  @Mutation(() => DeleteResultType)
  async deletePreset(@Args('id', { type: () => ID }) id: string) {
    await this.presetService.delete(id);
    return { ok: true };
  }
}
