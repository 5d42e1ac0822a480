import { AssetRow } from './asset.entity';
import { CheckpointRow } from './checkpoint.entity';
import { JobRow } from './job.entity';
import { PresetRow } from './preset.entity';

export const READ_MODEL_ENTITIES = [AssetRow, PresetRow, JobRow, CheckpointRow];
export { AssetRow, CheckpointRow, JobRow, PresetRow };
