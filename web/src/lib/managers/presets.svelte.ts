import type { GraphqlClient } from '../graphql/client';
import {
  CreatePresetDocument,
  DeletePresetDocument,
  type PresetFieldsFragment,
  type PresetInput,
  PresetsDocument,
  UpdatePresetDocument,
} from '../graphql/generated';

/** Builtin presets (read-only) and custom ones; validation is the API's, its messages are shown as they come. */
export class PresetsManager {
  #presets = $state<PresetFieldsFragment[]>([]);
  #loaded = $state(false);
  #error = $state<string | null>(null);

  constructor(private readonly client: GraphqlClient) {}

  get presets(): PresetFieldsFragment[] {
    return this.#presets;
  }

  get builtin(): PresetFieldsFragment[] {
    return this.#presets.filter((preset) => preset.builtin);
  }

  get custom(): PresetFieldsFragment[] {
    return this.#presets.filter((preset) => !preset.builtin);
  }

  get loaded(): boolean {
    return this.#loaded;
  }

  get error(): string | null {
    return this.#error;
  }

  async load(): Promise<void> {
    try {
      this.#presets = (await this.client.request(PresetsDocument)).presets;
      this.#error = null;
    } catch (err) {
      this.#error = (err as Error).message;
    } finally {
      this.#loaded = true;
    }
  }

  async create(input: PresetInput): Promise<PresetFieldsFragment> {
    const { createPreset } = await this.client.request(CreatePresetDocument, { input });
    await this.load();
    return createPreset;
  }

  async update(id: string, input: PresetInput): Promise<void> {
    await this.client.request(UpdatePresetDocument, { id, input });
    await this.load();
  }

  async remove(id: string): Promise<void> {
    await this.client.request(DeletePresetDocument, { id });
    this.#presets = this.#presets.filter((preset) => preset.id !== id);
  }
}
