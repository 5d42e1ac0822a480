import { Field, Float, ID, InputType, Int, ObjectType, Directive } from '@nestjs/graphql';

@ObjectType('MediaAsset', { description: 'A video or audio file under MEDIA_IN (or an output under MEDIA_OUT), probed with ffprobe.' })
@Directive('@key(fields: "id")')
export class MediaAssetType {
  @Field(() => ID) id!: string;
  @Field() filename!: string;
  @Field({ description: 'Relative to its root (MEDIA_IN, or MEDIA_OUT for outputs).' }) filePath!: string;
  @Field({ description: '"in" or "out".' }) root!: string;
  @Field({
    description: 'pending, ready, error, or missing: the file was not under MEDIA_IN at the last scan, and no job can use it until a scan finds it again.',
  })
  status!: string;
  @Field(() => String, { nullable: true, description: "ffprobe's reason when status is error." }) errorMessage!: string | null;
  @Field(() => Float, { description: 'Bytes.' }) fileSize!: number;
  @Field(() => Float, { nullable: true, description: 'Seconds.' }) duration!: number | null;
  @Field(() => String, { nullable: true }) container!: string | null;
  @Field(() => String, { nullable: true }) videoCodec!: string | null;
  @Field(() => String, { nullable: true }) audioCodec!: string | null;
  @Field(() => Int, { nullable: true, description: 'Of the coded picture, before rotation.' }) width!: number | null;
  @Field(() => Int, { nullable: true, description: 'Of the coded picture, before rotation.' }) height!: number | null;
  @Field(() => Int, {
    nullable: true,
    description: "Degrees (0, 90, 180, 270) the video's display matrix turns the picture by (a phone clip shot upright: 90 or 270); null without video.",
  })
  rotation!: number | null;
  @Field(() => Float, { nullable: true }) framerate!: number | null;
  @Field(() => Float, { nullable: true, description: 'Bits per second.' }) bitrate!: number | null;
  @Field(() => Int, { nullable: true }) audioChannels!: number | null;
  @Field(() => Int, { nullable: true }) audioSampleRate!: number | null;
  @Field() comments!: string;
  @Field(() => String, { nullable: true, description: 'The job that produced this output.' }) sourceJobId!: string | null;
  @Field() createdAt!: Date;
}

@InputType()
export class UpdateAssetInput {
  @Field() comments!: string;
}

@ObjectType()
export class ScanResultType {
  @Field(() => Int, { description: 'Supported media files found under MEDIA_IN.' }) found!: number;
  @Field(() => Int, { description: 'Registered by this scan.' }) registered!: number;
  @Field(() => Int, { description: 'Registered before, or refused.' }) skipped!: number;
  @Field(() => Int, { description: 'Files of a type MPR does not take.' }) unsupported!: number;
  @Field(() => Int, { description: 'Assets whose file was gone: now in status missing.' }) missing!: number;
  @Field(() => Int, {
    description: 'Missing assets whose file was back: the same id, ready or error again as before, or probed again when its size or modification time changed.',
  })
  returned!: number;
  @Field(() => Int, { description: 'Assets left pending by a probe that never finished (the API stopped mid-scan): probed again now.' })
  reprobed!: number;
}

@ObjectType()
export class DeleteResultType {
  @Field() ok!: boolean;
}
