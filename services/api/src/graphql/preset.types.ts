import { Directive, Field, Float, ID, InputType, Int, ObjectType } from '@nestjs/graphql';

@ObjectType('TranscodePreset', { description: 'Encoding settings. Builtin presets are read-only.' })
@Directive('@key(fields: "id")')
export class PresetType {
  @Field(() => ID) id!: string;
  @Field() name!: string;
  @Field() description!: string;
  @Field() container!: string;
  @Field({ description: 'ffmpeg encoder ("libx264", "copy"); empty for audio-only presets.' }) videoCodec!: string;
  @Field() videoBitrate!: string;
  @Field(() => Int, { nullable: true }) videoCrf!: number | null;
  @Field() videoPreset!: string;
  @Field(() => Int, { nullable: true }) width!: number | null;
  @Field(() => Int, { nullable: true }) height!: number | null;
  @Field(() => Float, { nullable: true }) framerate!: number | null;
  @Field() audioCodec!: string;
  @Field() audioBitrate!: string;
  @Field(() => Int, { nullable: true }) audioChannels!: number | null;
  @Field(() => Int, { nullable: true }) audioSampleRate!: number | null;
  @Field() builtin!: boolean;
}

@InputType()
export class PresetInput {
  @Field() name!: string;
  @Field({ nullable: true }) description?: string;
  @Field() container!: string;
  @Field({ nullable: true }) videoCodec?: string;
  @Field({ nullable: true }) videoBitrate?: string;
  @Field(() => Int, { nullable: true }) videoCrf?: number;
  @Field({ nullable: true }) videoPreset?: string;
  @Field(() => Int, { nullable: true }) width?: number;
  @Field(() => Int, { nullable: true }) height?: number;
  @Field(() => Float, { nullable: true }) framerate?: number;
  @Field({ nullable: true }) audioCodec?: string;
  @Field({ nullable: true }) audioBitrate?: string;
  @Field(() => Int, { nullable: true }) audioChannels?: number;
  @Field(() => Int, { nullable: true }) audioSampleRate?: number;
}
