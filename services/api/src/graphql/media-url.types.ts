import { Field, Float, Int, ObjectType } from '@nestjs/graphql';

@ObjectType('MediaUrl', {
  description:
    'Where a media file can be fetched without headers (a <video> src; Range requests work). With MPR_API_TOKEN set it is signed for this file only and expires; ask again for a fresh one.',
})
export class MediaUrlType {
  @Field({ description: 'Under MEDIA_BASE_URL when set, else a path on the API (/media/in/…, /media/out/…).' }) href!: string;
  @Field(() => Date, { nullable: true, description: 'When the signature runs out; null when no token is configured (the URL is plain).' })
  expiresAt!: Date | null;
}

@ObjectType('MediaPlayback', {
  description:
    'What a player plays for an asset: its own file when browsers decode it, else a small H.264/AAC preview the API makes on the first request and caches. A signed URL like fileUrl.',
})
export class MediaPlaybackType extends MediaUrlType {
  @Field({ description: 'True when href is a preview made for the browser, not the file itself.' }) preview!: boolean;
  @Field(() => String, { nullable: true, description: 'Why the file itself does not play in a browser (when preview is true).' })
  reason!: string | null;
}

@ObjectType('ThumbnailStrip', {
  description:
    'One JPEG of `count` tiles side by side, tile i showing the source at i × interval seconds; made with ffmpeg on the first request and cached. A signed URL like fileUrl.',
})
export class ThumbnailStripType extends MediaUrlType {
  @Field(() => Int) count!: number;
  @Field(() => Int, { description: 'Pixels.' }) tileWidth!: number;
  @Field(() => Int, { description: 'Pixels.' }) tileHeight!: number;
  @Field(() => Float, { description: 'Seconds of the source between two tiles.' }) interval!: number;
}
