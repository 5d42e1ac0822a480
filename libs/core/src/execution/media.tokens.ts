/**
 * The local folders of MEDIA_IN (sources) and MEDIA_OUT (outputs) as MediaRoots: the roots themselves when they are
 * local paths, this process's scratch folders (where outputs are made before their upload) when they are buckets.
 * What is stored in a root is reached through its MediaStore (storage/media-store.providers).
 */
export const MEDIA_IN_ROOT = Symbol('MEDIA_IN_ROOT');
export const MEDIA_OUT_ROOT = Symbol('MEDIA_OUT_ROOT');
