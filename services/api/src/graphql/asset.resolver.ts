import { UseFilters } from '@nestjs/common';
import { Args, ID, Mutation, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { AssetService } from '../assets/asset.service';
import { DerivedMediaService } from '../derived/derived-media.service';
import { JobService } from '../jobs/job.service';
import { MediaUrlService } from '../media/media-url.service';
import type { AssetRow } from '../read-models/asset.entity';
import { ScanService } from '../scan/scan.service';
import { DeleteResultType, MediaAssetType, ScanResultType, UpdateAssetInput } from './asset.types';
import { JobType } from './job.types';
import { MediaPlaybackType, MediaUrlType, ThumbnailStripType } from './media-url.types';
import { ClientErrorsFilter } from './client-errors.filter';

@UseFilters(ClientErrorsFilter)
@Resolver(() => MediaAssetType)
export class AssetResolver {
  constructor(
    private readonly assetService: AssetService,
    private readonly scanner: ScanService,
    private readonly jobService: JobService,
    private readonly mediaUrls: MediaUrlService,
    private readonly derived: DerivedMediaService,
  ) {}

  @ResolveField(() => MediaUrlType, { description: "The asset's file (in MEDIA_IN, or MEDIA_OUT for outputs), for a player or a download." })
  fileUrl(@Parent() asset: AssetRow): MediaUrlType {
    return this.mediaUrls.urlFor(asset.root === 'out' ? 'out' : 'in', asset.filePath);
  }

  @ResolveField(() => MediaPlaybackType, {
    nullable: true,
    description:
      'What a browser plays for this asset: the file itself, or a preview when browsers cannot decode it (AVI, WMV, FLV, MKV with other codecs…). Null until the asset is ready.',
  })
  playback(@Parent() asset: AssetRow): MediaPlaybackType | null {
    return this.derived.playbackFor(asset);
  }

  @ResolveField(() => ThumbnailStripType, { nullable: true, description: 'Thumbnails along the video, for a scrubber. Null without video or until ready.' })
  thumbnailStrip(@Parent() asset: AssetRow): ThumbnailStripType | null {
    return this.derived.thumbnailStripFor(asset);
  }

  @ResolveField(() => [JobType], { description: 'Jobs made from this asset, newest first.', complexity: 10 })
  jobs(@Parent() asset: AssetRow) {
    return this.jobService.listForSource(asset.id);
  }

  @Query(() => [MediaAssetType], { description: 'Assets, newest first; status: pending, ready, error or missing (any case).' })
  assets(@Args('status', { nullable: true }) status?: string) {
    return this.assetService.list(status);
  }

  @Query(() => MediaAssetType)
  asset(@Args('id', { type: () => ID }) id: string) {
    return this.assetService.get(id);
  }

  @Mutation(() => ScanResultType, {
    description:
      'Registers and probes the supported media files under MEDIA_IN; marks assets whose file is gone missing, and those whose file is back present again.',
  })
  scanMediaFolder() {
    return this.scanner.scan();
  }

  @Mutation(() => MediaAssetType)
  updateAsset(@Args('id', { type: () => ID }) id: string, @Args('input') input: UpdateAssetInput) {
    return this.assetService.update(id, input.comments);
  }

  @Mutation(() => DeleteResultType, { description: 'Forgets the asset (the file stays). Refused while pending or processing jobs use it.' })
  async deleteAsset(@Args('id', { type: () => ID }) id: string) {
    await this.assetService.delete(id);
    return { ok: true };
  }
}
