import { Field, ObjectType } from '@nestjs/graphql';

@ObjectType('MediaUrl', {
  description:
    'Where a media file can be fetched without headers (a <video> src; Range requests work). With MPR_API_TOKEN set it is signed for this file only and expires; ask again for a fresh one.',
})
export class MediaUrlType {
  @Field({ description: 'Under MEDIA_BASE_URL when set, else a path on the API (/media/in/…, /media/out/…).' }) href!: string;
  @Field(() => Date, { nullable: true, description: 'When the signature runs out; null when no token is configured (the URL is plain).' })
  expiresAt!: Date | null;
}
