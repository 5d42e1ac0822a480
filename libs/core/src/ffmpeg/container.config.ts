import type { Container } from './codec-support.config';

export interface ContainerFormat {
  /** ffmpeg's muxer (`-f`): the output is written under a temporary name, so its extension cannot choose it. */
  readonly muxer: string;
  /** Muxer options. */
  readonly options: readonly string[];
}

/** ISO-BMFF outputs move their index to the front so a browser can play them while they download. */
const FASTSTART = ['-movflags', '+faststart'];

const CONTAINER_FORMATS: Record<Container, ContainerFormat> = {
  mp4: { muxer: 'mp4', options: FASTSTART },
  mov: { muxer: 'mov', options: FASTSTART },
  m4a: { muxer: 'ipod', options: FASTSTART },
  mkv: { muxer: 'matroska', options: [] },
  webm: { muxer: 'webm', options: [] },
  mp3: { muxer: 'mp3', options: [] },
  ogg: { muxer: 'ogg', options: [] },
  flac: { muxer: 'flac', options: [] },
  wav: { muxer: 'wav', options: [] },
  aac: { muxer: 'adts', options: [] },
};

export function isContainer(name: string): name is Container {
  return Object.hasOwn(CONTAINER_FORMATS, name);
}

export function containerFormat(container: Container): ContainerFormat {
  return CONTAINER_FORMATS[container];
}
