import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';

/** GCS's S3-compatible XML API. */
export const GCS_XML_ENDPOINT = 'https://storage.googleapis.com';

export interface ObjectStoreSettings {
  /** S3_ENDPOINT: MinIO or another S3-protocol server instead of AWS (s3:// roots only). */
  readonly endpoint?: string;
  /** S3_FORCE_PATH_STYLE: http://host/bucket/key instead of http://bucket.host/key (MinIO, s3rver). */
  readonly forcePathStyle?: boolean;
}

/**
 * The client of an s3:// or gs:// root. Credentials and region come from the AWS SDK's own chain (AWS_ACCESS_KEY_ID,
 * AWS_SECRET_ACCESS_KEY, AWS_REGION, profiles, instance and container roles); for gs:// those are a GCS HMAC key.
 * GCS refuses the checksums SDK ≥ 3.729 adds to every request (multipart completion fails), so a gs:// client
 * sends and checks them only where the operation requires one.
 */
export function createObjectStoreClient(kind: 's3' | 'gs', settings: ObjectStoreSettings): S3Client {
  const config: S3ClientConfig =
    kind === 'gs'
      ? {
          endpoint: settings.endpoint ?? GCS_XML_ENDPOINT,
          region: 'auto',
          forcePathStyle: settings.forcePathStyle ?? false,
          requestChecksumCalculation: 'WHEN_REQUIRED',
          responseChecksumValidation: 'WHEN_REQUIRED',
        }
      : { endpoint: settings.endpoint, forcePathStyle: settings.forcePathStyle ?? false };
  return new S3Client(config);
}
