/**
 * What the e2e specs read back over GraphQL, as the schema types them: a spec
 * asks for some fields and types its rows as a `Pick` of these.
 */
export interface AssetFields {
  id: string;
  filePath: string;
  root: string;
  status: string;
  fileSize: number;
  videoCodec: string | null;
  audioCodec: string | null;
  height: number | null;
  duration: number | null;
  sourceJobId: string | null;
  fileUrl: { href: string };
}

export interface JobFields {
  id: string;
  status: string;
  progress: number;
  attempt: number;
  errorMessage: string | null;
  outputPath: string | null;
  outputAssetId: string | null;
  chunked: boolean;
}
